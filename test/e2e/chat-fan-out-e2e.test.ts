/**
 * End to end through SQS: the BUILT chat bundle's sendmessage, out of time, hands a 3,001-member room to the
 * fan-out queue (a local SQS stand-in speaking the SDK's JSON protocol) as the ids of the page it was on and ONE
 * continuation; the BUILT fan-out worker bundle, fed the queued messages as Lambda SQS events (batches of 5, as the
 * event source mapping), posts the ids and pages the rest of the room itself, through a local @connections stub
 * (its configured CALLBACK_URL, whatever a job says), against dynalite: each member gets the message exactly once,
 * gone connections are deleted, a job that meets 403 and a forged or malformed job come back as batch item failures.
 */
import { createHash } from 'node:crypto';
import { BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { BUNDLES, chatEnvironment } from './support/chat-harness';
import { ConnectionsStub } from './support/connections-stub';
import { QueuedMessage, SqsStub } from './support/sqs-stub';
import { MAX_JOB_BYTES } from '../../src/runtime/chat/fan-out';
import { LocalDynamo, createConnectionTable, startDynalite } from '../support/dynalite';

const TABLE = 'chat-fan-out-e2e';
const ROOM = 'big';
const MEMBERS = 3000;
const SENDER = 'SenderConnId=';
/** The store's page size: the sender's invocation runs out of time on the first page. */
const PAGE = 1000;

/**
 * API Gateway-like connection ids that dynalite indexes without loss: its GSI keys keep only 24 bits of an MD5
 * of the table key, so colliding ids would silently vanish from the room index (a stand-in defect).
 */
function connectionIds(n: number): string[] {
  const seen = new Set([createHash('md5').update('Outliers').update(SENDER).digest('hex').slice(0, 6)]);
  const ids: string[] = [];
  for (let i = 0; ids.length < n; i++) {
    const id = `L0${i.toString(36).padStart(4, '0')}cOFvHcCIhw=`;
    const h = createHash('md5').update('Outliers').update(id).digest('hex').slice(0, 6);
    if (!seen.has(h)) ids.push(id);
    seen.add(h);
  }
  return ids;
}

const members = connectionIds(MEMBERS);
const everyone = [SENDER, ...members];
/** 10 % of the members are gone (closed without $disconnect). */
const gone = new Set(members.filter((_, i) => i % 10 === 3));

let db: LocalDynamo;
let sqs: SqsStub;
let stub: ConnectionsStub;
let chat: { handler: (event: unknown, context: unknown) => Promise<{ statusCode: number; body?: string }> };
let fanOut: { handler: (event: SQSEvent) => Promise<SQSBatchResponse> };

async function roomSize(): Promise<number> {
  let count = 0;
  let key: Record<string, unknown> | undefined;
  do {
    const page = await db.doc.send(
      new QueryCommand({ TableName: TABLE, IndexName: 'room-index', KeyConditionExpression: 'roomId = :r', ExpressionAttributeValues: { ':r': ROOM }, Select: 'COUNT', ExclusiveStartKey: key }),
    );
    count += page.Count ?? 0;
    key = page.LastEvaluatedKey;
  } while (key);
  return count;
}

/** The sender's sendmessage, in an invocation with too little time left to post itself: all goes to the queue. */
async function sendMessage(data: string): Promise<{ statusCode: number; summary: Record<string, number>; queued: QueuedMessage[] }> {
  const before = sqs.messages.length;
  const res = await chat.handler(
    {
      body: JSON.stringify({ action: 'sendmessage', data }),
      requestContext: { routeKey: 'sendmessage', eventType: 'MESSAGE', connectionId: SENDER, domainName: 'chat.example.com', stage: 'prod', apiId: 'ws123abcde', authorizer: { principalId: 'user-sender' } },
    },
    { getRemainingTimeInMillis: () => 3000 },
  );
  return { statusCode: res.statusCode, summary: JSON.parse(res.body ?? '{}'), queued: sqs.messages.slice(before) };
}

/** Runs the worker over the queued messages as the event source mapping would; returns the failed message ids. */
async function work(queued: QueuedMessage[]): Promise<string[]> {
  const failed: string[] = [];
  for (const event of sqs.events(queued, 5)) {
    const out = await fanOut.handler(event);
    failed.push(...out.batchItemFailures.map((f) => f.itemIdentifier));
  }
  return failed;
}

beforeAll(async () => {
  db = await startDynalite();
  await createConnectionTable(db.client, TABLE);
  sqs = new SqsStub('chat-fan-out');
  stub = new ConnectionsStub();
  await Promise.all([sqs.start(), stub.start()]);
  const now = Math.floor(Date.now() / 1000);
  const batches: string[][] = [];
  for (let i = 0; i < everyone.length; i += 25) batches.push(everyone.slice(i, i + 25));
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let b = batches.shift(); b; b = batches.shift()) {
        const items = b.map((connectionId) => ({ connectionId, userId: `user-${connectionId}`, sender: `user-${connectionId}`, roomId: ROOM, connectedAt: now, expiresAt: now + 7200 }));
        await db.doc.send(new BatchWriteCommand({ RequestItems: { [TABLE]: items.map((Item) => ({ PutRequest: { Item } })) } }));
      }
    }),
  );
  Object.assign(process.env, chatEnvironment({
    table: TABLE,
    callbackUrl: stub.callbackUrl,
    dynamoEndpoint: db.endpoint,
    queueUrl: sqs.queueUrl,
    sqsEndpoint: sqs.endpoint,
  }));
  /* eslint-disable @typescript-eslint/no-require-imports */
  chat = require(BUNDLES.chat);
  fanOut = require(BUNDLES.fanOut);
  /* eslint-enable @typescript-eslint/no-require-imports */
}, 60_000);

afterAll(async () => {
  await sqs?.close();
  await stub?.close();
  await db?.close();
});

test('the room index holds the whole room (no dynalite key collision)', async () => {
  expect(await roomSize()).toBe(everyone.length);
});

test('sendmessage out of time hands over the ids of its page and ONE continuation, through the SDK, each body within SQS\'s limit', async () => {
  const { statusCode, summary, queued } = await sendMessage('hello big room');
  expect(statusCode).toBe(200);
  expect(summary).toEqual({ delivered: 0, gone: 0, failed: 0, deferred: PAGE, continued: true, jobs: 2 });
  expect(queued).toHaveLength(2);
  expect(sqs.calls.every((t) => t === 'AmazonSQS.SendMessage')).toBe(true);
  expect(queued.every((m) => Buffer.byteLength(m.body) <= MAX_JOB_BYTES)).toBe(true);
  const [ids, continuation] = queued.map((m) => JSON.parse(m.body));
  expect(Object.keys(ids).sort()).toEqual(['ids', 'payload', 'room', 'v']);
  expect(ids.ids).toHaveLength(PAGE);
  expect(Object.keys(continuation).sort()).toEqual(['after', 'payload', 'room', 'v']);
  expect(continuation.after).toEqual({ roomId: ROOM, connectionId: ids.ids[PAGE - 1] });
  expect(JSON.stringify(queued)).not.toContain('chat.example.com');
  expect(stub.posts).toHaveLength(0);
});

test('the fan-out worker bundle delivers to every member exactly once and deletes the gone connections', async () => {
  for (const id of gone) stub.gone.add(id);
  const queued = sqs.messages.slice(0, 2);
  expect(await work(queued)).toEqual([]);
  const payload = { type: 'message', room: ROOM, from: 'user-SenderConnId=', data: 'hello big room' };
  const live = everyone.filter((id) => !gone.has(id));
  expect(stub.received.size).toBe(live.length);
  for (const id of live) expect(stub.received.get(id)?.map((b) => JSON.parse(b))).toEqual([payload]);
  const goneStatuses = stub.posts.filter((p) => gone.has(p.connectionId));
  expect(goneStatuses).toHaveLength(gone.size);
  expect(goneStatuses.every((p) => p.status === 410)).toBe(true);
  expect(stub.posts).toHaveLength(everyone.length);
  // The gone connections are deleted; the live ones (the sender included) are kept.
  expect(await roomSize()).toBe(live.length);
  const item = async (connectionId: string) => (await db.doc.send(new GetCommand({ TableName: TABLE, Key: { connectionId } }))).Item;
  for (const id of [...gone].slice(0, 20)) expect(await item(id)).toBeUndefined();
  expect(await item(SENDER)).toMatchObject({ roomId: ROOM });
}, 60_000);

test('a job that meets 403 is a batch item failure, and only that one; a forged and a malformed job too, and nothing is posted elsewhere', async () => {
  stub.reset();
  const attacker = new ConnectionsStub();
  await attacker.start();
  try {
    const { summary, queued } = await sendMessage('second');
    expect(summary).toMatchObject({ deferred: PAGE, continued: true, jobs: 2 });
    const [idsJob, continuationJob] = queued;
    const listed = new Set<string>(JSON.parse(idsJob.body).ids);
    const victim = everyone.find((id) => !gone.has(id) && !listed.has(id) && id !== SENDER)!;
    stub.forbidden.add(victim);
    const forged: QueuedMessage = {
      messageId: 'forged-1',
      body: JSON.stringify({ endpoint: { domainName: attacker.callbackUrl.replace(/^http:\/\//, '').replace(/\/prod$/, ''), stage: 'prod' }, connectionIds: ['victimConn='], payload: '{"type":"message","from":"admin"}' }),
      sentTimestamp: Date.now(),
      queueUrl: sqs.queueUrl,
    };
    const malformed: QueuedMessage = { messageId: 'malformed-1', body: '{"ids":', sentTimestamp: Date.now(), queueUrl: sqs.queueUrl };
    expect((await work([...queued, forged, malformed])).sort()).toEqual([continuationJob.messageId, 'forged-1', 'malformed-1'].sort());
    // The ids job was delivered in full, once; the 403 came from the continuation's pages.
    for (const id of listed) if (!gone.has(id)) expect(stub.received.get(id)?.map((b) => JSON.parse(b).data)).toEqual(['second']);
    expect(stub.posts.filter((p) => p.status === 403).map((p) => p.connectionId)).toEqual([victim]);
    expect(attacker.posts).toHaveLength(0);
  } finally {
    await attacker.close();
  }
}, 60_000);
