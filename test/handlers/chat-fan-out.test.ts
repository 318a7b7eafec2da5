/**
 * Fan-out jobs (src/runtime/chat/fan-out.ts): split by bytes within SQS's limit with the payload carried once,
 * validated strictly (a forged job cannot choose where or what to post), continuations paged by the worker, and
 * the deadline handing the rest back to the queue. Against dynalite.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidJob, MAX_IDS_PER_JOB, MAX_JOB_BYTES, fanOutBodies, parseJob, runJob } from '../../src/runtime/chat/fan-out';
import { MAX_POST_BYTES, renderOutbound } from '../../src/runtime/chat/messages';
import { ConnectionStore } from '../../src/runtime/chat/store';
import { LocalDynamo, createConnectionTable, startDynalite } from '../support/dynalite';

let db: LocalDynamo;
let tables = 0;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.close();
});

/** API Gateway-like connection ids (16 characters, base64 alphabet). */
const ids = (n: number, tag: string = 'L') => Array.from({ length: n }, (_, i) => `${tag}${i.toString(36).padStart(6, '0')}cOFvHcC=`);
const message = (data: string, room: string = 'big') => renderOutbound({ type: 'message', room, from: 'user-1', data });

describe('job bodies (issue 10 item 11)', () => {
  test('quote-heavy data at the post limit: every body within 262,144 bytes, the payload carried once, nothing lost', () => {
    const overhead = message('').byteLength;
    const payload = message('"'.repeat(Math.floor((MAX_POST_BYTES - overhead) / 2)));
    expect(payload.byteLength).toBeGreaterThan(MAX_POST_BYTES - 2);
    const members = ids(20_000);
    const bodies = fanOutBodies('big', payload, members);
    expect(bodies.length).toBeGreaterThan(1);
    for (const body of bodies) {
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_JOB_BYTES);
      // Once: the payload's base64 appears once, and the body is not an escaped copy of the data.
      expect(body.split(payload.toString('base64')).length).toBe(2);
      expect(body).not.toContain('\\\\');
      const job = parseJob(body);
      expect(job.payload.equals(payload)).toBe(true);
    }
    expect(bodies.flatMap((b) => parseJob(b).ids!)).toEqual(members);
  });

  test('small payloads are limited by ids per job; a continuation is its own job', () => {
    const bodies = fanOutBodies('big', message('hi'), ids(MAX_IDS_PER_JOB + 1), { roomId: 'big', connectionId: 'Lzzzzzz0cOFvHcC=' });
    expect(bodies).toHaveLength(3);
    expect(parseJob(bodies[0]).ids).toHaveLength(MAX_IDS_PER_JOB);
    expect(parseJob(bodies[1]).ids).toHaveLength(1);
    expect(parseJob(bodies[2])).toMatchObject({ room: 'big', after: { roomId: 'big', connectionId: 'Lzzzzzz0cOFvHcC=' } });
    expect(parseJob(bodies[2]).ids).toBeUndefined();
  });

  test('characters SQS refuses never reach a body (U+FFFF in the data: the body is base64 and ASCII)', () => {
    const [body] = fanOutBodies('big', message('\uffff\ufffe\u0000 ok'), ['a']);
    expect(/^[\x20-\x7e]*$/.test(body)).toBe(true);
    expect(JSON.parse(parseJob(body).payload.toString()).data).toBe('\uffff\ufffe\u0000 ok');
  });
});

describe('job validation (issue 10 item 7)', () => {
  const good = JSON.parse(fanOutBodies('big', message('hi'), ['abc='])[0]);
  const body = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
  const forgedPayload = (m: unknown) => Buffer.from(JSON.stringify(m)).toString('base64');

  test.each([
    ['an endpoint of its own', body({ endpoint: { domainName: 'attacker.example.com', stage: 'x' } })],
    ['a connectionIds field (the old format)', body({ connectionIds: ['abc='] })],
    ['an unknown version', body({ v: 2 })],
    ['a bad room', body({ room: '../x' })],
    ['a malformed connection id', body({ ids: ['abc/../../x?'] })],
    ['a connection id that is too long', body({ ids: ['a'.repeat(129)] })],
    ['no ids', body({ ids: [] })],
    ['too many ids', body({ ids: ids(MAX_IDS_PER_JOB + 1) })],
    ['a payload that is not base64', body({ payload: 'not base64!' })],
    ['a payload for another room', body({ payload: forgedPayload({ type: 'message', room: 'other', from: 'u', data: 'x' }) })],
    ['a payload that is not a chat message', body({ payload: forgedPayload({ type: 'admin', room: 'big', from: 'u', data: 'x' }) })],
    ['a payload with extra fields', body({ payload: forgedPayload({ type: 'message', room: 'big', from: 'u', data: 'x', html: '<script>' }) })],
    ['a payload over the post limit', body({ payload: Buffer.alloc(MAX_POST_BYTES + 1, 32).toString('base64') })],
    ['both ids and a continuation', body({ after: { roomId: 'big', connectionId: 'abc=' } })],
    ['a continuation of another room', JSON.stringify({ v: 1, room: 'big', payload: good.payload, after: { roomId: 'other', connectionId: 'abc=' } })],
    ['a continuation with extra keys', JSON.stringify({ v: 1, room: 'big', payload: good.payload, after: { roomId: 'big', connectionId: 'abc=', x: 1 } })],
    ['not JSON', '{"v":1,'],
    ['a body over SQS\'s limit', body({ ids: ['a'.repeat(MAX_JOB_BYTES)] })],
  ])('a job with %s is refused', (_name, forged) => {
    expect(() => parseJob(forged)).toThrow(InvalidJob);
  });

  test('the worker posts only through its configured poster, whatever the job says', async () => {
    const table = `fan-${++tables}`;
    await createConnectionTable(db.client, table);
    const posted: string[] = [];
    const deps = {
      store: new ConnectionStore(db.doc, { tableName: table }),
      post: async (id: string) => {
        posted.push(id);
      },
      enqueue: async () => undefined,
      deadline: Date.now() + 10_000,
    };
    await runJob(deps, fanOutBodies('big', message('hi'), ['a=', 'b='])[0]);
    expect(posted.sort()).toEqual(['a=', 'b=']);
    await expect(runJob(deps, body({ endpoint: { domainName: 'attacker.example.com' } }))).rejects.toThrow(InvalidJob);
    expect(posted).toHaveLength(2);
  });
});

describe('continuations and the deadline (issue 10 item 12)', () => {
  async function room(n: number): Promise<{ store: ConnectionStore; members: string[] }> {
    const table = `fan-${++tables}`;
    await createConnectionTable(db.client, table);
    const members = ids(n, 'M');
    for (let i = 0; i < members.length; i += 25) {
      const items = members.slice(i, i + 25).map((connectionId) => ({ PutRequest: { Item: { connectionId, roomId: 'big', sender: 'x' } } }));
      await db.doc.send(new BatchWriteCommand({ RequestItems: { [table]: items } }));
    }
    return { store: new ConnectionStore(db.doc, { tableName: table, pageSize: 50 }), members };
  }

  test('a worker that meets its deadline hands the rest back as ids and one continuation; the chain ends with everyone served once', async () => {
    const { store, members } = await room(430);
    const queue: string[] = [];
    const posts = new Map<string, number>();
    // Each invocation may post 120 times before its deadline: a clock that advances one tick per post.
    let clock = 0;
    const deps = (deadline: number) => ({
      store,
      now: () => clock,
      deadline,
      post: async (id: string) => {
        posts.set(id, (posts.get(id) ?? 0) + 1);
        clock++;
      },
      enqueue: async (b: string) => {
        queue.push(b);
      },
    });
    // What the chat handler hands over when its deadline falls on the first page: that page's ids and the position after it.
    const first = (await store.roomPages('big').next()).value!;
    expect(first.next).toBeDefined();
    queue.push(...fanOutBodies('big', message('hello'), first.ids, first.next));
    let invocations = 0;
    let requeued = 0;
    while (queue.length > 0 && invocations < 100) {
      invocations++;
      requeued += (await runJob(deps(clock + 120), queue.shift()!)).requeued;
    }
    expect(queue).toHaveLength(0);
    expect(requeued).toBeGreaterThan(2);
    expect([...posts.keys()].sort()).toEqual([...members].sort());
    expect([...posts.values()].every((n) => n === 1)).toBe(true);
  });

  test('a continuation job pages the room from its position only', async () => {
    const { store, members } = await room(120);
    const pages: string[][] = [];
    for await (const page of store.roomPages('big')) pages.push(page.ids);
    const first = (await store.roomPages('big').next()).value!;
    const posted: string[] = [];
    await runJob(
      { store, post: async (id) => void posted.push(id), enqueue: async () => undefined, deadline: Date.now() + 10_000 },
      fanOutBodies('big', message('hi'), [], first.next)[0],
    );
    expect(posted.sort()).toEqual(pages.slice(1).flat().sort());
    expect(posted).toHaveLength(members.length - pages[0].length);
  });
});
