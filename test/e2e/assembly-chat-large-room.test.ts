/**
 * End to end through SQS on the synthesized assembly, with a room of 3,001 members: the sender is a real `ws`
 * client; the other 3,000 are connection items in the template's table and connections without a socket at the
 * local @connections front (10 % of them gone: no connection, so 410). The message handler gets a 3 s timeout
 * through its escape hatch, which leaves no time to post (the handler keeps 3 s for its reply and hand-off), so
 * sendmessage hands the room to the fan-out queue; the local SQS and the template's event source mapping
 * (batches of 5, ReportBatchItemFailures) feed the bundled fan-out worker. Queue URL, callback URL, IAM grants and
 * the mapping all come from the assembly.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ChatAssembly, chatJwt, connectionItem, connectionTable, indexCount, localFunction, synthesizeChat } from './support/chat-assembly';
import { CHAT_DEFAULTS } from '../../src/runtime/chat/contract';
import { MAX_JOB_BYTES } from '../../src/runtime/chat/fan-out';
import { LocalIssuer, startLocalIssuer } from '../support/local/issuer';
import { LocalCloud, startLocalCloud } from '../support/local/local-cloud';
import { LocalQueue } from '../support/local/sqs';
import { WebSocketFront } from '../support/local/websocket-front';
import { ChatClient, connectClient, waitFor } from '../support/local/ws-client';

const ROOM = 'big';
const MEMBERS = 3000;
/** The store's page size: the sender's invocation stops on the first page. */
const PAGE = 1000;

let issuer: LocalIssuer;
let chat: ChatAssembly;
let cloud: LocalCloud;
let front: WebSocketFront;
let queue: LocalQueue;
let sender: ChatClient;
let senderId: string;
let members: string[];
let gone: Set<string>;

/**
 * API Gateway-like connection ids that dynalite indexes without loss: its GSI keys keep only 24 bits of an MD5
 * of the table key, so colliding ids would silently vanish from the room index (a stand-in defect).
 */
function connectionIds(n: number, taken: string[]): string[] {
  const hash = (id: string) => createHash('md5').update('Outliers').update(id).digest('hex').slice(0, 6);
  const seen = new Set(taken.map(hash));
  const ids: string[] = [];
  for (let i = 0; ids.length < n; i++) {
    const id = `L0${i.toString(36).padStart(4, '0')}cOFvHcCIhw=`;
    if (!seen.has(hash(id))) ids.push(id);
    seen.add(hash(id));
  }
  return ids;
}

/** Sends a message as the sender; resolves with the handler's summary and the jobs it queued. */
async function sendMessage(data: string): Promise<{ summary: Record<string, unknown>; queued: LocalQueue['sent'] }> {
  const handler = localFunction(cloud, chat.logicalIds.handler);
  const [invocations, sent] = [handler.invocations.length, queue.sent.length];
  sender.send({ action: 'sendmessage', data });
  await waitFor(() => handler.invocations.slice(invocations).some((i) => i.outcome), 30_000, 'the sendmessage invocation');
  const outcome = handler.invocations.slice(invocations).find((i) => i.outcome)!.outcome!;
  if (!('result' in outcome)) throw new Error(`sendmessage failed: ${JSON.stringify(outcome)}`);
  expect(outcome.result.statusCode).toBe(200);
  return { summary: JSON.parse(outcome.result.body), queued: queue.sent.slice(sent) };
}

/** What the worker reported as batch item failures in its invocations from `from` on. */
function workerFailures(from: number): string[] {
  return localFunction(cloud, chat.logicalIds.fanOutHandler).invocations.slice(from).flatMap((i) => {
    if (!i.outcome || !('result' in i.outcome)) throw new Error(`the worker failed: ${JSON.stringify(i.outcome)}`);
    return (i.outcome.result.batchItemFailures as Array<{ itemIdentifier: string }>).map((f) => f.itemIdentifier);
  });
}

beforeAll(async () => {
  issuer = await startLocalIssuer();
  chat = synthesizeChat('LargeRoomE2E', { authorization: chatJwt(issuer) }, (c) => {
    (c.handler.node.defaultChild as lambda.CfnFunction).addPropertyOverride('Timeout', 3);
  });
  cloud = await startLocalCloud(chat.dir, { extraCaCerts: issuer.certFile });
  front = cloud.webSockets[0];
  queue = [...cloud.sqs.queues.values()].find((q) => q.redrive)!;
  sender = await connectClient(`${front.url()}?token=${issuer.token('sender', { aud: 'chat' })}`);
  sender.send({ action: 'joinroom', room: ROOM });
  await waitFor(() => sender.inbox.some((m) => m.type === 'joined'), 30_000, 'the sender joined');
  senderId = [...front.connections.keys()][0];
  members = connectionIds(MEMBERS, [senderId]);
  gone = new Set(members.filter((_, i) => i % 10 === 3));
  const now = Math.floor(Date.now() / 1000);
  const batches: string[][] = [];
  for (let i = 0; i < members.length; i += 25) batches.push(members.slice(i, i + 25));
  const table = connectionTable(cloud);
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let b = batches.shift(); b; b = batches.shift()) {
      const items = b.map((connectionId) => ({ connectionId, userId: `user-${connectionId}`, sender: `user-${connectionId}`, roomId: ROOM, connectedAt: now, expiresAt: now + 7200 }));
      await cloud.dynamo.local.doc.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));
    }
  }));
  front.attachHeadless(members.filter((id) => !gone.has(id)));
}, 120_000);

afterAll(async () => {
  await cloud?.close();
  await issuer?.close();
});

test('the room index holds the whole room of 3,001 (no dynalite key collision)', async () => {
  expect(await indexCount(cloud, CHAT_DEFAULTS.roomIndex, 'roomId', ROOM)).toBe(MEMBERS + 1);
});

test('sendmessage with no time left hands over the ids of its page and ONE continuation, each SQS body within 256 KB', async () => {
  const calls = cloud.sqs.calls.length;
  const { summary, queued } = await sendMessage('hello big room');
  expect(summary).toEqual({ delivered: 0, gone: 0, failed: 0, deferred: PAGE, continued: true, jobs: 2 });
  expect(queued).toHaveLength(2);
  expect(cloud.sqs.calls.slice(calls).every((t) => t === 'AmazonSQS.SendMessage')).toBe(true);
  // SQS's message size limit: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
  expect(queued.every((m) => Buffer.byteLength(m.body) <= MAX_JOB_BYTES)).toBe(true);
  const [ids, continuation] = queued.map((m) => JSON.parse(m.body));
  expect(Object.keys(ids).sort()).toEqual(['ids', 'payload', 'room', 'v']);
  expect(ids.ids).toHaveLength(PAGE);
  expect(Object.keys(continuation).sort()).toEqual(['after', 'payload', 'room', 'v']);
  expect(continuation.after).toEqual({ roomId: ROOM, connectionId: ids.ids[PAGE - 1] });
  // A job never names an endpoint: the worker posts to its own configured callback URL.
  expect(queued.map((m) => m.body).join()).not.toContain('execute-api');
});

test('the fan-out worker delivers to every member exactly once and deletes the gone connections', async () => {
  await cloud.sqs.drained(80_000);
  expect(workerFailures(0)).toEqual([]);
  const payload = { type: 'message', room: ROOM, from: 'sender', data: 'hello big room' };
  const live = members.filter((id) => !gone.has(id));
  for (const id of live) expect(front.headless.get(id)?.map((b) => JSON.parse(b))).toEqual([payload]);
  // The sender's copy travels over its socket after @connections answered: wait for the frame, then no more.
  await waitFor(() => sender.inbox.some((m) => m.type === 'message'), 30_000, 'the sender\'s own copy');
  await new Promise((r) => setTimeout(r, 250));
  expect(sender.inbox.filter((m) => m.type === 'message')).toEqual([payload]);
  const posts = front.posts.filter((p) => p.method === 'POST' && p.connectionId !== senderId);
  expect(posts).toHaveLength(MEMBERS);
  expect(posts.filter((p) => gone.has(p.connectionId)).every((p) => p.status === 410)).toBe(true);
  expect(posts.filter((p) => p.status === 410)).toHaveLength(gone.size);
  // The gone connections are deleted; the live ones (the sender included) are kept.
  expect(await indexCount(cloud, CHAT_DEFAULTS.roomIndex, 'roomId', ROOM)).toBe(live.length + 1);
  for (const id of [...gone].slice(0, 20)) expect(await connectionItem(cloud, id)).toBeUndefined();
  expect(await connectionItem(cloud, senderId)).toMatchObject({ roomId: ROOM });
}, 120_000);

test('a job that meets 403 is a batch item failure, and only that one; forged and malformed jobs too; nothing is posted elsewhere', async () => {
  for (const inbox of front.headless.values()) inbox.length = 0;
  const [postsBefore, workerBefore] = [front.posts.length, localFunction(cloud, chat.logicalIds.fanOutHandler).invocations.length];
  const attacker = http.createServer((_req, res) => res.writeHead(200).end());
  let attacked = 0;
  attacker.on('request', () => (attacked += 1));
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
  try {
    // The page the handler will read first; a live member after it gets a 403 from @connections.
    const firstPage = await cloud.dynamo.local.doc.send(new QueryCommand({
      TableName: connectionTable(cloud), IndexName: CHAT_DEFAULTS.roomIndex, KeyConditionExpression: 'roomId = :r', ExpressionAttributeValues: { ':r': ROOM }, Limit: PAGE,
    }));
    const listed = new Set((firstPage.Items ?? []).map((i) => String(i.connectionId)));
    const victim = members.find((id) => !gone.has(id) && !listed.has(id))!;
    front.faults.set(victim, [403]);
    // Only the chat's own roles may send to the queue (its policy): a forged job comes from a compromised handler.
    const handler = [...cloud.credentials.values()].find((c) => c.owner.endsWith(`/${chat.logicalIds.handler}`))!;
    const sqs = new SQSClient({ endpoint: cloud.sqs.endpoint, region: cloud.region, credentials: handler });
    const attackerHost = `127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    const chatPayload = Buffer.from(JSON.stringify({ type: 'message', room: ROOM, from: 'admin', data: 'forged' })).toString('base64');
    const injected = await Promise.all([
      JSON.stringify({ endpoint: { domainName: attackerHost, stage: 'prod' }, connectionIds: [victim], payload: '{"type":"message","from":"admin"}' }),
      JSON.stringify({ v: 1, room: ROOM, payload: chatPayload, ids: [victim], endpoint: `http://${attackerHost}/prod` }),
      '{"ids":',
    ].map(async (MessageBody) => (await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody }))).MessageId!));
    const { summary, queued } = await sendMessage('second');
    expect(summary).toMatchObject({ delivered: 0, deferred: PAGE, continued: true, jobs: 2 });
    const [idsJob, continuationJob] = queued;
    expect(new Set(JSON.parse(idsJob.body).ids)).toEqual(listed);
    await cloud.sqs.drained(80_000);
    expect(workerFailures(workerBefore).sort()).toEqual([continuationJob.messageId, ...injected].sort());
    // The ids job was delivered in full, once; the 403 came from the continuation's pages.
    for (const id of listed) if (!gone.has(id) && id !== senderId) expect(front.headless.get(id)?.map((b) => JSON.parse(b).data)).toEqual(['second']);
    expect(front.posts.slice(postsBefore).filter((p) => p.status === 403).map((p) => p.connectionId)).toEqual([victim]);
    expect(front.headless.get(victim)).toEqual([]);
    expect(attacked).toBe(0);
    sqs.destroy();
  } finally {
    attacker.closeAllConnections();
    await new Promise<void>((r) => attacker.close(() => r()));
  }
}, 120_000);
