/**
 * What a local API front needs from the local cloud: the fixed region and account, the functions by ARN (invoked
 * only when a Lambda permission of the assembly lets API Gateway do so), and the credentials the stand-ins issued
 * with the IAM decision for their roles.
 */
import { InvocationResult } from './functions';
import { IssuedCredential } from './sigv4';

/** API Gateway could not invoke the function (its answer: 500 "Internal server error"). */
export interface InvocationDenied {
  readonly denied: string;
}

export interface FrontContext {
  readonly region: string;
  readonly account: string;
  /** Invokes the function with ARN `functionArn` as API Gateway does from `sourceArn`. */
  readonly credentials: ReadonlyMap<string, IssuedCredential>;
  invoke(functionArn: string, sourceArn: string, event: unknown): Promise<InvocationResult | InvocationDenied>;
  allows(credential: IssuedCredential, action: string, resource: string): boolean;
  /** Records something the front refused or failed on, for test assertions and the playground's output. */
  log(line: string): void;
}

/** API Gateway's `requestTime` format: `09/Apr/2015:12:34:56 +0000`. */
export function requestTime(date: Date = new Date()): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** Headers as API Gateway passes them to Lambda: single-value (last wins) and multi-value maps. */
export function lambdaHeaders(raw: string[]): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    headers[raw[i]] = raw[i + 1];
    (multiValueHeaders[raw[i]] ??= []).push(raw[i + 1]);
  }
  return { headers, multiValueHeaders };
}

/** Query string as API Gateway passes it (null when empty). */
export function lambdaQuery(params: URLSearchParams): {
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
} {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [k, v] of params) {
    single[k] = v;
    (multi[k] ??= []).push(v);
  }
  const empty = Object.keys(single).length === 0;
  return { queryStringParameters: empty ? null : single, multiValueQueryStringParameters: empty ? null : multi };
}

/** Case-insensitive header lookup. */
export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

