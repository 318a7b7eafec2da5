/**
 * A local front for one WebSocket API of the assembly, on 127.0.0.1: real WebSocket clients connect to
 * `ws://127.0.0.1:{port}/{stage}`; the same port serves the `@connections` API at `/{stage}/@connections/{id}`
 * (the callback URL `https://{apiId}.execute-api.{region}.{urlSuffix}/{stage}` maps here).
 *
 * As API Gateway does (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api.html):
 * - `$connect`: throttled by its route setting (429); the REQUEST authorizer is invoked only when every identity
 *   source is present and non-empty, else 401 without invoking it (apigatewayv2 API reference, Authorizer
 *   `identitySource`: "verifying all of the identity-related request parameters are present, not null, and
 *   non-empty ... Otherwise, it returns a 401 Unauthorized response without calling the Lambda function");
 *   `Unauthorized` thrown by the authorizer is 401, a Deny (or no Allow) for the `$connect` method ARN is 403,
 *   anything else 500; then the `$connect` integration, whose non-2xx status refuses the handshake.
 * - Messages: the route selection expression `$request.body.<path>` picks the route key; non-JSON messages,
 *   or keys without a route, go to `$default`; without `$default` the client gets an error frame. Messages over
 *   128 KB close the connection with 1009 (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
 *   A throttled message gets a "Too Many Requests" error frame; a failed integration "Internal server error".
 * - `$disconnect` after a close (best effort in AWS; `kill()` models a lost one).
 * - `@connections` (POST / GET / DELETE): SigV4-signed by a local function whose role allows
 *   `execute-api:ManageConnections` on `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/@connections/{id}`
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-control-access-iam.html);
 *   410 for a gone connection, 413 over 128 KB. `attachHeadless()` adds connections without a socket, whose
 *   posts are kept in `headless` (a stand-in for thousands of clients in a room).
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { FrontContext, lambdaHeaders, lambdaQuery, requestTime } from './front-context';
import { checkSignature } from './sigv4';
import { TokenBucket } from './throttle';
import { WebSocketApiModel, WebSocketStageModel } from './websocket-model';
import { evaluate } from '../iam-policy';

const MAX_MESSAGE = 128 * 1024;

interface Connection {
  readonly id: string;
  readonly ws: WebSocket;
  readonly stage: WebSocketStageModel;
  readonly connectedAt: number;
  lastActiveAt: number;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly authorizer?: Record<string, unknown>;
}

export class WebSocketFront {
  /** Statuses the @connections API answers instead, per connection id, one per request (fault injection). */
  public readonly faults = new Map<string, number[]>();
  public readonly posts: Array<{ readonly connectionId: string; readonly method: string; readonly status: number }> = [];
  public readonly connections = new Map<string, Connection>();
  /** Authorizer invocations (to prove when API Gateway does not call it). */
  public authorizerInvocations = 0;
  /** Posts received by connections without a socket (`attachHeadless`), per connection id. */
  public readonly headless = new Map<string, string[]>();
  /** Added latency of every @connections request, in ms (a slow endpoint, to make broadcasts outlast a deadline). */
  public postLatencyMs = 0;
  private readonly killed = new Set<string>();
  private readonly buckets = new Map<string, TokenBucket>();
  private server!: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  private closing = false;

  constructor(
    public readonly model: WebSocketApiModel,
    private readonly ctx: FrontContext,
  ) {}

  /** `{apiId}.execute-api.{region}.amazonaws.com`: the domain name events carry. */
  public get domainName(): string {
    return `${this.model.apiId}.execute-api.${this.ctx.region}.amazonaws.com`;
  }

  public get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The `ws://` URL of a stage (the first one by default). */
  public url(stage: string = this.model.stages[0].name): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/${stage}`;
  }

  public async start(port: number = 0): Promise<void> {
    this.server = http.createServer((req, res) => this.onConnectionsApi(req, res));
    this.server.on('upgrade', (req, socket, head) => void this.onUpgrade(req, socket as Socket, head));
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
  }

  public async close(): Promise<void> {
    this.closing = true;
    for (const c of this.connections.values()) c.ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Drops a client's socket without `$disconnect` (a lost one): its record stays, posts to it answer 410. */
  public kill(connectionId: string): void {
    this.killed.add(connectionId);
    this.connections.get(connectionId)?.ws.terminate();
    this.connections.delete(connectionId);
  }

  /** Connections the @connections API knows without a WebSocket client (their $connect is the test's). */
  public attachHeadless(connectionIds: Iterable<string>): void {
    for (const id of connectionIds) this.headless.set(id, []);
  }

  private throttled(stage: WebSocketStageModel, routeKey: string): boolean {
    const setting = stage.routeThrottles[routeKey] ?? stage.defaultThrottle;
    if (!setting) return false;
    const key = `${stage.name} ${stage.routeThrottles[routeKey] ? routeKey : '*'}`;
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(setting.rateLimit, setting.burstLimit)));
    return !bucket.take();
  }

  private context(c: Omit<Connection, 'ws' | 'lastActiveAt' | 'authorizer'>, routeKey: string, eventType: string) {
    const now = Date.now();
    return {
      routeKey,
      eventType,
      extendedRequestId: randomBytes(6).toString('base64'),
      requestTime: requestTime(new Date(now)),
      messageDirection: 'IN',
      stage: c.stage.name,
      connectedAt: c.connectedAt,
      requestTimeEpoch: now,
      identity: { sourceIp: c.sourceIp, userAgent: c.userAgent },
      requestId: randomBytes(6).toString('base64'),
      domainName: this.domainName,
      connectionId: c.id,
      apiId: this.model.apiId,
    };
  }

  private methodArn(stage: string, routeKey: string): string {
    return `arn:aws:execute-api:${this.ctx.region}:${this.ctx.account}:${this.model.apiId}/${stage}/${routeKey}`;
  }

  private refuse(socket: Socket, status: number, reason: string): void {
    this.ctx.log(`${this.model.apiId} $connect ${status}: ${reason}`);
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ message: http.STATUS_CODES[status] })}`);
  }

  private async onUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const stage = this.model.stages.find((s) => url.pathname === `/${s.name}` || url.pathname === `/${s.name}/`);
    if (!stage) return this.refuse(socket, 403, `no stage at ${url.pathname}`);
    const { headers, multiValueHeaders } = lambdaHeaders(req.rawHeaders);
    const query = lambdaQuery(url.searchParams);
    const c = { id: randomBytes(11).toString('base64').replace(/[+/]/g, 'A') + '=', stage, connectedAt: Date.now(), sourceIp: '127.0.0.1', userAgent: String(req.headers['user-agent'] ?? '') };
    if (this.throttled(stage, '$connect')) return this.refuse(socket, 429, 'throttled');
    const connect = this.model.routes.get('$connect');
    let authorizer: Record<string, unknown> | undefined;
    if (connect?.authorizer) {
      const a = connect.authorizer;
      const missing = a.identitySources.find((s) => {
        const [, kind, name] = /^route\.request\.(header|querystring)\.(.+)$/.exec(s)!;
        const value = kind === 'header' ? req.headers[name.toLowerCase()] : url.searchParams.get(name);
        return value === undefined || value === null || value === '';
      });
      if (missing) return this.refuse(socket, 401, `identity source ${missing} is missing or empty: the authorizer is not invoked`);
      this.authorizerInvocations += 1;
      const out = await this.ctx.invoke(a.functionArn, `arn:aws:execute-api:${this.ctx.region}:${this.ctx.account}:${this.model.apiId}/authorizers/${a.id}`, {
        type: 'REQUEST',
        methodArn: this.methodArn(stage.name, '$connect'),
        headers,
        multiValueHeaders,
        ...query,
        stageVariables: {},
        requestContext: this.context(c, '$connect', 'CONNECT'),
      });
      if ('denied' in out) return this.refuse(socket, 500, out.denied);
      if ('error' in out) return this.refuse(socket, out.error.errorMessage === 'Unauthorized' ? 401 : 500, `authorizer: ${out.error.errorType} ${out.error.errorMessage}`);
      const policy = out.result;
      let decision: string;
      try {
        decision = evaluate(policy?.policyDocument, 'execute-api:Invoke', this.methodArn(stage.name, '$connect'));
      } catch (e) {
        return this.refuse(socket, 500, `authorizer returned an invalid policy: ${(e as Error).message}`);
      }
      if (typeof policy?.principalId !== 'string') return this.refuse(socket, 500, 'authorizer returned no principalId');
      if (decision !== 'Allow') return this.refuse(socket, 403, `the authorizer's policy does not allow ${this.methodArn(stage.name, '$connect')}`);
      authorizer = { ...(policy.context ?? {}), principalId: policy.principalId, integrationLatency: 0 };
    }
    if (connect) {
      const out = await this.ctx.invoke(connect.functionArn, this.methodArn(stage.name, '$connect'), {
        headers,
        multiValueHeaders,
        ...query,
        requestContext: { ...this.context(c, '$connect', 'CONNECT'), ...(authorizer ? { authorizer } : {}) },
        isBase64Encoded: false,
      });
      if ('denied' in out) return this.refuse(socket, 500, out.denied);
      if ('error' in out) return this.refuse(socket, 500, `$connect integration: ${out.error.errorType} ${out.error.errorMessage}`);
      const status = Number(out.result?.statusCode ?? 200);
      if (status < 200 || status > 299) return this.refuse(socket, status >= 400 && status <= 599 ? status : 500, `$connect integration answered ${status}`);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.accepted(ws, { ...c, lastActiveAt: Date.now(), ws, authorizer }, headers, multiValueHeaders);
    });
  }

  private accepted(ws: WebSocket, c: Connection, headers: Record<string, string>, multiValueHeaders: Record<string, string[]>): void {
    this.connections.set(c.id, c);
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => {
      c.lastActiveAt = Date.now();
      void this.onMessage(c, Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]), isBinary);
    });
    ws.on('close', (code, reason) => {
      this.connections.delete(c.id);
      if (this.killed.has(c.id) || this.closing) return;
      const route = this.model.routes.get('$disconnect');
      if (!route) return;
      void this.ctx.invoke(route.functionArn, this.methodArn(c.stage.name, '$disconnect'), {
        headers,
        multiValueHeaders,
        requestContext: { ...this.context(c, '$disconnect', 'DISCONNECT'), disconnectStatusCode: code, disconnectReason: reason.toString(), ...(c.authorizer ? { authorizer: c.authorizer } : {}) },
        isBase64Encoded: false,
      });
    });
  }

  private selectRoute(body: string): string {
    let value: unknown;
    try {
      value = JSON.parse(body);
      for (const key of this.model.selectionPath) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    } catch {
      value = undefined;
    }
    const key = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
    return key !== undefined && this.model.routes.has(key) && !key.startsWith('$') ? key : '$default';
  }

  private async onMessage(c: Connection, data: Buffer, isBinary: boolean): Promise<void> {
    const text = data.toString('utf8');
    const routeKey = isBinary ? '$default' : this.selectRoute(text);
    const route = this.model.routes.get(routeKey);
    const context = this.context(c, routeKey, 'MESSAGE');
    const errorFrame = (message: string) => c.ws.send(JSON.stringify({ message, connectionId: c.id, requestId: context.requestId }));
    if (!route) return errorFrame('Forbidden');
    if (this.throttled(c.stage, routeKey)) return errorFrame('Too Many Requests');
    const out = await this.ctx.invoke(route.functionArn, this.methodArn(c.stage.name, routeKey), {
      requestContext: { ...context, messageId: randomBytes(6).toString('base64'), ...(c.authorizer ? { authorizer: c.authorizer } : {}) },
      body: isBinary ? data.toString('base64') : text,
      isBase64Encoded: isBinary,
    });
    if ('denied' in out || 'error' in out) {
      this.ctx.log(`${this.model.apiId} ${routeKey}: ${'denied' in out ? out.denied : `${out.error.errorType} ${out.error.errorMessage}`}`);
      errorFrame('Internal server error');
    }
  }

  private onConnectionsApi(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void this.connectionsApi(req, res, Buffer.concat(chunks)));
  }

  private async connectionsApi(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const answer = (status: number, type?: string, payload: unknown = type ? { message: type } : undefined) => {
      res.writeHead(status, { 'content-type': 'application/json', ...(type ? { 'x-amzn-errortype': type } : {}) }).end(payload === undefined ? undefined : JSON.stringify(payload));
      return status;
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/([^/]+)\/@connections\/([^/]+)$/.exec(url.pathname);
    const stage = m && this.model.stages.find((s) => s.name === m[1]);
    if (!m || !stage || !['POST', 'GET', 'DELETE'].includes(req.method ?? '')) return void answer(404, 'NotFoundException');
    const connectionId = decodeURIComponent(m[2]);
    const record = (status: number) => this.posts.push({ connectionId, method: req.method!, status });
    const signature = await checkSignature(req, body, { service: 'execute-api', region: this.ctx.region }, this.ctx.credentials);
    if ('refused' in signature) {
      this.ctx.log(`@connections ${req.method} refused: ${signature.refused}`);
      return void record(answer(403, 'ForbiddenException', { message: signature.refused }));
    }
    const resource = `arn:aws:execute-api:${this.ctx.region}:${this.ctx.account}:${this.model.apiId}/${stage.name}/${req.method}/@connections/${connectionId}`;
    if (!this.ctx.allows(signature.credential, 'execute-api:ManageConnections', resource)) {
      this.ctx.log(`@connections: ${signature.credential.owner} may not execute-api:ManageConnections on ${resource}`);
      return void record(answer(403, 'ForbiddenException'));
    }
    if (this.postLatencyMs > 0) await new Promise((r) => setTimeout(r, this.postLatencyMs));
    const fault = this.faults.get(connectionId)?.shift();
    if (fault !== undefined) {
      const type = ({ 410: 'GoneException', 429: 'LimitExceededException', 403: 'ForbiddenException' } as Record<number, string>)[fault] ?? 'InternalServerErrorException';
      return void record(answer(fault, type));
    }
    const c = this.connections.get(connectionId);
    const inbox = this.headless.get(connectionId);
    if (!c && !inbox) return void record(answer(410, 'GoneException'));
    if (req.method === 'GET') {
      const info = {
        ConnectedAt: new Date(c?.connectedAt ?? Date.now()).toISOString(),
        Identity: { SourceIp: c?.sourceIp ?? '127.0.0.1', UserAgent: c?.userAgent ?? '' },
        LastActiveAt: new Date(c?.lastActiveAt ?? Date.now()).toISOString(),
      };
      return void record(answer(200, undefined, info));
    }
    if (req.method === 'DELETE') {
      if (c) c.ws.close(1000);
      else this.headless.delete(connectionId);
      return void record(answer(204));
    }
    if (body.byteLength > MAX_MESSAGE) return void record(answer(413, 'PayloadTooLargeException'));
    if (c) c.ws.send(body.toString('utf8'));
    else inbox!.push(body.toString('utf8'));
    record(answer(200));
  }
}
