/**
 * End to end, driven by the synthesized assembly: `WebSocketChatApi` (JWT on `$connect`) is synthesized, and the
 * local cloud stands up exactly what the templates say (routes, the `$connect` authorizer and its identity
 * sources, the bundled functions from their code assets with their rendered environment, the DynamoDB table,
 * the stage's route throttles, IAM grants and Lambda permissions). Real `ws` clients then connect with tokens from
 * a local HTTPS issuer, join rooms and broadcast. Nothing here tells the front how the construct is wired.
 */
import { Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiAuthorization, WebSocketChatApi } from '../../src';
import { LocalIssuer, startLocalIssuer } from '../support/local/issuer';
import { LocalCloud, startLocalCloud } from '../support/local/local-cloud';
import { synthesize } from '../support/local/synth';
import { WebSocketFront } from '../support/local/websocket-front';
import { ChatClient, connectClient, waitFor } from '../support/local/ws-client';

let issuer: LocalIssuer;
let cloud: LocalCloud;
let front: WebSocketFront;

/** The chat app; `mutate` changes the construct through its escape hatches before synth. */
function chatAssembly(mutate: (chat: WebSocketChatApi) => void = () => undefined): string {
  return synthesize((app) => {
    const chat = new WebSocketChatApi(new Stack(app, 'ChatE2E'), 'Chat', {
      authorization: ApiAuthorization.jwt({ issuer: issuer.issuer, audience: ['chat'], jwksUri: issuer.jwksUri }),
      routeThrottles: { leaveroom: { rateLimit: 1, burstLimit: 1 } },
    });
    mutate(chat);
  });
}

const token = (sub: string) => issuer.token(sub, { aud: 'chat' });
const connect = (sub: string | undefined, f: WebSocketFront = front) => connectClient(sub === undefined ? f.url() : `${f.url()}?token=${encodeURIComponent(token(sub))}`);
const messages = (c: ChatClient) => c.inbox.filter((m) => m.type === 'message');
const connectionOf = (sub: string, f: WebSocketFront = front) => [...f.connections.values()].find((c) => c.authorizer?.principalId === sub)!.id;

beforeAll(async () => {
  issuer = await startLocalIssuer();
  cloud = await startLocalCloud(chatAssembly(), { extraCaCerts: issuer.certFile });
  front = cloud.webSockets[0];
}, 120_000);

afterAll(async () => {
  await cloud?.close();
  await issuer?.close();
});

describe('the chat assembly, served locally', () => {
  const rooms: Record<'red' | 'blue', ChatClient[]> = { red: [], blue: [] };
  const subs = new Map<ChatClient, string>();

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
    await expect(connectClient(`${front.url()}?token=not-a-jwt`)).rejects.toThrow('HTTP 401');
    await expect(connectClient(`${front.url()}?token=${issuer.token('x', { aud: 'someone-else' })}`)).rejects.toThrow('HTTP 401');
    await expect(connectClient(`${front.url()}?token=${issuer.token('x', { aud: 'chat' }, -60)}`)).rejects.toThrow('HTTP 401');
    expect(front.authorizerInvocations).toBe(before + 3);
  });

  test('clients with valid tokens connect, join two rooms, and receive exactly their room\'s messages with the sender', async () => {
    const joined = await Promise.all(Array.from({ length: 12 }, (_, i) => connect(`user-${i}`)));
    joined.forEach((c, i) => subs.set(c, `user-${i}`));
    joined.forEach((c, i) => rooms[i % 2 ? 'blue' : 'red'].push(c));
    for (const [room, list] of Object.entries(rooms)) for (const c of list) c.send({ action: 'joinroom', room });
    await waitFor(() => joined.every((c) => c.inbox.some((m) => m.type === 'joined')), 15_000, 'joined replies');
    for (const list of Object.values(rooms)) list.slice(0, 2).forEach((c, i) => c.send({ action: 'sendmessage', data: `hello ${i}` }));
    await waitFor(() => joined.every((c) => messages(c).length === 2), 15_000, 'two messages each');
    await new Promise((r) => setTimeout(r, 200)); // nothing more arrives
    for (const [room, list] of Object.entries(rooms)) {
      for (const c of list) {
        expect(messages(c).map((m) => m.data).sort()).toEqual(['hello 0', 'hello 1']);
        expect(messages(c).every((m) => m.room === room && /^user-\d+$/.test(m.from))).toBe(true);
      }
    }
    // Every post went through the @connections front, SigV4-signed by a role that may post.
    expect(front.posts.length).toBeGreaterThan(0);
    expect(front.posts.every((p) => p.status === 200)).toBe(true);
    expect(cloud.logs.filter((l) => /@connections|IAM|Invalid permissions/.test(l))).toEqual([]);
  });

  test('a connection lost without $disconnect answers 410 and is not posted to again', async () => {
    rooms.red.pop(); // user-10: the red room holds the even users
    const id = connectionOf('user-10');
    front.kill(id);
    rooms.red[0].send({ action: 'sendmessage', data: 'after kill' });
    await waitFor(() => front.posts.some((p) => p.connectionId === id && p.status === 410), 10_000, 'a 410');
    await waitFor(() => rooms.red.every((c) => messages(c).some((m) => m.data === 'after kill')));
    const posts = front.posts.length;
    rooms.red[1].send({ action: 'sendmessage', data: 'second after kill' });
    await waitFor(() => rooms.red.every((c) => messages(c).some((m) => m.data === 'second after kill')));
    expect(front.posts.slice(posts).some((p) => p.connectionId === id)).toBe(false);
  });

  test('429 and 5xx answers of @connections are retried by the handler; malformed messages get an error reply', async () => {
    const [a, b, sender] = rooms.blue.slice(2, 5);
    const idOf = (c: ChatClient) => connectionOf(subs.get(c)!);
    front.faults.set(idOf(a), [429, 429]);
    front.faults.set(idOf(b), [500]);
    sender.send({ action: 'sendmessage', data: 'retry me' });
    await waitFor(() => [a, b].every((c) => messages(c).some((m) => m.data === 'retry me')), 10_000, 'retried posts');
    expect(front.posts.filter((p) => p.connectionId === idOf(a) && p.status === 429)).toHaveLength(2);
    sender.send('{"action":"sendmessage","data":');
    await waitFor(() => sender.inbox.some((m) => m.type === 'error'), 5000, 'an error reply');
  });

  test('the stage\'s route throttle of leaveroom (1 per second, burst 1) answers "Too Many Requests"', async () => {
    const c = rooms.blue[0];
    c.send({ action: 'leaveroom' });
    c.send({ action: 'leaveroom' });
    await waitFor(() => c.inbox.some((m) => m.message === 'Too Many Requests'), 5000, 'a throttled frame');
  });

  test('a message over 128 KB closes the connection with 1009; unknown actions get the help from $default', async () => {
    const c = rooms.blue[1];
    c.send({ action: 'dance' });
    await waitFor(() => c.inbox.some((m) => m.type === 'help'));
    c.send({ action: 'sendmessage', data: 'x'.repeat(130 * 1024) });
    expect(await c.closed).toBe(1009);
  });
});

describe('the wiring comes only from the assembly (mutations of the construct make the end-to-end test fail)', () => {
  test('$connect identity source changed to a header: query-string tokens get 401 and the authorizer is never invoked', async () => {
    const mutated = await startLocalCloud(
      chatAssembly((chat) => {
        const authorizer = chat.node.findAll().find((c): c is apigwv2.CfnAuthorizer => c instanceof apigwv2.CfnAuthorizer)!;
        authorizer.addPropertyOverride('IdentitySource', ['route.request.header.Authorization']);
      }),
      { extraCaCerts: issuer.certFile },
    );
    try {
      const f = mutated.webSockets[0];
      await expect(connect('someone', f)).rejects.toThrow('HTTP 401');
      expect(f.authorizerInvocations).toBe(0);
    } finally {
      await mutated.close();
    }
  }, 120_000);

  test('CALLBACK_URL dropped from the message handler: joinroom fails instead of replying', async () => {
    const mutated = await startLocalCloud(
      chatAssembly((chat) => {
        (chat.handler.node.defaultChild as lambda.CfnFunction).addPropertyDeletionOverride('Environment.Variables.CALLBACK_URL');
      }),
      { extraCaCerts: issuer.certFile },
    );
    try {
      const f = mutated.webSockets[0];
      const c = await connect('someone', f);
      c.send({ action: 'joinroom', room: 'general' });
      await waitFor(() => c.inbox.length > 0);
      expect(c.inbox[0]).toMatchObject({ message: 'Internal server error' });
      expect(c.inbox.some((m) => m.type === 'joined')).toBe(false);
      c.ws.close();
    } finally {
      await mutated.close();
    }
  }, 120_000);
});
