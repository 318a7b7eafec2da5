/**
 * End to end with the token in a header (ChatTokenSource.header()): the front requires the authorizer's one
 * identity source, `route.request.header.Authorization`, exactly as the construct renders it; the BUILT JWT
 * authorizer reads the header only. Also the per-user connection cap at $connect, through the BUILT connection
 * bundle. Real `ws` clients, dynalite, the front's @connections stub.
 */
import { WebSocket } from 'ws';
import { ChatFront } from './support/chat-front';
import { LocalAuthorizer, chatEnvironment, chatHandler, startAuthorizer } from './support/chat-harness';
import { ConnectionStore } from '../../src/runtime/chat/store';
import { claims, rsaKey, sign } from '../handlers/support/jwt';
import { LocalDynamo, createConnectionTable, startDynalite } from '../support/dynalite';

const TABLE = 'chat-header-e2e';
const key = rsaKey();
let db: LocalDynamo;
let authorizer: LocalAuthorizer;
let front: ChatFront;
let invocations = 0;

interface Client {
  readonly ws: WebSocket;
  readonly inbox: any[];
}

function connect(options: { header?: string; query?: string }): Promise<Client> {
  return new Promise((resolve, reject) => {
    const url = options.query ? `${front.url}?token=${encodeURIComponent(options.query)}` : front.url;
    const ws = new WebSocket(url, { headers: options.header ? { Authorization: options.header } : {} });
    const inbox: any[] = [];
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.type === 'connected') resolve({ ws, inbox });
      else inbox.push(msg);
    });
  });
}

async function waitFor(predicate: () => boolean, timeoutMs: number = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  db = await startDynalite();
  await createConnectionTable(db.client, TABLE);
  authorizer = await startAuthorizer(key, { header: 'Authorization' });
  let handler: ReturnType<typeof chatHandler> | undefined;
  const counted: typeof authorizer.invoke = (event) => {
    invocations++;
    return authorizer.invoke(event);
  };
  front = new ChatFront((event, context) => handler!(event, context), counted, ['route.request.header.Authorization']);
  await front.start();
  const limits = { connectionsPerUser: 3 };
  const environment = chatEnvironment({ table: TABLE, callbackUrl: front.callbackUrl, dynamoEndpoint: db.endpoint, limits });
  Object.assign(process.env, environment);
  handler = chatHandler();
}, 60_000);

afterAll(async () => {
  await front?.close();
  await authorizer?.close();
  await db?.close();
});

test('a client sending `Authorization: Bearer <jwt>` connects, joins and chats (issue 9 item 10)', async () => {
  const alice = await connect({ header: `Bearer ${sign(claims({ sub: 'alice' }), key)}` });
  const bob = await connect({ header: `Bearer ${sign(claims({ sub: 'bob' }), key)}` });
  for (const c of [alice, bob]) c.ws.send(JSON.stringify({ action: 'joinroom', room: 'general' }));
  await waitFor(() => [alice, bob].every((c) => c.inbox.some((m) => m.type === 'joined')));
  alice.ws.send(JSON.stringify({ action: 'sendmessage', data: 'over a header' }));
  await waitFor(() => bob.inbox.some((m) => m.type === 'message'));
  expect(bob.inbox.find((m) => m.type === 'message')).toEqual({ type: 'message', room: 'general', from: 'alice', data: 'over a header' });
  for (const c of [alice, bob]) c.ws.close();
});

test('a token in the query string is refused with 401 before the authorizer is invoked (its identity source is the header)', async () => {
  const before = { invocations, skipped: front.missingIdentity };
  await expect(connect({ query: sign(claims({ sub: 'carol' }), key) })).rejects.toThrow('HTTP 401');
  expect(invocations).toBe(before.invocations);
  expect(front.missingIdentity).toBe(before.skipped + 1);
  await expect(connect({ header: 'Bearer not-a-jwt' })).rejects.toThrow('HTTP 401');
  expect(invocations).toBe(before.invocations + 1);
});

test('a user past connectionsPerUser is refused at $connect; others still connect (issue 10 item 9)', async () => {
  const token = () => `Bearer ${sign(claims({ sub: 'dave' }), key)}`;
  const open: Client[] = [];
  for (let i = 0; i < 3; i++) open.push(await connect({ header: token() }));
  await expect(connect({ header: token() })).rejects.toThrow('HTTP 429');
  const erin = await connect({ header: `Bearer ${sign(claims({ sub: 'erin' }), key)}` });
  open[0].ws.close();
  // $disconnect removes the item: once the user index counts 2, dave may connect again.
  const store = new ConnectionStore(db.doc, { tableName: TABLE });
  for (let i = 0; i < 100 && (await store.countUserConnections('dave', 10)) > 2; i++) await new Promise((r) => setTimeout(r, 20));
  const again = await connect({ header: token() });
  for (const c of [...open, erin, again]) c.ws.close();
});
