/**
 * End to end through SQS: the BUILT chat bundle's sendmessage hands a 3,001-member room to the fan-out queue (a
 * local SQS stand-in speaking the SDK's JSON protocol), and the BUILT fan-out worker bundle, fed the queued
 * messages as Lambda SQS events (batches of 5, as the event source mapping), posts to every member through a local
 * @connections stub, against dynalite: each member gets the message exactly once, gone connections are deleted,
 * and a chunk that hits 403 comes back as a batch item failure.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ConnectionsStub } from './support/connections-stub';
import { QueuedMessage, SqsStub } from './support/sqs-stub';
import { LocalDynamo, createConnectionTable, startDynalite } from '../support/dynalite';

const ROOT = path.join(__dirname, '..', '..');
const CHAT_BUNDLE = path.join(ROOT, 'assets', 'websocket-chat-api', 'chat.lambda', 'index.js');
const FAN_OUT_BUNDLE = path.join(ROOT, 'assets', 'websocket-chat-api', 'fan-out.lambda', 'index.js');
const TABLE = 'chat-fan-out-e2e';
const ROOM = 'big';
const MEMBERS = 3000;
const SENDER = 'SenderConnId=';
/** The handler's chunk size for the queue. */
const CHUNK = 500;

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
      requestContext: { routeKey: 'sendmessage', eventType: 'MESSAGE', connectionId: SENDER, domainName: '127.0.0.1', stage: 'prod', apiId: 'ws123abcde', authorizer: { principalId: 'user-sender' } },
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
        const items = b.map((connectionId) => ({ connectionId, userId: `user-${connectionId}`, roomId: ROOM, connectedAt: now, expiresAt: now + 7200 }));
        await db.doc.send(new BatchWriteCommand({ RequestItems: { [TABLE]: items.map((Item) => ({ PutRequest: { Item } })) } }));
      }
    }),
  );
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    ROOM_INDEX: 'room-index',
    QUEUE_URL: sqs.queueUrl,
    CALLBACK_URL: stub.callbackUrl,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  /* eslint-disable @typescript-eslint/no-require-imports */
  chat = require(CHAT_BUNDLE);
  fanOut = require(FAN_OUT_BUNDLE);
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

test('sendmessage hands a room it cannot serve in time to SQS, in chunks of 500 ids, through the SDK', async () => {
  const { statusCode, summary, queued } = await sendMessage('hello big room');
  expect(statusCode).toBe(200);
  expect(summary).toEqual({ delivered: 0, gone: 0, failed: 0, deferred: everyone.length });
  expect(queued).toHaveLength(Math.ceil(everyone.length / CHUNK));
  expect(sqs.calls.every((t) => t === 'AmazonSQS.SendMessage')).toBe(true);
  const jobs = queued.map((m) => JSON.parse(m.body));
  expect(jobs.every((j) => j.connectionIds.length <= CHUNK && j.endpoint.stage === 'prod')).toBe(true);
  expect(jobs.flatMap((j) => j.connectionIds).sort()).toEqual([...everyone].sort());
  expect(stub.posts).toHaveLength(0);
});

test('the fan-out worker bundle delivers to every member exactly once and deletes the gone connections', async () => {
  for (const id of gone) stub.gone.add(id);
  const queued = sqs.messages.slice(0, Math.ceil(everyone.length / CHUNK));
  expect(await work(queued)).toEqual([]);
  const payload = { type: 'message', room: ROOM, from: 'user-sender', data: 'hello big room' };
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

test('a chunk that hits 403 is reported as a batch item failure, and only that one; a malformed record too', async () => {
  stub.reset();
  const { summary, queued } = await sendMessage('second');
  const live = everyone.filter((id) => !gone.has(id));
  expect(summary.deferred).toBe(live.length);
  const jobs = queued.map((m) => ({ id: m.messageId, ids: JSON.parse(m.body).connectionIds as string[] }));
  const victim = jobs[3].ids[7];
  stub.forbidden.add(victim);
  const malformed: QueuedMessage = { messageId: 'malformed-1', body: '{"connectionIds":', sentTimestamp: Date.now(), queueUrl: sqs.queueUrl };
  expect((await work([...queued, malformed])).sort()).toEqual([jobs[3].id, 'malformed-1'].sort());
  // Every other chunk was delivered in full, once.
  for (const job of jobs.filter((_, i) => i !== 3)) {
    for (const id of job.ids) expect(stub.received.get(id)?.map((b) => JSON.parse(b).data)).toEqual(['second']);
  }
  expect(stub.posts.filter((p) => p.status === 403).map((p) => p.connectionId)).toEqual([victim]);
}, 60_000);
