/**
 * The chat end-to-end tests take their wiring only from the assembly: change the construct through an escape
 * hatch before synth (the `$connect` identity source, the message handler's CALLBACK_URL) and the same kind of
 * end-to-end case fails against the mutated assembly, because the local fronts read routes, authorizers and
 * environments from the templates and nothing else. The unmutated cases pass in assembly-chat.test.ts.
 */
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { chatJwt, synthesizeChat } from './support/chat-assembly';
import { WebSocketChatApi } from '../../src';
import { LocalIssuer, startLocalIssuer } from '../support/local/issuer';
import { LocalCloud, startLocalCloud } from '../support/local/local-cloud';
import { connectClient, waitFor } from '../support/local/ws-client';

let issuer: LocalIssuer;

beforeAll(async () => {
  issuer = await startLocalIssuer();
}, 60_000);

afterAll(async () => {
  await issuer?.close();
});

/** Serves the chat synthesized after `mutate`, runs `body` on it, and closes it. */
async function withMutatedChat(stack: string, mutate: (chat: WebSocketChatApi) => void, body: (cloud: LocalCloud) => Promise<void>): Promise<void> {
  const { dir } = synthesizeChat(stack, { authorization: chatJwt(issuer) }, mutate);
  const cloud = await startLocalCloud(dir, { extraCaCerts: issuer.certFile });
  try {
    await body(cloud);
  } finally {
    await cloud.close();
  }
}

const queryUrl = (cloud: LocalCloud, sub: string) => `${cloud.webSockets[0].url()}?token=${encodeURIComponent(issuer.token(sub, { aud: 'chat' }))}`;

test('$connect identity source changed to a header: query-string tokens get 401 and the authorizer is never invoked', async () => {
  await withMutatedChat('ChatWiringIdentity', (c) => {
    const authorizer = c.node.findAll().find((x): x is apigwv2.CfnAuthorizer => x instanceof apigwv2.CfnAuthorizer)!;
    authorizer.addPropertyOverride('IdentitySource', ['route.request.header.Authorization']);
  }, async (cloud) => {
    const front = cloud.webSockets[0];
    expect(front.model.routes.get('$connect')?.authorizer?.identitySources).toEqual(['route.request.header.Authorization']);
    await expect(connectClient(queryUrl(cloud, 'someone'))).rejects.toThrow('HTTP 401');
    expect(front.authorizerInvocations).toBe(0);
  });
}, 120_000);

test('CALLBACK_URL dropped from the message handler: joinroom fails instead of replying', async () => {
  await withMutatedChat('ChatWiringCallback', (c) => {
    (c.handler.node.defaultChild as lambda.CfnFunction).addPropertyDeletionOverride('Environment.Variables.CALLBACK_URL');
  }, async (cloud) => {
    const c = await connectClient(queryUrl(cloud, 'someone'));
    c.send({ action: 'joinroom', room: 'general' });
    await waitFor(() => c.inbox.length > 0, 30_000, 'an answer to joinroom');
    expect(c.inbox[0]).toMatchObject({ message: 'Internal server error' });
    expect(c.inbox.some((m) => m.type === 'joined')).toBe(false);
    c.ws.close();
  });
}, 120_000);
