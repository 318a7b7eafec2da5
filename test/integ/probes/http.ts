/**
 * The HTTP probe: makes the requests an integration test lists and returns their status codes, in order.
 *
 * Event:
 *   { signIn?: { userPoolId, clientId },   a throwaway Cognito user whose access token `token: 'user'` sends
 *     apiKeyId?: string,                    an API Gateway API key whose value `apiKey: true` sends in x-api-key
 *     timeoutMs?: number,                   per request (default 5000, 100-25000)
 *     requests: [{ url, method?, token?: 'none' | 'user' | 'invalid', header?, apiKey?, sign?, body?,
 *                  expectStatus?, retrySeconds?, repeat?, servedBy? }] }
 * `sign: true` signs the request with SigV4 for execute-api with the function's own credentials (IAM routes).
 * A request with `expectStatus` and `retrySeconds` is repeated (every 2 s) until it answers that status or the
 * time is up: API keys, usage plans and stage updates take effect within seconds, not at once.
 * `repeat: n` sends the request n times (1-200) and `servedBy: 'field'` reads that string field of each JSON body:
 * `served` then lists, sorted, the distinct values seen (which backends answered: a canary's traffic split).
 * Result: { statuses: number[], ok: boolean[], errors: string[], served: string[][] }, per request: the last status
 * (0 when no response came: DNS, connection, timeout, with the error's code in `errors`) and whether it was 2xx
 * (for "must not get through" expectations, whatever refuses it). Tokens and key values are never logged or
 * returned.
 */
import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SignatureV4 } from '@smithy/signature-v4';
import { withUser } from './signin';
import { Sha256 } from '../../support/sha256';

/** A JWT-shaped token that no issuer signed. */
export const INVALID_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9iZSJ9.aW52YWxpZA';

/** One request of a probe run. */
export interface ProbeRequest {
  readonly url: string;
  readonly method?: string;
  readonly token?: 'none' | 'user' | 'invalid';
  readonly header?: string;
  readonly apiKey?: boolean;
  readonly sign?: boolean;
  readonly body?: unknown;
  readonly expectStatus?: number;
  readonly retrySeconds?: number;
  readonly repeat?: number;
  readonly servedBy?: string;
}

/** What the probe returns. */
export interface ProbeResult {
  readonly statuses: number[];
  readonly ok: boolean[];
  readonly errors: string[];
  readonly served: string[][];
}

/** Local stand-ins for tests. */
export interface ProbeOptions {
  readonly cognito?: CognitoIdentityProviderClient;
  readonly apiGateway?: APIGatewayClient;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  readonly region?: string;
  readonly retryDelayMs?: number;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Refuses an event the probe cannot run, naming the field. */
export function checkEvent(event: any): asserts event is { requests: ProbeRequest[]; signIn?: unknown; apiKeyId?: string; timeoutMs?: number } {
  if (!event || !Array.isArray(event.requests) || event.requests.length === 0 || event.requests.length > 50) {
    throw new Error('requests must be a list of 1-50 requests');
  }
  event.requests.forEach((r: any, i: number) => {
    let url: URL;
    try { url = new URL(r?.url); } catch { throw new Error(`requests[${i}].url must be a URL`); }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(url.hostname))) {
      throw new Error(`requests[${i}].url must be https (http only on loopback)`);
    }
    if (r.method !== undefined && !METHODS.includes(r.method)) throw new Error(`requests[${i}].method must be one of ${METHODS.join(', ')}`);
    if (r.token !== undefined && !['none', 'user', 'invalid'].includes(r.token)) throw new Error(`requests[${i}].token must be none, user or invalid`);
    if (r.token === 'user' && !event.signIn) throw new Error(`requests[${i}] sends the user's token: signIn is required`);
    if (r.apiKey && !event.apiKeyId) throw new Error(`requests[${i}] sends the API key: apiKeyId is required`);
    if (r.header !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(r.header)) throw new Error(`requests[${i}].header must be a header name`);
    for (const [field, max] of [['retrySeconds', 600], ['repeat', 200]] as const) {
      const v = r[field];
      if (v !== undefined && (!Number.isInteger(v) || v < (field === 'repeat' ? 1 : 0) || v > max)) throw new Error(`requests[${i}].${field} must be an integer up to ${max}`);
    }
    if (r.servedBy !== undefined && !/^[A-Za-z_]\w{0,63}$/.test(r.servedBy)) throw new Error(`requests[${i}].servedBy must be a field name`);
  });
}

async function apiKeyValue(apiKeyId: unknown, options: ProbeOptions): Promise<string> {
  if (typeof apiKeyId !== 'string' || !/^[A-Za-z0-9]{1,64}$/.test(apiKeyId)) throw new Error('apiKeyId must be an API key id');
  const client = options.apiGateway ?? new APIGatewayClient({});
  const key = await client.send(new GetApiKeyCommand({ apiKey: apiKeyId, includeValue: true }));
  if (!key.value) throw new Error('the API key has no value');
  return key.value;
}

/** The function's own credentials: Lambda sets them in the environment. */
function credentialsFromEnv() {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = process.env;
  if (!accessKeyId || !secretAccessKey) throw new Error('sign: no credentials in the environment');
  return { accessKeyId, secretAccessKey, sessionToken };
}

async function signedHeaders(url: URL, method: string, headers: Record<string, string>, body: string | undefined, options: ProbeOptions) {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    credentials: options.credentials ?? credentialsFromEnv(),
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...headers, host: url.host },
    body,
  });
  return signed.headers as Record<string, string>;
}

/** The innermost error code of a failed fetch (`ECONNREFUSED`, `ENOTFOUND`...), else the error's name. */
function errorCode(err: any): string {
  for (let e = err, depth = 0; e && depth < 5; e = e.cause ?? e.errors?.[0], depth++) {
    if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) return e.code;
  }
  return String(err?.name ?? 'Error');
}

interface Once { status: number; error: string; servedBy?: string }

async function once(request: ProbeRequest, secrets: { token?: string; apiKey?: string }, timeoutMs: number, options: ProbeOptions): Promise<Once> {
  const method = request.method ?? 'GET';
  let headers: Record<string, string> = { 'user-agent': 'cdk-apigateway-patterns-integ-probe' };
  const header = (request.header ?? 'authorization').toLowerCase();
  if (request.token === 'user') headers[header] = secrets.token!;
  if (request.token === 'invalid') headers[header] = INVALID_TOKEN;
  if (request.apiKey) headers['x-api-key'] = secrets.apiKey!;
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    const url = new URL(request.url);
    if (request.sign) headers = await signedHeaders(url, method, headers, body, options);
    const response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const text = await response.text();
    let servedBy: unknown;
    if (request.servedBy) {
      try { servedBy = JSON.parse(text)?.[request.servedBy]; } catch { servedBy = undefined; }
    }
    return { status: response.status, error: '', servedBy: typeof servedBy === 'string' ? servedBy : undefined };
  } catch (err: any) {
    return { status: 0, error: errorCode(err) };
  }
}

type Secrets = { token?: string; apiKey?: string };

async function run(requests: ProbeRequest[], secrets: Secrets, timeoutMs: number, options: ProbeOptions): Promise<ProbeResult> {
  const statuses: number[] = [];
  const errors: string[] = [];
  const served: string[][] = [];
  for (const request of requests) {
    const deadline = Date.now() + (request.retrySeconds ?? 0) * 1000;
    let result = await once(request, secrets, timeoutMs, options);
    while (request.expectStatus !== undefined && result.status !== request.expectStatus && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 2000));
      result = await once(request, secrets, timeoutMs, options);
    }
    const seen = new Set(result.servedBy === undefined ? [] : [result.servedBy]);
    for (let n = 1; n < (request.repeat ?? 1); n++) {
      result = await once(request, secrets, timeoutMs, options);
      if (result.servedBy !== undefined) seen.add(result.servedBy);
    }
    statuses.push(result.status);
    errors.push(result.error);
    served.push([...seen].sort());
  }
  return { statuses, ok: statuses.map((s) => s >= 200 && s < 300), errors, served };
}

/** The per-request timeout of an event: `timeoutMs`, default 5000, kept within 100-25000. */
function requestTimeoutMs(event: { timeoutMs?: unknown }): number {
  return Math.min(Math.max(Number(event.timeoutMs) || 5000, 100), 25000);
}

/**
 * The longest the requests of an event can take, when every request times out: per request, its retry window
 * plus one attempt after it (each at most the timeout, 2 s apart) and its repeats. Sign-in and the API key read
 * come on top (a few SDK calls).
 */
export function worstCaseMs(event: { requests: ProbeRequest[]; timeoutMs?: unknown }): number {
  const timeout = requestTimeoutMs(event);
  const one = (r: ProbeRequest) => (r.retrySeconds ? r.retrySeconds * 1000 + timeout + 2000 : 0) + timeout * (r.repeat ?? 1);
  return event.requests.reduce((total, r) => total + one(r), 0);
}

/** Runs a probe event (see the file's comment). */
export async function probe(event: unknown, options: ProbeOptions = {}): Promise<ProbeResult> {
  checkEvent(event);
  const timeoutMs = requestTimeoutMs(event);
  const secrets: { token?: string; apiKey?: string } = {};
  if (event.apiKeyId !== undefined) secrets.apiKey = await apiKeyValue(event.apiKeyId, options);
  if (event.signIn === undefined) return run(event.requests, secrets, timeoutMs, options);
  return withUser(event.signIn, (token) => run(event.requests, { ...secrets, token }, timeoutMs, options), options.cognito);
}

export async function handler(event: unknown): Promise<ProbeResult> {
  return probe(event);
}
