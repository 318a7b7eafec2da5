/**
 * End to end on the synthesized assembly, with the token in a header (`ChatTokenSource.header()`) and a per-user
 * connection cap of 3: the local front takes the `$connect` authorizer's one identity source
 * (`route.request.header.Authorization`) from the template, and the bundled JWT authorizer reads the header only,
 * as the construct renders its environment. Real `ws` clients, the connection table the template defines.
 */
import { ChatAssembly, chatJwt, indexCount, synthesizeChat } from './support/chat-assembly';
import { ChatTokenSource } from '../../src';
import { CHAT_DEFAULTS } from '../../src/runtime/chat/contract';
import { LocalIssuer, startLocalIssuer } from '../support/local/issuer';
import { LocalCloud, startLocalCloud } from '../support/local/local-cloud';
import { WebSocketFront } from '../support/local/websocket-front';
import { ChatClient, connectClient, waitFor } from '../support/local/ws-client';

let issuer: LocalIssuer;
let chat: ChatAssembly;
let cloud: LocalCloud;
let front: WebSocketFront;

const bearer = (sub: string) => ({ Authorization: `Bearer ${issuer.token(sub, { aud: 'chat' })}` });

beforeAll(async () => {
  issuer = await startLocalIssuer();
  chat = synthesizeChat('ChatHeaderE2E', {
    authorization: chatJwt(issuer),
    tokenSource: ChatTokenSource.header(),
    limits: { connectionsPerUser: 3 },
  });
  cloud = await startLocalCloud(chat.dir, { extraCaCerts: issuer.certFile });
  front = cloud.webSockets[0];
}, 120_000);

afterAll(async () => {
  await cloud?.close();
  await issuer?.close();
});

test('the $connect authorizer\'s one identity source is the Authorization header, as synthesized', () => {
  expect(front.model.routes.get('$connect')?.authorizer?.identitySources).toEqual(['route.request.header.Authorization']);
});

test('clients sending `Authorization: Bearer <jwt>` connect, join and chat', async () => {
  const alice = await connectClient(front.url(), bearer('alice'));
  const bob = await connectClient(front.url(), bearer('bob'));
  for (const c of [alice, bob]) c.send({ action: 'joinroom', room: 'general' });
  await waitFor(() => [alice, bob].every((c) => c.inbox.some((m) => m.type === 'joined')), 30_000, 'joined replies');
  alice.send({ action: 'sendmessage', data: 'over a header' });
  await waitFor(() => bob.inbox.some((m) => m.type === 'message'), 30_000, 'bob\'s message');
  expect(bob.inbox.find((m) => m.type === 'message')).toEqual({ type: 'message', room: 'general', from: 'alice', data: 'over a header' });
  for (const c of [alice, bob]) c.ws.close();
});

test('API Gateway rule: a token in the query string is refused with 401 before the authorizer (its identity source is the header)', async () => {
  // https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html (identitySource):
  // a missing identity source is 401 without calling the authorizer.
  const before = front.authorizerInvocations;
  await expect(connectClient(`${front.url()}?token=${issuer.token('carol', { aud: 'chat' })}`)).rejects.toThrow('HTTP 401');
  await expect(connectClient(front.url(), { Authorization: '' })).rejects.toThrow('HTTP 401');
  expect(front.authorizerInvocations).toBe(before);
  // A header that is present reaches the bundled authorizer, which refuses what is not a valid token.
  await expect(connectClient(front.url(), { Authorization: 'Bearer not-a-jwt' })).rejects.toThrow('HTTP 401');
  expect(front.authorizerInvocations).toBe(before + 1);
});

test('a user past connectionsPerUser (3) is refused with 429 at $connect; others still connect; a close frees a slot', async () => {
  const open: ChatClient[] = [];
  for (let i = 0; i < 3; i++) open.push(await connectClient(front.url(), bearer('dave')));
  await expect(connectClient(front.url(), bearer('dave'))).rejects.toThrow('HTTP 429');
  expect(cloud.logs.some((l) => l.includes('$connect integration answered 429'))).toBe(true);
  const erin = await connectClient(front.url(), bearer('erin'));
  open[0].ws.close();
  // $disconnect removes the item: once the user index counts 2, dave may connect again.
  let count = 3;
  for (let i = 0; i < 250 && count > 2; i++) {
    count = await indexCount(cloud, CHAT_DEFAULTS.userIndex, 'userId', 'dave');
    if (count > 2) await new Promise((r) => setTimeout(r, 20));
  }
  expect(count).toBe(2);
  const again = await connectClient(front.url(), bearer('dave'));
  for (const c of [...open, erin, again]) c.ws.close();
});
