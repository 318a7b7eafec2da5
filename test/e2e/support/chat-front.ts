/**
 * A local stand-in for API Gateway's WebSocket front, on 127.0.0.1: it accepts real `ws` clients, authorizes
 * `$connect` through an authorizer function, turns frames into API Gateway WebSocket events (route selection by
 * `$request.body.action`), invokes the chat handler, and serves the `@connections` API the handler posts to,
 * with injectable faults. Bounded: every wait has a timeout; servers close in `close()`.
 *
 * Like API Gateway, it answers 401 WITHOUT invoking the authorizer when one of the authorizer's identity sources
 * (`route.request.header.X`, `route.request.querystring.X`) is missing or empty
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html).
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { URL } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';

export type Handler = (event: any, context: any) => Promise<any>;
export type Authorizer = (event: any) => Promise<{ ok?: any; err?: string }>;

/** Faults the @connections stub answers with, per connection id: a list of statuses consumed one per POST. */
export type FaultPlan = Map<string, number[]>;

const STAGE = 'prod';
const API_ID = 'ws123abcde';

export class ChatFront {
  public readonly faults: FaultPlan = new Map();
  public readonly posts: Array<{ connectionId: string; status: number }> = [];
  public readonly handlerErrors: string[] = [];
  /** Handshakes refused because an identity source was missing (the authorizer was not invoked). */
  public missingIdentity = 0;
  private readonly sockets = new Map<string, WebSocket>();
  private readonly killed = new Set<string>();
  private closing = false;
  private wss!: WebSocketServer;
  private wsHttp!: http.Server;
  private connections!: http.Server;

  constructor(
    private readonly handler: Handler,
    private readonly authorizer: Authorizer,
    private readonly identitySources: string[] = ['route.request.querystring.token'],
  ) {}

  public get callbackUrl(): string {
    return `http://127.0.0.1:${(this.connections.address() as AddressInfo).port}/${STAGE}`;
  }

  public get url(): string {
    return `ws://127.0.0.1:${(this.wsHttp.address() as AddressInfo).port}/${STAGE}`;
  }

  public async start(): Promise<void> {
    this.connections = http.createServer((req, res) => this.onConnectionsApi(req, res));
    await new Promise<void>((r) => this.connections.listen(0, '127.0.0.1', r));
    this.wsHttp = http.createServer();
    this.wss = new WebSocketServer({ noServer: true });
    this.wsHttp.on('upgrade', (req, socket, head) => {
      void this.onUpgrade(req, socket, head);
    });
    await new Promise<void>((r) => this.wsHttp.listen(0, '127.0.0.1', r));
  }

  public async close(): Promise<void> {
    this.closing = true;
    for (const ws of this.sockets.values()) ws.terminate();
    this.wss.close();
    for (const s of [this.wsHttp, this.connections]) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }

  /** Drops a client's socket without $disconnect, as a network failure would. */
  public kill(connectionId: string): void {
    this.killed.add(connectionId);
    this.sockets.get(connectionId)?.terminate();
    this.sockets.delete(connectionId);
  }

  private context(connectionId: string, routeKey: string, authorizer?: any) {
    return { routeKey, eventType: routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE', connectionId, domainName: '127.0.0.1', stage: STAGE, apiId: API_ID, authorizer };
  }

  private async invoke(event: any): Promise<any> {
    const deadline = Date.now() + 29_000;
    try {
      return await this.handler(event, { getRemainingTimeInMillis: () => deadline - Date.now() });
    } catch (e) {
      this.handlerErrors.push((e as Error).name);
      return { statusCode: 500 };
    }
  }

  private async onUpgrade(req: http.IncomingMessage, socket: any, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams.entries());
    const connectionId = randomBytes(9).toString('base64').replace(/[+/]/g, 'x') + '=';
    const present = this.identitySources.every((source) => {
      const [, , where, name] = source.split('.');
      const value = where === 'header' ? req.headers[name.toLowerCase()] : query[name];
      return typeof value === 'string' && value.length > 0;
    });
    if (!present) {
      this.missingIdentity++;
      socket.write('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    const auth = await this.authorizer({
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:eu-west-1:123456789012:${API_ID}/${STAGE}/$connect`,
      headers: req.headers,
      queryStringParameters: query,
      requestContext: this.context(connectionId, '$connect'),
    });
    const allowed = auth.ok?.policyDocument?.Statement?.[0]?.Effect === 'Allow';
    if (!allowed) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    const authorizer = { principalId: auth.ok.principalId, ...auth.ok.context };
    const res = await this.invoke({ requestContext: this.context(connectionId, '$connect', authorizer), queryStringParameters: query });
    if (res?.statusCode !== 200) {
      // The integration's status refuses the handshake (429 for the per-user cap).
      const status = typeof res?.statusCode === 'number' && res.statusCode >= 400 ? res.statusCode : 500;
      socket.write(`HTTP/1.1 ${status} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.sockets.set(connectionId, ws);
      ws.on('message', (data) => {
        const body = data.toString();
        let action: unknown;
        try {
          action = JSON.parse(body)?.action;
        } catch {
          action = undefined;
        }
        const known = ['joinroom', 'leaveroom', 'sendmessage'];
        const routeKey = typeof action === 'string' && known.includes(action) ? action : '$default';
        void this.invoke({ body, requestContext: this.context(connectionId, routeKey, authorizer) });
      });
      ws.on('close', () => {
        if (this.killed.has(connectionId) || this.closing) return;
        this.sockets.delete(connectionId);
        void this.invoke({ requestContext: this.context(connectionId, '$disconnect', authorizer) });
      });
      ws.send(JSON.stringify({ type: 'connected', connectionId }));
    });
  }

  private onConnectionsApi(req: http.IncomingMessage, res: http.ServerResponse): void {
    const m = /^\/prod\/@connections\/([^/?]+)$/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!m) return void res.writeHead(404).end();
      const connectionId = decodeURIComponent(m[1]);
      const planned = this.faults.get(connectionId)?.shift();
      const socket = this.sockets.get(connectionId);
      const status = planned ?? (socket ? 200 : 410);
      this.posts.push({ connectionId, status });
      if (status !== 200) {
        const type = { 410: 'GoneException', 429: 'LimitExceededException', 403: 'ForbiddenException' }[status] ?? 'InternalServerErrorException';
        res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type }).end(JSON.stringify({ message: type }));
        return;
      }
      if (req.method === 'POST') socket!.send(Buffer.concat(chunks).toString());
      else if (req.method === 'DELETE') socket!.close();
      res.writeHead(200).end();
    });
  }
}
