/**
 * End to end: real `ws` clients on 127.0.0.1 talk to a local stand-in of API Gateway's WebSocket front, which checks
 * the authorizer's identity sources (401 without invoking it when one is missing), runs the BUILT JWT authorizer
 * bundle (in a child process trusting a local HTTPS JWKS) on $connect, the BUILT connection bundle for $connect and
 * $disconnect and the BUILT chat bundle for every other route, against dynalite (through a proxy that can
 * throttle) and the front's own `@connections` stub (with injectable faults). The functions' environment is
 * rendered by the construct's own contract.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { WebSocket } from 'ws';
import { ChatFront } from './support/chat-front';
import { LocalAuthorizer, chatEnvironment, chatHandler, startAuthorizer } from './support/chat-harness';
import { claims, rsaKey, sign } from '../handlers/support/jwt';
import { LocalDynamo, createConnectionTable, startDynalite } from '../support/dynalite';

const TABLE = 'chat-e2e';

const key = rsaKey();
let db: LocalDynamo;
let proxy: http.Server;
let throttleNext = 0;
let throttled = 0;
let authorizer: LocalAuthorizer;
let front: ChatFront;

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
  authorizer = await startAuthorizer(key, { query: 'token' });
  let handler: ReturnType<typeof chatHandler> | undefined;
  front = new ChatFront((event, context) => handler!(event, context), authorizer.invoke, ['route.request.querystring.token']);
  await front.start();
  // An hour-long rate window: the flood test cannot straddle two windows.
  Object.assign(process.env, chatEnvironment({
    table: TABLE,
    callbackUrl: front.callbackUrl,
    dynamoEndpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    limits: { windowSeconds: 3600 },
  }));
  handler = chatHandler();
}, 60_000);

afterAll(async () => {
  await front?.close();
  await authorizer?.close();
  proxy?.closeAllConnections();
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
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
    // No token at all: refused by the front (identity source missing), the authorizer is not invoked.
    const skipped = front.missingIdentity;
    await expect(connect(undefined)).rejects.toThrow('HTTP 401');
    expect(front.missingIdentity).toBe(skipped + 1);
    const bad = [
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

  test('a flooding connection is rate limited: 20 messages per window reach its room, the rest are refused (issue 10 item 9)', async () => {
    const [flooder, ...room] = clients.blue.slice(5, 9);
    const before = room.map((c) => messagesOf(c).length);
    for (let i = 0; i < 30; i++) send(flooder, { action: 'sendmessage', data: `flood ${i}` });
    await waitFor(() => flooder.inbox.filter((m) => m.type === 'error' && m.code === 'RateLimited').length === 10, 20_000);
    await waitFor(() => room.every((c, i) => messagesOf(c).length === before[i] + 20), 20_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(room.map((c, i) => messagesOf(c).length - before[i])).toEqual([20, 20, 20]);
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
