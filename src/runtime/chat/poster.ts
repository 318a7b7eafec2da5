/**
 * A lean PostToConnection client for broadcasts: one HTTP POST per connection over a keep-alive agent, signed
 * by the SDK's own SigV4 signer (@smithy/signature-v4), without the SDK client's per-request middleware stack
 * (command objects, endpoint rules, retries, user agent, deserializers), which costs more CPU than the post
 * itself. The payload hash is computed once per message and the signing key once per day (by the signer);
 * credentials and region come from the SDK's resolved configuration (the default provider chain, refreshed when
 * they expire). Errors carry the SDK's shape (`name`, `$metadata.httpStatusCode`)
 * and are not retried here: the broadcaster owns retries. No CDK imports: runs inside Lambda.
 */
import { Hash, Hmac, createHash, createHmac } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import { PostFn } from './broadcaster';

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignedPosterOptions {
  /** The @connections endpoint, `https://{domainName}/{stage}`. */
  readonly endpoint: string;
  /** The region, as the SDK's configuration provides it. */
  readonly region: () => Promise<string> | string;
  /** The credentials, as the SDK's default provider chain provides them (refreshed when they expire). */
  readonly credentials: () => Promise<SigningCredentials>;
  /** Sockets of the keep-alive agent. */
  readonly maxSockets: number;
  /** A post taking longer fails (and is retried by the broadcaster). @default 10_000 */
  readonly timeoutMs?: number;
  /** The clock of the signature (epoch ms). @default Date.now */
  readonly now?: () => number;
}

const CONTENT_TYPE = 'application/octet-stream';
const ERROR_NAMES: Record<number, string> = { 403: 'ForbiddenException', 410: 'GoneException', 413: 'PayloadTooLargeException', 429: 'LimitExceededException' };

/** RFC 3986 encoding, as the SDK encodes path labels (the connection id in the request path). */
export function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The SHA-256 (and HMAC-SHA-256) checksum SignatureV4 takes, backed by node:crypto. */
export class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac('sha256', toBytes(secret)) : createHash('sha256');
  }
  public update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  public async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

type SourceData = string | ArrayBuffer | ArrayBufferView;
function toBytes(data: SourceData): Uint8Array | string {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
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
  // The SDK's own signer (the one its clients use); it caches the day's signing key and, given
  // x-amz-content-sha256, does not hash the payload again.
  const signer = new SignatureV4({ service: 'execute-api', region: async () => options.region(), credentials: options.credentials, sha256: NodeSha256, uriEscapePath: true });
  // Per message: a broadcast signs thousands of posts of the same payload.
  let lastData: Uint8Array | undefined;
  let lastHash = '';

  return async (connectionId, data) => {
    if (data !== lastData) {
      lastHash = sha256Hex(data);
      lastData = data;
    }
    const path = `${base}/@connections/${escapeUri(connectionId)}`;
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path,
        query: {},
        headers: { 'content-type': CONTENT_TYPE, 'host': host, 'x-amz-content-sha256': lastHash },
        body: data,
      },
      { signingDate: new Date(now()) },
    );
    const headers: Record<string, string> = { ...signed.headers };
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
