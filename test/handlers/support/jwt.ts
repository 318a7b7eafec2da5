/**
 * Test support for the JWT authorizer: RSA keys, a JWKS, token signing with Node's crypto, and a local JWKS
 * server on 127.0.0.1 (port 0) whose behaviour tests can switch (serve, 500, invalid JSON, empty keys, hang).
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';

export const ISSUER = 'https://login.example.com/';
export const AUDIENCE = 'orders-api';
export const KID = 'test-key-1';

export interface KeyMaterial {
  readonly privateKey: crypto.KeyObject;
  readonly publicKey: crypto.KeyObject;
  readonly jwk: Record<string, unknown>;
}

export function rsaKey(kid: string = KID): KeyMaterial {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid, alg: 'RS256', use: 'sig' };
  return { privateKey, publicKey, jwk };
}

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** Signs header + payload with RS256 (or the alg given, for HS256 attacks with `secret`). */
export function sign(
  payload: Record<string, unknown>,
  key: KeyMaterial,
  header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT', kid: KID },
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = crypto.sign('RSA-SHA256', Buffer.from(input), key.privateKey).toString('base64url');
  return `${input}.${signature}`;
}

/** Signs a raw payload JSON text (to control its exact bytes, escapes included) with RS256. */
export function signRaw(payloadJson: string, key: KeyMaterial, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT', kid: KID }): string {
  const input = `${b64url(header)}.${b64url(payloadJson)}`;
  const signature = crypto.sign('RSA-SHA256', Buffer.from(input), key.privateKey).toString('base64url');
  return `${input}.${signature}`;
}

export function hmac(payload: Record<string, unknown>, secret: Buffer, header: Record<string, unknown>): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, aud: AUDIENCE, sub: 'user-123', iat: now, exp: now + 600, scope: 'orders:read', ...overrides };
}

export type JwksMode = 'serve' | 'error500' | 'invalidJson' | 'emptyKeys' | 'hang';

export interface JwksServer {
  readonly url: string;
  mode: JwksMode;
  requests: number;
  close(): Promise<void>;
}

export async function startJwksServer(keys: Record<string, unknown>[]): Promise<JwksServer> {
  const state: { mode: JwksMode; requests: number } = { mode: 'serve', requests: 0 };
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((_req, res) => {
    state.requests += 1;
    switch (state.mode) {
      case 'error500':
        res.writeHead(500).end('boom');
        return;
      case 'invalidJson':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{not json');
        return;
      case 'emptyKeys':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
        return;
      case 'hang':
        hanging.push(res);
        return;
      default:
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get mode() {
      return state.mode;
    },
    set mode(m: JwksMode) {
      state.mode = m;
    },
    get requests() {
      return state.requests;
    },
    set requests(n: number) {
      state.requests = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        hanging.forEach((r) => r.destroy());
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * GETs a URL over plain http on loopback, with a timeout: the tests' JWKS fetcher. It fails the way
 * aws-jwt-verify's own fetcher does (https-node.js): NonRetryableFetchError on a non-200 status, FetchError on a
 * time-out or a network error.
 */
export function loopbackFetch(url: string, timeoutMs: number = 1500): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new NonRetryableFetchError(url, `Status code is ${res.statusCode}, expected 200`));
        const buf = Buffer.concat(chunks);
        resolve(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
      });
    });
    req.on('timeout', () => req.destroy(new FetchError(url, 'Response time-out')));
    req.on('error', (e) => reject(e instanceof FetchError ? e : new FetchError(url, e.message)));
  });
}

export const API_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123';

/** The method ARN API Gateway passes for a request (`GET`, `/orders/7` -> `.../prod/GET/orders/7`). */
export function methodArn(method: string, requestPath: string, stage: string = 'prod'): string {
  return `${API_ARN}/${stage}/${method}${requestPath}`;
}

/**
 * A REST REQUEST authorizer event as API Gateway sends it for a request routed to the resource `resource`
 * (a path template): the method ARN carries the concrete path, `resource` / `requestContext.resourcePath` the
 * template (API Gateway Developer Guide, "Input to an Amazon API Gateway Lambda authorizer").
 */
export function requestEvent(
  token: string | undefined,
  method: string,
  resource: string,
  requestPath: string = resource,
  header: string = 'Authorization',
): Record<string, unknown> {
  return {
    type: 'REQUEST',
    methodArn: methodArn(method, requestPath),
    resource,
    path: requestPath,
    httpMethod: method,
    headers: token === undefined ? {} : { [header]: token },
    queryStringParameters: null,
    requestContext: { resourcePath: resource, httpMethod: method, path: `/prod${requestPath}`, stage: 'prod', apiId: 'abc123', accountId: '123456789012' },
  };
}
