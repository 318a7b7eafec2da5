import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { BroadcastForbidden, broadcast } from '../../src/runtime/chat/broadcaster';
import { MAX_MESSAGE_BYTES, MessageRejected, parseMessage } from '../../src/runtime/chat/messages';
import { CONNECTION_TTL_SECONDS, ConnectionStore } from '../../src/runtime/chat/store';
import { LocalDynamo, createConnectionTable, startDynalite } from '../support/dynalite';

let db: LocalDynamo;
let tableCount = 0;

beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.close();
});

async function newStore(pageSize?: number): Promise<{ store: ConnectionStore; table: string }> {
  const table = `connections-${++tableCount}`;
  await createConnectionTable(db.client, table);
  return { store: new ConnectionStore(db.doc, { tableName: table, pageSize }), table };
}

function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

describe('messages', () => {
  test('a valid sendmessage is parsed', () => {
    expect(parseMessage('{"action":"sendmessage","data":"hi","room":"general"}', { requireData: true })).toEqual({ action: 'sendmessage', data: 'hi', room: 'general' });
  });

  test.each([
    [undefined, 'EmptyMessage'],
    ['', 'EmptyMessage'],
    ['not json', 'InvalidJson'],
    ['[1,2]', 'NotAnObject'],
    ['"text"', 'NotAnObject'],
    ['{"action":"sendmessage","data":"x","__proto__":{"admin":true}}', 'ForbiddenKey'],
    ['{"action":"sendmessage","data":"x","meta":{"constructor":{"prototype":1}}}', 'ForbiddenKey'],
    ['{"action":"send message","data":"x"}', 'InvalidAction'],
    ['{"action":"sendmessage","data":5}', 'InvalidData'],
    ['{"action":"sendmessage"}', 'MissingData'],
    ['{"action":"joinroom","room":"../etc"}', 'InvalidRoom'],
    [JSON.stringify({ action: 'sendmessage', data: 'é'.repeat(MAX_MESSAGE_BYTES / 2) }), 'MessageTooLarge'],
  ])('%s is refused with %s', (body, code) => {
    let caught: unknown;
    try {
      parseMessage(body as string, { requireData: true });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(MessageRejected);
    expect((caught as MessageRejected).code).toBe(code);
  });
});

describe('connection store against dynalite', () => {
  test('connect is idempotent (keeps connect time and room), sets a 2 h TTL; disconnect tolerates missing items', async () => {
    const { store, table } = await newStore();
    await store.connect('c1', 'alice', 1000);
    await store.join('c1', 'general');
    await store.connect('c1', 'alice', 2000); // retry
    const item = (await db.doc.send(new GetCommand({ TableName: table, Key: { connectionId: 'c1' } }))).Item;
    expect(item).toEqual({ connectionId: 'c1', userId: 'alice', connectedAt: 1000, expiresAt: 1000 + CONNECTION_TTL_SECONDS, roomId: 'general' });
    await store.disconnect('c1');
    await expect(store.disconnect('c1')).resolves.toBeUndefined();
    expect(await store.removeStale('c1')).toBe(false);
  });

  test('join requires a known connection; rooms are queried page by page', async () => {
    const { store } = await newStore(7);
    await expect(store.join('ghost', 'general')).rejects.toThrow();
    for (let i = 0; i < 25; i++) {
      await store.connect(`c${i}`, `u${i}`);
      await store.join(`c${i}`, i % 2 ? 'odd' : 'even');
    }
    const pages: string[][] = [];
    for await (const page of store.roomPages('odd')) pages.push(page);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flat().sort()).toEqual(Array.from({ length: 12 }, (_, i) => `c${2 * i + 1}`).sort());
    await store.leave('c1');
    expect(await store.roomOf('c1')).toBeUndefined();
  });
});

describe('broadcaster', () => {
  async function* pages(ids: string[], size: number = 10): AsyncGenerator<string[]> {
    for (let i = 0; i < ids.length; i += size) yield ids.slice(i, i + size);
  }
  const data = Buffer.from('{"message":"hi"}');

  test('delivers to every connection with bounded concurrency', async () => {
    const ids = Array.from({ length: 95 }, (_, i) => `c${i}`);
    let inFlight = 0;
    let peak = 0;
    const got: string[] = [];
    const result = await broadcast({
      connections: pages(ids),
      data,
      concurrency: 8,
      removeStale: async () => true,
      post: async (id) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setImmediate(r));
        got.push(id);
        inFlight--;
      },
    });
    expect(result).toEqual({ delivered: 95, gone: 0, failed: 0, deferred: [] });
    expect(got.sort()).toEqual([...ids].sort());
    expect(peak).toBeLessThanOrEqual(8);
  });

  test('410 removes the stale connection only; 429 and 5xx are retried a bounded number of times', async () => {
    const removed: string[] = [];
    const attempts: Record<string, number> = {};
    const result = await broadcast({
      connections: pages(['ok', 'stale', 'flaky', 'down']),
      data,
      maxAttempts: 3,
      sleep: async () => undefined,
      removeStale: async (id) => removed.push(id),
      post: async (id) => {
        attempts[id] = (attempts[id] ?? 0) + 1;
        if (id === 'stale') throw sdkError('GoneException', 410);
        if (id === 'flaky' && attempts[id] < 3) throw sdkError('LimitExceededException', 429);
        if (id === 'down') throw sdkError('InternalServerErrorException', 500);
      },
    });
    expect(result).toEqual({ delivered: 2, gone: 1, failed: 1, deferred: [] });
    expect(removed).toEqual(['stale']);
    expect(attempts).toEqual({ ok: 1, stale: 1, flaky: 3, down: 3 });
  });

  test('403 fails loudly after the round', async () => {
    await expect(
      broadcast({ connections: pages(['a', 'b']), data, removeStale: async () => true, post: async () => Promise.reject(sdkError('ForbiddenException', 403)) }),
    ).rejects.toThrow(BroadcastForbidden);
  });

  test('past the deadline, the remaining connections are deferred for fan-out', async () => {
    let clock = 0;
    const result = await broadcast({
      connections: pages(Array.from({ length: 20 }, (_, i) => `c${i}`)),
      data,
      concurrency: 1,
      deadline: 5,
      now: () => clock,
      removeStale: async () => true,
      post: async () => {
        clock += 1;
      },
    });
    expect(result.delivered).toBe(5);
    expect(result.deferred).toHaveLength(15);
  });
});
