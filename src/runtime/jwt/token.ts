/**
 * Finds the caller's token in an API Gateway authorizer event (REST TOKEN, REST REQUEST, WebSocket $connect).
 * No CDK imports: this module runs inside Lambda.
 */
import { JwtAuthorizerConfig } from './config';

/** The event fields the authorizer reads (a subset of the API Gateway authorizer events). */
export interface AuthorizerEvent {
  readonly type?: string;
  readonly methodArn?: string;
  readonly authorizationToken?: string;
  readonly headers?: Record<string, string | undefined> | null;
  readonly queryStringParameters?: Record<string, string | undefined> | null;
  readonly requestContext?: { readonly routeKey?: string; readonly eventType?: string } | null;
}

/** Largest token accepted before parsing (API Gateway authorizer results and headers are bounded too). */
export const MAX_TOKEN_BYTES = 8192;

const WHITESPACE = /\s/;

/** `Bearer <jwt>` (any case, any spacing) or a bare JWT; anything with inner whitespace is refused. */
function strip(value: string | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  let token = value.trim();
  if (token.length >= 6 && token.slice(0, 6).toLowerCase() === 'bearer') {
    if (token.length === 6 || !WHITESPACE.test(token[6])) return token.length === 6 ? undefined : token;
    token = token.slice(7).trim();
  }
  if (!token || WHITESPACE.test(token)) return undefined;
  return token;
}

function header(headers: AuthorizerEvent['headers'], name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value ?? undefined;
  }
  return undefined;
}

/** The token, or undefined when absent or malformed (`Bearer` without a token, embedded spaces). */
export function extractToken(event: AuthorizerEvent, config: JwtAuthorizerConfig): string | undefined {
  if (event.type === 'TOKEN') return strip(event.authorizationToken);
  const fromHeader = strip(header(event.headers, config.tokenHeader));
  if (fromHeader) return fromHeader;
  if (config.tokenQuery && event.queryStringParameters && typeof event.queryStringParameters === 'object') {
    return strip(event.queryStringParameters[config.tokenQuery]);
  }
  return undefined;
}

/** True for a WebSocket `$connect` authorizer event. */
export function isWebSocketConnect(event: AuthorizerEvent): boolean {
  return event.requestContext?.routeKey === '$connect' || event.requestContext?.eventType === 'CONNECT';
}
