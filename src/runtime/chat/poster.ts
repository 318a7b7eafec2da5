/**
 * A lean PostToConnection client for broadcasts: one SigV4-signed HTTP POST per connection over a keep-alive
 * agent, without the SDK's per-request middleware stack (command objects, endpoint rules, retries, user agent,
 * deserializers), which costs more CPU than the post itself. The payload hash is computed once per message and
 * the signing key once per day; credentials and region come from the SDK's resolved configuration (the default
 * provider chain, refreshed when they expire). Errors carry the SDK's shape (`name`, `$metadata.httpStatusCode`)
 * and are not retried here: the broadcaster owns retries. No CDK imports: runs inside Lambda.
 */
import { createHash, createHmac } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { PostFn } from './broadcaster';

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignedPosterOptions {
  /** The @connections endpoint, `https://{domainName}/{stage}`. */
  readonly endpoint: string;
  readonly region: () => Promise<string> | string;
  readonly credentials: () => Promise<SigningCredentials>;
  /** Sockets of the keep-alive agent. */
  readonly maxSockets: number;
  /** A post taking longer fails (and is retried by the broadcaster). @default 10_000 */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

const SERVICE = 'execute-api';
const CONTENT_TYPE = 'application/octet-stream';
const ERROR_NAMES: Record<number, string> = { 403: 'ForbiddenException', 410: 'GoneException', 413: 'PayloadTooLargeException', 429: 'LimitExceededException' };

/** RFC 3986 encoding, as the SDK encodes path labels and SigV4 canonical path segments. */
export function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** SigV4 (execute-api) of a request whose headers are all signed; returns the Authorization header. */
export function signatureV4(request: {
  readonly method: string;
  readonly path: string;
  /** Lower-case names; must include host and x-amz-date (`YYYYMMDDTHHMMSSZ`). */
  readonly headers: Record<string, string>;
  readonly payloadHash: string;
  readonly region: string;
  readonly credentials: SigningCredentials;
  /** The day's signing key, when cached by the caller. */
  readonly signingKey?: Buffer;
}): string {
  const amzDate = request.headers['x-amz-date'];
  const day = amzDate.slice(0, 8);
  const names = Object.keys(request.headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${request.headers[n].trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalPath = request.path.split('/').map(escapeUri).join('/');
  const canonical = `${request.method}\n${canonicalPath}\n\n${canonicalHeaders}\n${signedHeaders}\n${request.payloadHash}`;
  const scope = `${day}/${request.region}/${SERVICE}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
  const key = request.signingKey ?? signingKeyFor(request.credentials.secretAccessKey, day, request.region);
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${request.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

function signingKeyFor(secret: string, day: string, region: string): Buffer {
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), SERVICE), 'aws4_request');
}

/** `YYYYMMDDTHHMMSSZ` */
function amzDateOf(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The error the SDK would raise: its name from x-amzn-errortype (else the status), and `$metadata`. */
function postError(status: number | undefined, type: string | undefined, cause?: Error): Error {
  const name = type?.split(':')[0] || (status && ERROR_NAMES[status]) || (status ? 'ApiGatewayManagementApiServiceException' : cause?.name ?? 'NetworkError');
  return Object.assign(new Error(cause?.message ?? `PostToConnection answered ${status} ${name}`), { name, $metadata: { httpStatusCode: status } });
}

/** A poster signing its own requests (see the module comment). */
export function signedPoster(options: SignedPosterOptions): PostFn {
  const url = new URL(options.endpoint);
  const secure = url.protocol === 'https:';
  const transport = secure ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const host = url.host;
  const base = url.pathname.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  let region: string | undefined;
  // Per message and per second: the same broadcast signs thousands of posts with the same payload and clock.
  let lastData: Uint8Array | undefined;
  let lastHash = '';
  let lastSecond = -1;
  let lastDate = '';
  let keyFor: { secret: string; day: string; key: Buffer } | undefined;

  return async (connectionId, data) => {
    const credentials = await options.credentials();
    region ??= await options.region();
    if (data !== lastData) {
      lastHash = sha256Hex(data);
      lastData = data;
    }
    const second = Math.floor(now() / 1000);
    if (second !== lastSecond) {
      lastDate = amzDateOf(second * 1000);
      lastSecond = second;
    }
    const path = `${base}/@connections/${escapeUri(connectionId)}`;
    const headers: Record<string, string> = { 'content-type': CONTENT_TYPE, 'host': host, 'x-amz-content-sha256': lastHash, 'x-amz-date': lastDate };
    if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
    const day = lastDate.slice(0, 8);
    if (keyFor?.day !== day || keyFor.secret !== credentials.secretAccessKey) {
      keyFor = { secret: credentials.secretAccessKey, day, key: signingKeyFor(credentials.secretAccessKey, day, region) };
    }
    headers.authorization = signatureV4({ method: 'POST', path, headers, payloadHash: lastHash, region, credentials, signingKey: keyFor.key });
    headers['content-length'] = String(data.byteLength);
    const send = (retryStale: boolean) =>
      new Promise<void>((resolve, reject) => {
        const req = transport.request({ agent, method: 'POST', host: url.hostname, port: url.port || undefined, path, headers }, (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            res.on('end', resolve);
          } else {
            const type = res.headers['x-amzn-errortype'];
            reject(postError(status, Array.isArray(type) ? type[0] : type));
          }
          res.on('error', (e) => reject(postError(undefined, undefined, e)));
        });
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`PostToConnection timed out after ${timeoutMs} ms`), { name: 'TimeoutError' })));
        req.on('error', (e: NodeJS.ErrnoException) => {
          // A kept-alive socket the server closed meanwhile: send once more on a fresh one (as the SDK would retry).
          if (retryStale && req.reusedSocket && e.code === 'ECONNRESET') send(false).then(resolve, reject);
          else reject(postError(undefined, undefined, e));
        });
        req.end(data);
      });
    await send(true);
  };
}
