import { ChatDependencies, ChatEvent, FanOutJob, USAGE, onConnect, onDefault, onDisconnect, onFanOut, onJoinRoom, onLeaveRoom, onSendMessage } from '../../src/runtime/chat/handlers';
import { ConnectionStore } from '../../src/runtime/chat/store';
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
  jobs: FanOutJob[];
  logs: Array<Record<string, unknown>>;
}

async function harness(overrides: Partial<ChatDependencies> = {}): Promise<Harness> {
  const table = `chat-${++n}`;
  await createConnectionTable(db.client, table);
  const inbox: Record<string, any[]> = {};
  const gone = new Set<string>();
  const jobs: FanOutJob[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const deps: ChatDependencies = {
    store: new ConnectionStore(db.doc, { tableName: table }),
    poster: () => async (id, data) => {
      if (gone.has(id)) throw Object.assign(new Error('gone'), { name: 'GoneException', $metadata: { httpStatusCode: 410 } });
      (inbox[id] ??= []).push(JSON.parse(Buffer.from(data).toString()));
    },
    fanOut: async (job) => {
      jobs.push(job);
    },
    remainingMs: () => 25_000,
    log: (message, fields) => logs.push({ message, ...fields }),
    ...overrides,
  };
  return { deps, inbox, gone, jobs, logs };
}

function ev(connectionId: string, body?: unknown, authorizer?: Record<string, unknown>): ChatEvent {
  return {
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    requestContext: { connectionId, domainName: 'abc.execute-api.eu-west-1.amazonaws.com', stage: 'prod', authorizer },
  };
}

async function joinAll(h: Harness, room: string, ids: string[]): Promise<void> {
  for (const id of ids) {
    await onConnect(h.deps, ev(id, undefined, { principalId: `user-${id}` }));
    await onJoinRoom(h.deps, ev(id, { action: 'joinroom', room }));
  }
}

test('GIVEN two rooms WHEN a member sends THEN exactly that room receives it, with the sender identity', async () => {
  const h = await harness();
  await joinAll(h, 'red', ['r1', 'r2', 'r3']);
  await joinAll(h, 'blue', ['b1', 'b2']);
  const res = await onSendMessage(h.deps, ev('r1', { action: 'sendmessage', data: 'hello red' }, { principalId: 'user-r1' }));
  expect(JSON.parse(res.body!)).toEqual({ delivered: 3, gone: 0, failed: 0, deferred: 0 });
  for (const id of ['r1', 'r2', 'r3']) {
    expect(h.inbox[id].filter((m) => m.type === 'message')).toEqual([{ type: 'message', room: 'red', from: 'user-r1', data: 'hello red' }]);
  }
  for (const id of ['b1', 'b2']) expect(h.inbox[id].filter((m) => m.type === 'message')).toEqual([]);
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
    const res = await onSendMessage(h.deps, ev('s', body));
    expect(res.statusCode).toBe(400);
  }
  expect(h.inbox.s.filter((m) => m.type === 'error').map((m) => m.code)).toEqual(['InvalidJson', 'MissingData', 'MessageTooLarge']);
  expect((h.inbox.other ?? []).filter((m) => m.type === 'message')).toEqual([]);
});

test('sending before joining a room is refused; leave, default help and disconnect work', async () => {
  const h = await harness();
  await onConnect(h.deps, ev('x'));
  expect((await onSendMessage(h.deps, ev('x', { action: 'sendmessage', data: 'hi' }))).statusCode).toBe(400);
  expect(h.inbox.x.at(-1)).toMatchObject({ type: 'error', code: 'NotInRoom' });
  await onJoinRoom(h.deps, ev('x', { action: 'joinroom', room: 'green' }));
  await onLeaveRoom(h.deps, ev('x', { action: 'leaveroom' }));
  expect(await h.deps.store.roomOf('x')).toBeUndefined();
  await onDefault(h.deps, ev('x', { action: 'dance' }));
  expect(h.inbox.x.at(-1)).toEqual(JSON.parse(USAGE));
  expect(await onDefault(h.deps, ev('x', 'whatever'))).toEqual({ statusCode: 400, body: 'InvalidJson' });
  expect(h.inbox.x.at(-1)).toMatchObject({ type: 'error', code: 'InvalidJson' });
  await onDisconnect(h.deps, ev('x'));
  await onDisconnect(h.deps, ev('x'));
  expect(await onJoinRoom(h.deps, ev('x', { action: 'joinroom', room: 'green' }))).toEqual({ statusCode: 400, body: 'UnknownConnection' });
});

test('anonymous connections get a connection-scoped identity', async () => {
  const h = await harness();
  await joinAll(h, 'lobby', ['a']);
  await onConnect(h.deps, ev('anon'));
  await onJoinRoom(h.deps, ev('anon', { action: 'joinroom', room: 'lobby' }));
  await onSendMessage(h.deps, ev('anon', { action: 'sendmessage', data: 'hi' }));
  expect(h.inbox.a.at(-1)).toMatchObject({ from: 'anonymous:anon' });
});

test('rooms too large for the deadline are fanned out in chunks and finished by the worker', async () => {
  const h = await harness({ remainingMs: () => 3000, concurrency: 1 });
  const ids = Array.from({ length: 30 }, (_, i) => `m${i}`);
  await joinAll(h, 'big', ids);
  // No time left at all: everything is deferred to the queue.
  const res = await onSendMessage(h.deps, ev('m0', { action: 'sendmessage', data: 'fan' }));
  expect(JSON.parse(res.body!)).toMatchObject({ delivered: 0, deferred: 30 });
  expect(h.jobs).toHaveLength(1);
  const worker = await onFanOut({ ...h.deps, poster: () => h.deps.poster(ev('m0')) }, JSON.stringify(h.jobs[0]));
  expect(worker).toMatchObject({ delivered: 30, gone: 0, failed: 0 });
  for (const id of ids) expect(h.inbox[id].filter((m) => m.type === 'message')).toHaveLength(1);
});
