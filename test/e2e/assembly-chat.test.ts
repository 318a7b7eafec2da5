/**
 * End to end, driven by the synthesized assembly: `WebSocketChatApi` (JWT on `$connect`, an hour-long message window
 * so the flood case cannot straddle two windows) is synthesized, and the local cloud stands up exactly what the
 * templates say (routes, the `$connect` authorizer and its identity sources, the bundled functions from their code
 * assets with their rendered environment, the DynamoDB table, the stage's route throttles, IAM grants and Lambda
 * permissions). Real `ws` clients then connect with tokens from a local HTTPS issuer, join rooms and broadcast.
 * Nothing here tells the front how the construct is wired (assembly-chat-wiring.test.ts proves it by mutation).
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Duration } from 'aws-cdk-lib';
import { ChatAssembly, chatJwt, connectionItem, connectionRemoved, connectionTable, localFunction, synthesizeChat } from './support/chat-assembly';
import { MAX_MESSAGE_BYTES, MAX_POST_BYTES } from '../../src/runtime/chat/messages';
import { rsaKey, sign } from '../handlers/support/jwt';
import { ThrottleException } from '../support/local/dynamo';
import { LocalIssuer, startLocalIssuer } from '../support/local/issuer';
import { LocalCloud, startLocalCloud } from '../support/local/local-cloud';
import { WebSocketFront } from '../support/local/websocket-front';
import { ChatClient, connectClient, waitFor } from '../support/local/ws-client';

const CLIENTS = 50;
let issuer: LocalIssuer;
let chat: ChatAssembly;
let cloud: LocalCloud;
let front: WebSocketFront;

const token = (sub: string) => issuer.token(sub, { aud: 'chat' });
const connect = (sub: string | undefined, f: WebSocketFront = front) => connectClient(sub === undefined ? f.url() : `${f.url()}?token=${encodeURIComponent(token(sub))}`);
const messages = (c: ChatClient) => c.inbox.filter((m) => m.type === 'message');
const errors = (c: ChatClient) => c.inbox.filter((m) => m.type === 'error');
const connectionOf = (sub: string, f: WebSocketFront = front) => [...f.connections.values()].find((c) => c.authorizer?.principalId === sub)!.id;
const settle = () => new Promise((r) => setTimeout(r, 250)); // nothing more arrives

beforeAll(async () => {
  issuer = await startLocalIssuer();
  chat = synthesizeChat('ChatE2E', {
    authorization: chatJwt(issuer),
    routeThrottles: { leaveroom: { rateLimit: 1, burstLimit: 1 } },
    limits: { messageWindow: Duration.hours(1) },
  });
  cloud = await startLocalCloud(chat.dir, { extraCaCerts: issuer.certFile });
  front = cloud.webSockets[0];
}, 120_000);

afterAll(async () => {
  await cloud?.close();
  await issuer?.close();
});

describe('the chat assembly, served locally', () => {
  const rooms: Record<'red' | 'blue', ChatClient[]> = { red: [], blue: [] };
  const subs = new Map<ChatClient, string>();
  const idOf = (c: ChatClient) => connectionOf(subs.get(c)!);
  /** Invocations of the message handler from `from` on that ended in an error. */
  const handlerErrors = (from: number) => localFunction(cloud, chat.logicalIds.handler).invocations.slice(from).flatMap((i) => (i.outcome && 'error' in i.outcome ? [i.outcome.error.errorType] : []));

  test('the front is built from the template: route keys, the $connect authorizer and its identity source', () => {
    expect([...front.model.routes.keys()].sort()).toEqual(expect.arrayContaining(['$connect', '$default', '$disconnect', 'joinroom', 'leaveroom', 'sendmessage']));
    expect(front.model.selectionPath).toEqual(['action']);
    expect(front.model.routes.get('$connect')?.authorizer?.identitySources).toEqual(['route.request.querystring.token']);
    expect(front.model.stages[0].routeThrottles.leaveroom).toEqual({ rateLimit: 1, burstLimit: 1 });
  });

  test('API Gateway rule: a missing identity source is refused with 401 WITHOUT invoking the authorizer', async () => {
    // https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html (identitySource):
    // every identity source must be present, not null and non-empty, else 401 without calling the function.
    const before = front.authorizerInvocations;
    await expect(connect(undefined)).rejects.toThrow('HTTP 401');
    await expect(connectClient(`${front.url()}?token=`)).rejects.toThrow('HTTP 401');
    // A token in the Authorization header is not the identity source either.
    await expect(connectClient(front.url(), { Authorization: `Bearer ${token('header-user')}` })).rejects.toThrow('HTTP 401');
    expect(front.authorizerInvocations).toBe(before);
  });

  test('invalid tokens reach the bundled authorizer, which refuses them (401)', async () => {
    const before = front.authorizerInvocations;
    const now = Math.floor(Date.now() / 1000);
    const foreignKey = sign({ iss: issuer.issuer, sub: 'x', aud: 'chat', iat: now, exp: now + 600 }, rsaKey('other-key'));
    for (const bad of ['not-a-jwt', issuer.token('x', { aud: 'someone-else' }), issuer.token('x', { aud: 'chat' }, -60), foreignKey]) {
      await expect(connectClient(`${front.url()}?token=${bad}`)).rejects.toThrow('HTTP 401');
    }
    expect(front.authorizerInvocations).toBe(before + 4);
  });

  test(`${CLIENTS} clients connect and join two rooms; each receives exactly its room's messages, with the sender's identity`, async () => {
    const joined = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => connect(`user-${i}`)));
    joined.forEach((c, i) => subs.set(c, `user-${i}`));
    joined.forEach((c, i) => rooms[i % 2 ? 'blue' : 'red'].push(c));
    for (const [room, list] of Object.entries(rooms)) for (const c of list) c.send({ action: 'joinroom', room });
    await waitFor(() => joined.every((c) => c.inbox.some((m) => m.type === 'joined')), 30_000, 'joined replies');
    for (const list of Object.values(rooms)) for (const c of list.slice(0, 3)) c.send({ action: 'sendmessage', data: `hi from ${subs.get(c)}` });
    await waitFor(() => joined.every((c) => messages(c).length === 3), 30_000, 'three messages each');
    await settle();
    for (const [room, list] of Object.entries(rooms)) {
      const expected = list.slice(0, 3).map((c) => `hi from ${subs.get(c)}`).sort();
      for (const c of list) {
        expect(messages(c).map((m) => m.data).sort()).toEqual(expected);
        // The sender is the identity the authorizer established at $connect, not anything the message says.
        expect(messages(c).every((m) => m.room === room && m.data === `hi from ${m.from}`)).toBe(true);
      }
    }
    // Every post went through the @connections front, SigV4-signed by a role that may post.
    expect(front.posts.length).toBeGreaterThan(0);
    expect(front.posts.every((p) => p.status === 200)).toBe(true);
    expect(cloud.logs.filter((l) => /@connections|IAM|Invalid permissions/.test(l))).toEqual([]);
  }, 60_000);

  test('a connection lost without $disconnect answers 410, is deleted on that broadcast and not posted to again', async () => {
    const victim = rooms.red.pop()!;
    const id = idOf(victim);
    expect(await connectionItem(cloud, id)).toMatchObject({ roomId: 'red' });
    front.kill(id);
    rooms.red[0].send({ action: 'sendmessage', data: 'after kill' });
    await waitFor(() => front.posts.some((p) => p.connectionId === id && p.status === 410), 30_000, 'a 410');
    await waitFor(() => rooms.red.every((c) => messages(c).some((m) => m.data === 'after kill')));
    expect(await connectionRemoved(cloud, id)).toBe(true);
    const posts = front.posts.length;
    rooms.red[1].send({ action: 'sendmessage', data: 'second after kill' });
    await waitFor(() => rooms.red.every((c) => messages(c).some((m) => m.data === 'second after kill')));
    expect(front.posts.slice(posts).some((p) => p.connectionId === id)).toBe(false);
  });

  test('429 and 5xx answers of @connections are retried by the handler; a 403 fails the invocation loudly', async () => {
    const [a, b, c, sender] = rooms.blue.slice(3, 7);
    front.faults.set(idOf(a), [429, 429]);
    front.faults.set(idOf(b), [500]);
    sender.send({ action: 'sendmessage', data: 'retry me' });
    await waitFor(() => [a, b].every((x) => messages(x).some((m) => m.data === 'retry me')), 30_000, 'retried posts');
    expect(front.posts.filter((p) => p.connectionId === idOf(a) && p.status === 429)).toHaveLength(2);
    // 403: the handler's role may not post (a deployment error), never a reason to carry on quietly.
    const from = localFunction(cloud, chat.logicalIds.handler).invocations.length;
    front.faults.set(idOf(c), [403]);
    sender.send({ action: 'sendmessage', data: 'forbidden' });
    await waitFor(() => handlerErrors(from).length > 0, 30_000, 'a failed invocation');
    expect(handlerErrors(from)).toEqual(['BroadcastForbidden']);
    await waitFor(() => sender.inbox.some((m) => m.message === 'Internal server error'), 30_000, 'the integration error frame');
    expect(cloud.logs.some((l) => l.includes('sendmessage: BroadcastForbidden'))).toBe(true);
  });

  test.each<ThrottleException>(['ProvisionedThroughputExceededException', 'ThrottlingException'])(
    'DynamoDB throttling (%s on a third of the requests) is absorbed by the SDK retries', async (exception) => {
      const sender = rooms.red[2];
      const from = localFunction(cloud, chat.logicalIds.handler).invocations.length;
      const throttledBefore = cloud.dynamo.throttled.length;
      cloud.dynamo.throttle({ fraction: 1 / 3, exception });
      try {
        sender.send({ action: 'sendmessage', data: `throttled ${exception}` });
        await waitFor(() => rooms.red.every((c) => messages(c).some((m) => m.data === `throttled ${exception}`)), 30_000, 'the throttled broadcast');
      } finally {
        cloud.dynamo.throttle(undefined);
      }
      const throttled = cloud.dynamo.throttled.slice(throttledBefore);
      expect(throttled.length).toBeGreaterThanOrEqual(1);
      expect(throttled.every((t) => t.endsWith(` ${exception}`) && t.includes('ChatHandler'))).toBe(true);
      expect(handlerErrors(from)).toEqual([]);
    });

  test('AWS rule: DynamoDB answers throttling with HTTP 400 and the exception, which the SDK retries', async () => {
    // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ProvisionedThroughputExceededException.html:
    // "The AWS SDKs for DynamoDB automatically retry requests that receive this exception"; ThrottlingException is
    // a throttling error to the SDK's retry strategy too (@smithy THROTTLING_ERROR_CODES).
    const credential = [...cloud.credentials.values()].find((c) => c.owner.endsWith(`/${chat.logicalIds.handler}`))!;
    const client = (maxAttempts: number) =>
      new DynamoDBClient({ endpoint: cloud.dynamo.endpoint, region: cloud.region, credentials: credential, maxAttempts });
    const get = new GetItemCommand({ TableName: connectionTable(cloud), Key: { connectionId: { S: 'nobody' } } });
    for (const exception of ['ProvisionedThroughputExceededException', 'ThrottlingException'] as const) {
      try {
        // One request in two refused, the first one: without retries the exception surfaces...
        cloud.dynamo.throttle({ fraction: 1 / 2, exception });
        const error = await client(1).send(get).then(() => undefined, (e) => e);
        expect(error).toMatchObject({ name: exception, $metadata: { httpStatusCode: 400 } });
        // ...with the SDK's default retries the second attempt succeeds.
        cloud.dynamo.throttle({ fraction: 1 / 2, exception });
        const retried = await client(3).send(get);
        expect(retried.$metadata.attempts).toBe(2);
      } finally {
        cloud.dynamo.throttle(undefined);
      }
    }
  });

  test('malformed and oversized messages get an error reply, and nothing else happens', async () => {
    const sender = rooms.red[3];
    const before = rooms.red.map((c) => messages(c).length);
    // Within API Gateway's 128 KB, but over PostToConnection's 131,072 bytes once wrapped with room and sender.
    const filler = 'x'.repeat(MAX_MESSAGE_BYTES - JSON.stringify({ action: 'sendmessage', data: '' }).length);
    expect(Buffer.byteLength(JSON.stringify({ action: 'sendmessage', data: filler }))).toBe(MAX_MESSAGE_BYTES);
    expect(Buffer.byteLength(JSON.stringify({ type: 'message', room: 'red', from: subs.get(sender), data: filler }))).toBeGreaterThan(MAX_POST_BYTES);
    sender.send('{"action":"sendmessage","data":');
    sender.send({ action: 'sendmessage', data: filler });
    sender.send('{"action":"sendmessage","data":"x","__proto__":{"admin":true}}');
    sender.send('{"action":"sendmessage","data":"x","constructor":{}}');
    await waitFor(() => errors(sender).length >= 4, 30_000, 'four error replies');
    await settle();
    expect(errors(sender).map((m) => m.code).sort()).toEqual(['ForbiddenKey', 'ForbiddenKey', 'InvalidJson', 'MessageTooLarge']);
    expect(rooms.red.map((c) => messages(c).length)).toEqual(before);
  });

  test('a flooding connection is rate limited: 20 messages per window reach its room, the other 10 are refused', async () => {
    const [flooder, ...room] = rooms.blue.slice(8, 12);
    const before = room.map((c) => messages(c).length);
    for (let i = 0; i < 30; i++) flooder.send({ action: 'sendmessage', data: `flood ${i}` });
    await waitFor(() => errors(flooder).filter((m) => m.code === 'RateLimited').length === 10, 30_000, 'ten RateLimited replies');
    await waitFor(() => room.every((c, i) => messages(c).length === before[i] + 20), 30_000, 'twenty messages each');
    await settle();
    expect(room.map((c, i) => messages(c).length - before[i])).toEqual([20, 20, 20]);
    expect(errors(flooder).map((m) => m.code)).toEqual(Array(10).fill('RateLimited'));
  }, 60_000);

  test('the stage\'s route throttle of leaveroom (1 per second, burst 1) answers "Too Many Requests"', async () => {
    const c = rooms.blue[0];
    c.send({ action: 'leaveroom' });
    c.send({ action: 'leaveroom' });
    await waitFor(() => c.inbox.some((m) => m.message === 'Too Many Requests'), 30_000, 'a throttled frame');
  });

  test('unknown actions get the help from $default; a close removes the connection; over 128 KB closes with 1009', async () => {
    const [leaving, oversized] = rooms.blue.slice(1, 3);
    leaving.send({ action: 'dance' });
    await waitFor(() => leaving.inbox.some((m) => m.type === 'help'));
    expect(leaving.inbox.find((m) => m.type === 'help').actions).toHaveProperty('sendmessage');
    const leavingId = idOf(leaving);
    leaving.ws.close();
    expect(await connectionRemoved(cloud, leavingId)).toBe(true);
    const oversizedId = idOf(oversized);
    oversized.send({ action: 'sendmessage', data: 'x'.repeat(130 * 1024) });
    expect(await oversized.closed).toBe(1009);
    expect(await connectionRemoved(cloud, oversizedId)).toBe(true);
  });
});
