/**
 * End to end through the fan-out queue, driven by the synthesized assembly: a room too large for one
 * invocation of the message handler is finished by the fan-out worker, fed by the local SQS and the event
 * source mapping of the template. To make "too large" small enough for a test, the handler gets a 5 s timeout
 * and 2 posts in flight through its escape hatch, and the @connections front answers each post after 50 ms;
 * everything else (queue URL, event source mapping, batch size, IAM grants) comes from the assembly.
 */
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiAuthorization, WebSocketChatApi } from '../../src';
import { LocalIssuer, startLocalIssuer } from '../support/local/issuer';
import { LocalCloud, startLocalCloud } from '../support/local/local-cloud';
import { synthesize } from '../support/local/synth';
import { ChatClient, connectClient, waitFor } from '../support/local/ws-client';

const MEMBERS = 120;
let issuer: LocalIssuer;
let cloud: LocalCloud;

beforeAll(async () => {
  issuer = await startLocalIssuer();
  const dir = synthesize((app) => {
    const chat = new WebSocketChatApi(new Stack(app, 'FanOutE2E'), 'Chat', {
      authorization: ApiAuthorization.jwt({ issuer: issuer.issuer, audience: ['chat'], jwksUri: issuer.jwksUri }),
      limits: { connectionsPerUser: 1000 },
    });
    const handler = chat.handler.node.defaultChild as lambda.CfnFunction;
    handler.addPropertyOverride('Timeout', 5);
    handler.addPropertyOverride('Environment.Variables.CONCURRENCY', '2');
  });
  cloud = await startLocalCloud(dir, { extraCaCerts: issuer.certFile });
}, 120_000);

afterAll(async () => {
  await cloud?.close();
  await issuer?.close();
});

test(`a broadcast to ${MEMBERS} members that outlasts the handler is finished through SQS by the fan-out worker, once per member`, async () => {
  const front = cloud.webSockets[0];
  const members: ChatClient[] = [];
  for (let i = 0; i < MEMBERS; i += 40) {
    members.push(...(await Promise.all(Array.from({ length: 40 }, (_, j) => connectClient(`${front.url()}?token=${issuer.token(`member-${i + j}`, { aud: 'chat' })}`)))));
  }
  for (const m of members) m.send({ action: 'joinroom', room: 'big' });
  await waitFor(() => members.every((m) => m.inbox.some((x) => x.type === 'joined')), 60_000, 'everyone joined');

  front.postLatencyMs = 50;
  members[0].send({ action: 'sendmessage', data: 'hello big room' });
  const received = (m: ChatClient) => m.inbox.filter((x) => x.type === 'message' && x.data === 'hello big room').length;
  await waitFor(() => members.every((m) => received(m) >= 1), 60_000, 'every member received the message');
  await cloud.sqs.drained();
  await new Promise((r) => setTimeout(r, 300));

  expect(members.map(received)).toEqual(members.map(() => 1));
  const queue = [...cloud.sqs.queues.values()].find((q) => q.sent.length > 0);
  expect(queue).toBeDefined();
  const worker = [...cloud.functions.values()].find((f) => f.invocations.some((i) => Array.isArray((i.event as any)?.Records)));
  expect(worker).toBeDefined();
  // The worker's invocations carried SQS records of that queue, in batches no larger than the mapping's.
  const batches = worker!.invocations.map((i) => (i.event as any).Records as any[]);
  expect(batches.every((records) => records.every((r) => r.eventSourceARN === queue!.arn))).toBe(true);
  expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(5);
  expect(worker!.invocations.every((i) => i.outcome && 'result' in i.outcome)).toBe(true);
  expect(cloud.logs).toEqual([]);
  for (const m of members) m.ws.close();
}, 120_000);
