/**
 * A local stand-in for API Gateway's `@connections` API on 127.0.0.1 without WebSocket clients: it records every
 * POST per connection id (status and body), answers 410 for gone connections and 403 for forbidden ones.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';

const STAGE = 'prod';

export class ConnectionsStub {
  /** Bodies received (200) per connection id. */
  public readonly received = new Map<string, string[]>();
  /** Every POST: connection id and the status answered. */
  public readonly posts: Array<{ connectionId: string; status: number }> = [];
  public readonly gone = new Set<string>();
  public readonly forbidden = new Set<string>();
  private server!: http.Server;

  public get callbackUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/${STAGE}`;
  }

  public async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const m = /^\/prod\/@connections\/([^/?]+)$/.exec(req.url ?? '');
        if (!m || req.method !== 'POST' || !String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) return void res.writeHead(400).end();
        const connectionId = decodeURIComponent(m[1]);
        const status = this.forbidden.has(connectionId) ? 403 : this.gone.has(connectionId) ? 410 : 200;
        this.posts.push({ connectionId, status });
        if (status !== 200) {
          const type = status === 403 ? 'ForbiddenException' : 'GoneException';
          return void res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type }).end(JSON.stringify({ message: type }));
        }
        let bodies = this.received.get(connectionId);
        if (!bodies) this.received.set(connectionId, (bodies = []));
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200).end();
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
  }

  public reset(): void {
    this.received.clear();
    this.posts.length = 0;
    this.gone.clear();
    this.forbidden.clear();
  }

  public async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
