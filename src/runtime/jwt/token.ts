/**
 * Finds the caller's token and route in an API Gateway authorizer event (REST REQUEST, WebSocket $connect).
 * No CDK imports: this module runs inside Lambda.
 */
import { JwtAuthorizerConfig } from './config';

/** The event fields the authorizer reads (a subset of the API Gateway authorizer events). */
export interface AuthorizerEvent {
  readonly type?: string;
  readonly methodArn?: string;
  readonly authorizationToken?: string;
  /** REST REQUEST events: the resource's path template (`/orders/{id}`) and the request's method. */
  readonly resource?: string;
  readonly httpMethod?: string;
  readonly headers?: Record<string, string | undefined> | null;
  readonly queryStringParameters?: Record<string, string | undefined> | null;
  readonly requestContext?: {
    readonly routeKey?: string;
    readonly eventType?: string;
    /** REST: the values of the `context.resourcePath` and `context.httpMethod` identity sources. */
    readonly resourcePath?: string;
    readonly httpMethod?: string;
  } | null;
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
  // REST events keep the client's header case: the configured spelling usually hits without a scan.
  if (Object.prototype.hasOwnProperty.call(headers, name)) return headers[name] ?? undefined;
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

/**
 * The route a REST REQUEST event was routed to: its method and resource path template, read from the same
 * `$context` values the authorizer's cache key is made of (`requestContext.httpMethod`, `requestContext.resourcePath`),
 * which API Gateway also passes as `httpMethod` and `resource`. Undefined when absent or inconsistent.
 */
export function eventRoute(event: AuthorizerEvent): { readonly method: string; readonly path: string } | undefined {
  const method = event.requestContext?.httpMethod ?? event.httpMethod;
  const path = event.requestContext?.resourcePath ?? event.resource;
  if (typeof method !== 'string' || typeof path !== 'string') return undefined;
  if (event.httpMethod !== undefined && event.httpMethod !== method) return undefined;
  if (event.resource !== undefined && event.resource !== path) return undefined;
  if (!/^[A-Z]{3,7}$/.test(method) || !path.startsWith('/') || path.length > 1024) return undefined;
  return { method, path };
}
