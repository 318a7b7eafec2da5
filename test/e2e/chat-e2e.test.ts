/**
 * End to end: real `ws` clients on 127.0.0.1 talk to a local stand-in of API Gateway's WebSocket front, which runs
 * the BUILT JWT authorizer bundle (in a child process trusting a local HTTPS JWKS) on $connect and the BUILT chat
 * handler bundle for every route, against dynalite (through a proxy that can throttle) and the front's own
 * `@connections` stub (with injectable faults).
 */
import { ChildProcess, fork } from 'node:child_process';
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { WebSocket } from 'ws';
import { ChatFront } from './support/chat-front';
import { AUDIENCE, ISSUER, claims, rsaKey, sign } from '../handlers/support/jwt';
import { LocalDynamo, createConnectionTable, startDynalite } from '../support/dynalite';
import { LoopbackCertificate, loopbackCertificate } from '../support/tls';

const ROOT = path.join(__dirname, '..', '..');
const CHAT_BUNDLE = path.join(ROOT, 'assets', 'websocket-chat-api', 'chat.lambda', 'index.js');
const AUTHORIZER_BUNDLE = path.join(ROOT, 'assets', 'authorizers', 'jwt-authorizer.lambda', 'index.js');
const TABLE = 'chat-e2e';

const key = rsaKey();
let db: LocalDynamo;
let tls: LoopbackCertificate;
let jwks: https.Server;
let proxy: http.Server;
let throttleNext = 0;
let throttled = 0;
let authorizerChild: ChildProcess;
let front: ChatFront;
const pending = new Map<number, (r: any) => void>();
let nextId = 0;

async function waitFor(predicate: () => boolean, timeoutMs: number = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Client {
  readonly ws: WebSocket;
  readonly connectionId: string;
  readonly inbox: any[];
}

function connect(token: string | undefined): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(token === undefined ? front.url : `${front.url}?token=${encodeURIComponent(token)}`);
    const inbox: any[] = [];
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.type === 'connected') resolve({ ws, connectionId: msg.connectionId, inbox });
      else inbox.push(msg);
    });
  });
}

const send = (c: Client, body: unknown) => c.ws.send(typeof body === 'string' ? body : JSON.stringify(body));
const messagesOf = (c: Client) => c.inbox.filter((m) => m.type === 'message');

beforeAll(async () => {
  db = await startDynalite();
  await createConnectionTable(db.client, TABLE);
  // A proxy in front of dynalite that can answer ProvisionedThroughputExceededException.
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (throttleNext > 0) {
        throttleNext--;
        throttled++;
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(
          JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' }),
        );
        return;
      }
      const upstream = http.request(db.endpoint, { method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 500, up.headers);
        up.pipe(res);
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));

  tls = loopbackCertificate();
  jwks = https.createServer({ key: tls.key, cert: tls.cert }, (_q, res) => res.writeHead(200).end(JSON.stringify({ keys: [key.jwk] })));
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  authorizerChild = fork(path.join(__dirname, 'support', 'authorizer-worker.js'), {
    env: {
      PATH: process.env.PATH ?? '',
      AUTHORIZER_BUNDLE,
      NODE_EXTRA_CA_CERTS: tls.certFile,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_JWKS_URI: `https://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
      JWT_TOKEN_QUERY: 'token',
    },
  });
  await new Promise<void>((resolve) => {
    authorizerChild.on('message', (m: any) => {
      if (m.ready) resolve();
      else pending.get(m.id)?.(m);
    });
  });

  let chat: any;
  front = new ChatFront(
    (event, context) => chat.handler(event, context),
    (event) => new Promise((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      authorizerChild.send({ id, event });
    }),
  );
  await front.start();
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    ROOM_INDEX: 'room-index',
    CALLBACK_URL: front.callbackUrl,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  chat = require(CHAT_BUNDLE);
}, 60_000);

afterAll(async () => {
  await front?.close();
  authorizerChild?.kill();
  for (const s of [jwks, proxy]) {
    s?.closeAllConnections();
    await new Promise<void>((r) => (s ? s.close(() => r()) : r()));
  }
  tls?.dispose();
  await db?.close();
});

describe('chat end to end', () => {
  const clients: Record<'red' | 'blue', Client[]> = { red: [], blue: [] };

  test('50 clients with valid tokens connect and join two rooms; invalid tokens are refused at the handshake', async () => {
    const valid = (i: number) => sign(claims({ sub: `user-${i}` }), key);
    const joined = await Promise.all(Array.from({ length: 50 }, (_, i) => connect(valid(i))));
    joined.forEach((c, i) => clients[i % 2 ? 'blue' : 'red'].push(c));
    for (const [room, list] of Object.entries(clients)) for (const c of list) send(c, { action: 'joinroom', room });
    await waitFor(() => joined.every((c) => c.inbox.some((m) => m.type === 'joined')));
    const bad = [
      undefined,
      'not-a-jwt',
      sign(claims({ exp: Math.floor(Date.now() / 1000) - 5 }), key),
      sign(claims({ aud: 'someone-else' }), key),
      sign(claims(), rsaKey('other')),
    ];
    for (const token of bad) await expect(connect(token)).rejects.toThrow('HTTP 401');
  });

  test('every client receives exactly the messages of its room, with the sender identity', async () => {
    for (const list of Object.values(clients)) for (const c of list.slice(0, 3)) send(c, { action: 'sendmessage', data: `hi from ${c.connectionId}` });
    await waitFor(() => [...clients.red, ...clients.blue].every((c) => messagesOf(c).length === 3));
    await new Promise((r) => setTimeout(r, 200)); // nothing more arrives
    for (const [room, list] of Object.entries(clients)) {
      const expected = list.slice(0, 3).map((c) => `hi from ${c.connectionId}`).sort();
      for (const c of list) {
        expect(messagesOf(c).map((m) => m.data).sort()).toEqual(expected);
        expect(messagesOf(c).every((m) => m.room === room && /^user-\d+$/.test(m.from))).toBe(true);
      }
    }
  });

  test('a client killed without $disconnect is removed on the next broadcast', async () => {
    const victim = clients.red.pop()!;
    front.kill(victim.connectionId);
    const sender = clients.red[0];
    send(sender, { action: 'sendmessage', data: 'after kill' });
    await waitFor(() => clients.red.every((c) => messagesOf(c).some((m) => m.data === 'after kill')));
    await waitFor(() => front.posts.some((p) => p.connectionId === victim.connectionId && p.status === 410));
    // The stale item is deleted right after the 410: poll until it is gone (bounded).
    let item: unknown = {};
    for (let i = 0; i < 100 && item; i++) {
      item = (await db.doc.send(new GetCommand({ TableName: TABLE, Key: { connectionId: victim.connectionId } }))).Item;
      if (item) await new Promise((r) => setTimeout(r, 20));
    }
    expect(item).toBeUndefined();
  });

  test('429 and 5xx from @connections are retried; 403 fails the invocation loudly', async () => {
    const [a, b, c] = clients.blue;
    front.faults.set(a.connectionId, [429, 429]);
    front.faults.set(b.connectionId, [500]);
    send(clients.blue[3], { action: 'sendmessage', data: 'retry me' });
    await waitFor(() => [a, b].every((x) => messagesOf(x).some((m) => m.data === 'retry me')));
    expect(front.posts.filter((p) => p.connectionId === a.connectionId && p.status === 429)).toHaveLength(2);
    front.faults.set(c.connectionId, [403]);
    const errorsBefore = front.handlerErrors.length;
    send(clients.blue[3], { action: 'sendmessage', data: 'forbidden' });
    await waitFor(() => front.handlerErrors.length > errorsBefore);
    expect(front.handlerErrors.at(-1)).toBe('BroadcastForbidden');
  });

  test('DynamoDB throttling is absorbed by the SDK retries', async () => {
    throttleNext = 2;
    const sender = clients.red[1];
    send(sender, { action: 'sendmessage', data: 'throttled' });
    await waitFor(() => clients.red.every((c) => messagesOf(c).some((m) => m.data === 'throttled')));
    expect(throttled).toBeGreaterThanOrEqual(2);
  });

  test('malformed and oversized messages get an error reply and nothing else happens', async () => {
    const sender = clients.red[2];
    const before = clients.red.map((c) => messagesOf(c).length);
    send(sender, '{"action":"sendmessage","data":');
    send(sender, { action: 'sendmessage', data: 'x'.repeat(130 * 1024) });
    send(sender, '{"action":"sendmessage","data":"x","__proto__":{"admin":true}}');
    send(sender, '{"action":"sendmessage","data":"x","constructor":{}}');
    await waitFor(() => sender.inbox.filter((m) => m.type === 'error').length >= 4);
    expect(sender.inbox.filter((m) => m.type === 'error').map((m) => m.code).sort()).toEqual(['ForbiddenKey', 'ForbiddenKey', 'InvalidJson', 'MessageTooLarge']);
    await new Promise((r) => setTimeout(r, 200));
    expect(clients.red.map((c) => messagesOf(c).length)).toEqual(before);
  });

  test('unknown actions get the usage help; disconnect removes the connection', async () => {
    const c = clients.blue[4];
    send(c, { action: 'dance' });
    await waitFor(() => c.inbox.some((m) => m.type === 'help'));
    c.ws.close();
    let item: any = {};
    for (let i = 0; i < 100 && item; i++) {
      item = (await db.doc.send(new GetCommand({ TableName: TABLE, Key: { connectionId: c.connectionId } }))).Item;
      if (item) await new Promise((r) => setTimeout(r, 20));
    }
    expect(item).toBeUndefined();
  });
});
