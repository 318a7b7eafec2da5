/**
 * The chat routes' logic (src/runtime/chat/handlers.ts, connection.ts) against dynalite, with an in-memory
 * @connections poster; and the handlers built from the environment posting to the configured callback URL.
 */
import { onConnect, onDisconnect } from '../../src/runtime/chat/connection';
import { CHAT_DEFAULTS, renderChatEnvironment } from '../../src/runtime/chat/contract';
import { chatDependencies } from '../../src/runtime/chat/environment';
import { parseJob, runJob } from '../../src/runtime/chat/fan-out';
import { ChatDependencies, ChatEvent, USAGE, onDefault, onJoinRoom, onLeaveRoom, onSendMessage } from '../../src/runtime/chat/handlers';
import { MAX_POST_BYTES } from '../../src/runtime/chat/messages';
import { ConnectionStore } from '../../src/runtime/chat/store';
import { ConnectionsStub } from '../e2e/support/connections-stub';
import { LocalDynamo, createConnectionTable, startDynalite } from '../support/dynalite';

let db: LocalDynamo;
let n = 0;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.close();
});

interface Harness {
  deps: ChatDependencies;
  inbox: Record<string, any[]>;
  gone: Set<string>;
  jobs: string[];
  logs: Array<Record<string, unknown>>;
  table: string;
}

const LIMITS = { messagesPerWindow: 100, windowSeconds: 10, connectionsPerUser: 10, roomSize: 10_000 };

async function harness(overrides: Partial<ChatDependencies> = {}, pageSize?: number): Promise<Harness> {
  const table = `chat-${++n}`;
  await createConnectionTable(db.client, table);
  const inbox: Record<string, any[]> = {};
  const gone = new Set<string>();
  const jobs: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const deps: ChatDependencies = {
    store: new ConnectionStore(db.doc, { tableName: table, pageSize }),
    post: async (id, data) => {
      if (gone.has(id)) throw Object.assign(new Error('gone'), { name: 'GoneException', $metadata: { httpStatusCode: 410 } });
      (inbox[id] ??= []).push(JSON.parse(Buffer.from(data).toString()));
    },
    enqueue: async (body) => {
      jobs.push(body);
    },
    remainingMs: () => 25_000,
    log: (message, fields) => logs.push({ message, ...fields }),
    identity: 'jwt',
    roomAccess: { mode: 'open' },
    limits: LIMITS,
    ...overrides,
  };
  return { deps, inbox, gone, jobs, logs, table };
}

function ev(connectionId: string, body?: unknown, authorizer?: Record<string, unknown>): ChatEvent {
  return {
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    requestContext: { connectionId, authorizer },
  };
}

const connect = (h: Harness, id: string, authorizer: Record<string, unknown> = { principalId: `user-${id}` }) =>
  onConnect({ ...h.deps, limits: h.deps.limits }, { requestContext: { connectionId: id, authorizer } });

async function joinAll(h: Harness, room: string, ids: string[]): Promise<void> {
  for (const id of ids) {
    expect((await connect(h, id)).statusCode).toBe(200);
    expect((await onJoinRoom(h.deps, ev(id, { action: 'joinroom', room }))).statusCode).toBe(200);
  }
}

const messages = (h: Harness, id: string) => (h.inbox[id] ?? []).filter((m) => m.type === 'message');
const errors = (h: Harness, id: string) => (h.inbox[id] ?? []).filter((m) => m.type === 'error').map((m) => m.code);

test('GIVEN two rooms WHEN a member sends THEN exactly that room receives it, from the identity stored at $connect', async () => {
  const h = await harness();
  await joinAll(h, 'red', ['r1', 'r2', 'r3']);
  await joinAll(h, 'blue', ['b1', 'b2']);
  // The message event claims another principal: the stored identity wins (issue 10 item 14).
  const res = await onSendMessage(h.deps, ev('r1', { action: 'sendmessage', data: 'hello red' }, { principalId: 'someone-else' }));
  expect(JSON.parse(res.body!)).toMatchObject({ delivered: 3, gone: 0, failed: 0, deferred: 0, jobs: 0 });
  for (const id of ['r1', 'r2', 'r3']) expect(messages(h, id)).toEqual([{ type: 'message', room: 'red', from: 'user-r1', data: 'hello red' }]);
  for (const id of ['b1', 'b2']) expect(messages(h, id)).toEqual([]);
  expect(JSON.stringify(h.logs)).not.toContain('hello red');
});

test('a connection gone without $disconnect is removed on the next broadcast, never the sender', async () => {
  const h = await harness();
  await joinAll(h, 'red', ['s', 'alive', 'dead']);
  h.gone.add('dead');
  const res = await onSendMessage(h.deps, ev('s', { action: 'sendmessage', data: 'x' }));
  expect(JSON.parse(res.body!)).toMatchObject({ delivered: 2, gone: 1 });
  expect(await h.deps.store.roomOf('dead')).toBeUndefined();
  expect(await h.deps.store.roomOf('s')).toBe('red');
});

test('malformed or oversized messages get an error reply and nothing else happens', async () => {
  const h = await harness();
  await joinAll(h, 'red', ['s', 'other']);
  for (const body of ['nope', '{"action":"sendmessage"}', JSON.stringify({ action: 'sendmessage', data: 'x'.repeat(140_000) })]) {
    expect((await onSendMessage(h.deps, ev('s', body))).statusCode).toBe(400);
  }
  expect(errors(h, 's')).toEqual(['InvalidJson', 'MissingData', 'MessageTooLarge']);
  expect(messages(h, 'other')).toEqual([]);
});

test('the outbound size is checked: at 131,072 posted bytes everyone receives it, one byte more and the sender gets MessageTooLarge (issue 10 item 10)', async () => {
  const h = await harness();
  await joinAll(h, 'red', ['s', 'other']);
  const overhead = Buffer.byteLength(JSON.stringify({ type: 'message', room: 'red', from: 'user-s', data: '' }));
  const fits = 'x'.repeat(MAX_POST_BYTES - overhead);
  expect((await onSendMessage(h.deps, ev('s', { action: 'sendmessage', data: fits }))).statusCode).toBe(200);
  expect(messages(h, 'other').map((m) => m.data.length)).toEqual([fits.length]);
  const res = await onSendMessage(h.deps, ev('s', { action: 'sendmessage', data: `${fits}y` }));
  expect(res).toEqual({ statusCode: 400, body: 'MessageTooLarge' });
  expect(errors(h, 's')).toEqual(['MessageTooLarge']);
  expect(messages(h, 'other')).toHaveLength(1);
});

test('sending before joining a room is refused; leave, default help and disconnect work', async () => {
  const h = await harness();
  await connect(h, 'x');
  expect((await onSendMessage(h.deps, ev('x', { action: 'sendmessage', data: 'hi' }))).statusCode).toBe(400);
  expect(h.inbox.x.at(-1)).toMatchObject({ type: 'error', code: 'NotInRoom' });
  await onJoinRoom(h.deps, ev('x', { action: 'joinroom', room: 'green' }));
  await onLeaveRoom(h.deps, ev('x', { action: 'leaveroom' }));
  expect(await h.deps.store.roomOf('x')).toBeUndefined();
  await onDefault(h.deps, ev('x', { action: 'dance' }));
  expect(h.inbox.x.at(-1)).toEqual(JSON.parse(USAGE));
  expect(await onDefault(h.deps, ev('x', 'whatever'))).toEqual({ statusCode: 400, body: 'InvalidJson' });
  await onDisconnect(h.deps, { requestContext: { connectionId: 'x' } });
  await onDisconnect(h.deps, { requestContext: { connectionId: 'x' } });
  expect(await onJoinRoom(h.deps, ev('x', { action: 'joinroom', room: 'green' }))).toEqual({ statusCode: 400, body: 'UnknownConnection' });
  expect(await onSendMessage(h.deps, ev('x', { action: 'sendmessage', data: 'hi' }))).toEqual({ statusCode: 400, body: 'UnknownConnection' });
});

test('a caller gone before its reply (410) is not an error; other post errors are', async () => {
  const h = await harness();
  await connect(h, 'g');
  h.gone.add('g');
  expect((await onJoinRoom(h.deps, ev('g', { action: 'joinroom', room: 'r' }))).statusCode).toBe(200);
  expect(await h.deps.store.roomOf('g')).toBe('r');
  const failing = { ...h.deps, post: async () => Promise.reject(Object.assign(new Error('boom'), { name: 'InternalServerErrorException' })) };
  await expect(onDefault(failing, ev('g', { action: 'dance' }))).rejects.toThrow('boom');
});

describe('identity shown to peers (issue 10 item 14)', () => {
  test('anonymous connections appear under a random alias, never their connection id', async () => {
    const h = await harness({ identity: 'none' });
    await joinAll(h, 'lobby', ['a']);
    await onConnect({ ...h.deps, identity: 'none' }, { requestContext: { connectionId: 'L0SM9cOFvHcCIhw=' } });
    await onJoinRoom(h.deps, ev('L0SM9cOFvHcCIhw=', { action: 'joinroom', room: 'lobby' }));
    await onSendMessage(h.deps, ev('L0SM9cOFvHcCIhw=', { action: 'sendmessage', data: 'hi' }));
    const from = messages(h, 'a').at(-1).from;
    expect(from).toMatch(/^anon-[a-z2-7]{16}$/);
    expect(from).not.toContain('L0SM9cOFvHcCIhw');
  });

  test('iam: the SigV4 caller ARN; a $connect without one is refused', async () => {
    const h = await harness({ identity: 'iam' });
    const arn = 'arn:aws:sts::123456789012:assumed-role/Support/alice';
    expect((await onConnect(h.deps, { requestContext: { connectionId: 'i1', identity: { userArn: arn } } })).statusCode).toBe(200);
    expect(await onConnect(h.deps, { requestContext: { connectionId: 'i2' } })).toEqual({ statusCode: 403, body: 'NoIdentity' });
    await onJoinRoom(h.deps, ev('i1', { action: 'joinroom', room: 'help' }));
    await onSendMessage(h.deps, ev('i1', { action: 'sendmessage', data: 'hi' }));
    expect(messages(h, 'i1')[0].from).toBe(arn);
  });
});

describe('rate limit and caps (issue 10 item 9)', () => {
  test('a connection past messagesPerWindow is refused with RateLimited; its room received exactly the allowed messages', async () => {
    // A fixed clock: the five messages fall in one window whatever the time of the run.
    const h = await harness({ limits: { ...LIMITS, messagesPerWindow: 3, windowSeconds: 60 }, now: () => 1_800_000_010_000 });
    await joinAll(h, 'red', ['s', 'm']);
    const results = [];
    for (let i = 0; i < 5; i++) results.push((await onSendMessage(h.deps, ev('s', { action: 'sendmessage', data: `m${i}` }))).statusCode);
    expect(results).toEqual([200, 200, 200, 400, 400]);
    expect(errors(h, 's')).toEqual(['RateLimited', 'RateLimited']);
    expect(messages(h, 'm').map((x) => x.data)).toEqual(['m0', 'm1', 'm2']);
  });

  test('a user past connectionsPerUser is refused at $connect (429); other users are not affected', async () => {
    const h = await harness({ limits: { ...LIMITS, connectionsPerUser: 2 } });
    const as = (id: string, user: string) => connect(h, id, { principalId: user });
    expect((await as('a1', 'alice')).statusCode).toBe(200);
    expect((await as('a2', 'alice')).statusCode).toBe(200);
    expect(await as('a3', 'alice')).toEqual({ statusCode: 429, body: 'TooManyConnections' });
    expect((await as('b1', 'bob')).statusCode).toBe(200);
    await onDisconnect(h.deps, { requestContext: { connectionId: 'a1' } });
    expect((await as('a4', 'alice')).statusCode).toBe(200);
  });

  test('a room past roomSize refuses joins with RoomFull; a member re-joining its own room is not refused', async () => {
    const h = await harness({ limits: { ...LIMITS, roomSize: 2 } });
    await joinAll(h, 'small', ['a', 'b']);
    await connect(h, 'c');
    expect(await onJoinRoom(h.deps, ev('c', { action: 'joinroom', room: 'small' }))).toEqual({ statusCode: 400, body: 'RoomFull' });
    expect((await onJoinRoom(h.deps, ev('a', { action: 'joinroom', room: 'small' }))).statusCode).toBe(200);
    expect((await onJoinRoom(h.deps, ev('c', { action: 'joinroom', room: 'other' }))).statusCode).toBe(200);
  });
});

describe('room access (issue 10 item 8)', () => {
  test('open rooms by default: any connection joins any room', async () => {
    const h = await harness();
    await connect(h, 'x');
    expect((await onJoinRoom(h.deps, ev('x', { action: 'joinroom', room: 'anything' }))).statusCode).toBe(200);
  });

  test('claim-based access: rooms listed in the authorizer context at $connect, * for all; others are RoomForbidden', async () => {
    const roomAccess = { mode: 'claim', claim: 'scope', prefix: 'chat.room:' } as const;
    const h = await harness({ roomAccess });
    const deps = { ...h.deps, roomAccess };
    await onConnect(deps, { requestContext: { connectionId: 'staff', authorizer: { principalId: 'u1', scope: 'openid chat.room:staff chat.room:general' } } });
    await onConnect(deps, { requestContext: { connectionId: 'admin', authorizer: { principalId: 'u2', scope: 'chat.room:*' } } });
    await onConnect(deps, { requestContext: { connectionId: 'guest', authorizer: { principalId: 'u3', scope: 'openid' } } });
    const join = (id: string, room: string) => onJoinRoom(deps, ev(id, { action: 'joinroom', room }));
    expect((await join('staff', 'staff')).statusCode).toBe(200);
    expect(await join('staff', 'board')).toEqual({ statusCode: 400, body: 'RoomForbidden' });
    expect(await h.deps.store.roomOf('staff')).toBe('staff');
    expect((await join('admin', 'board')).statusCode).toBe(200);
    expect(await join('guest', 'general')).toEqual({ statusCode: 400, body: 'RoomForbidden' });
    // The message event's context cannot widen access: only what was stored at $connect counts.
    expect(await onJoinRoom(deps, ev('guest', { action: 'joinroom', room: 'general' }, { scope: 'chat.room:*' }))).toEqual({ statusCode: 400, body: 'RoomForbidden' });
  });
});

test('rooms too large for the deadline: the rest of the page as ids and ONE continuation; the worker finishes (issue 10 item 12)', async () => {
  const h = await harness({ remainingMs: () => 3000, concurrency: 1 }, 10);
  const ids = Array.from({ length: 35 }, (_, i) => `m${i}`);
  await joinAll(h, 'big', ids);
  const res = await onSendMessage(h.deps, ev('m0', { action: 'sendmessage', data: 'fan' }));
  expect(JSON.parse(res.body!)).toMatchObject({ delivered: 0, deferred: 10, continued: true, jobs: 2 });
  const jobs = h.jobs.map(parseJob);
  expect(jobs[0].ids).toHaveLength(10);
  expect(jobs[1].after).toMatchObject({ roomId: 'big' });
  const worker = { store: h.deps.store, post: h.deps.post, enqueue: async (b: string) => void h.jobs.push(b), deadline: Date.now() + 10_000 };
  for (const body of [...h.jobs]) await runJob(worker, body);
  for (const id of ids) expect(messages(h, id)).toHaveLength(1);
});

test('handlers built from the environment post to CALLBACK_URL, never to the event\'s (custom) domain (issue 9 item 11)', async () => {
  const stub = new ConnectionsStub();
  await stub.start();
  const table = `chat-${++n}`;
  await createConnectionTable(db.client, table);
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: 'local', AWS_ENDPOINT_URL_DYNAMODB: db.endpoint });
  try {
    const env = renderChatEnvironment({
      tableName: table,
      roomIndex: CHAT_DEFAULTS.roomIndex,
      userIndex: CHAT_DEFAULTS.userIndex,
      callbackUrl: stub.callbackUrl,
      concurrency: 10,
      identity: 'jwt',
      roomAccess: { mode: 'open' },
      limits: LIMITS,
    });
    const deps = chatDependencies(env, () => undefined, () => 20_000);
    await deps.store.connect('c1', { userId: 'u', from: 'u' });
    const custom = { ...ev('c1', { action: 'joinroom', room: 'general' }), requestContext: { connectionId: 'c1', domainName: 'chat.example.com', stage: 'prod' } } as ChatEvent;
    expect((await onJoinRoom(deps, custom)).statusCode).toBe(200);
    expect(stub.received.get('c1')?.map((b) => JSON.parse(b))).toEqual([{ type: 'joined', room: 'general' }]);
  } finally {
    process.env = saved;
    await stub.close();
  }
});
