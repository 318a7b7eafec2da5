/**
 * Integration test: WebSocketChatApi delivers a broadcast to every member of a room, and refuses connections
 * without a valid token at `$connect`.
 *
 * Deployed (README "Integration tests": `npx projen integ --deploy websocket-chat-api`), the stack is
 * one WebSocketChatApi whose `$connect` is authorized by the bundled JWT authorizer with a throwaway Cognito pool as
 * issuer and its app client as audience, the token read from the `token` query parameter (the default
 * ChatTokenSource.queryString('token')), and the WebSocket probe (test/integ/probes/ws.ts), allowed to sign throwaway
 * users of that pool in. The probe signs one user in, opens 3 clients with the user's access token, joins them to one
 * room, sends one message from the first, and makes two handshakes that must be refused. Expected, and why:
 * - connected 3: the authorizer verifies a Cognito access token (aws-jwt-verify's CognitoJwtVerifier: signature
 *   from the pool's JWKS, issuer, `token_use` access, and the app client id in `client_id`, since access tokens
 *   carry no `aud`), allows `$connect` with principalId = the token's `sub`, and the connection function answers
 *   2xx, which completes the handshake (a `$connect` integration's non-2xx answer refuses it: the connection
 *   function returns 403/429 to refuse, src/runtime/chat/connection.ts). The 3 connections are one user's: the
 *   per-user cap is 10 by default.
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-route-keys-connect-disconnect.html
 *   https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
 * - joined 3, received 2, senderGotEcho, fromSender: API Gateway selects the route from `$request.body.action`
 *   (`joinroom`, `sendmessage`), and the message function posts the broadcast to every member of the room, the sender
 *   included (it is a member), with PostToConnection (POST `@connections/{connectionId}` on the API's own
 *   `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`, SigV4-signed, allowed by
 *   `execute-api:ManageConnections`), each copy naming the sender's `sub` as `from`.
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 * - unauthenticated 401: a handshake without the `token` query parameter lacks the authorizer's only identity source,
 *   and API Gateway answers 401 without invoking the authorizer (the Authorizer's identitySource: every source must
 *   be present, non-null and non-empty, else 401 without a call; docs/limits.md, README "Security model"; tested on
 *   the local front in test/e2e/assembly-chat.test.ts).
 *   https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html
 * - invalidToken 401: a JWT-shaped token no issuer signed reaches the authorizer, which throws `Unauthorized`. That
 *   a Lambda authorizer's `Unauthorized` error is answered 401 is documented for REST APIs; the WebSocket page says
 *   WebSocket Lambda authorizers are "similar to that for REST APIs" and lists no exception about it, but does not
 *   state the status outright. Not verified without an AWS account: if AWS answered this handshake differently
 *   (403 or 500), `invalidToken` shows the status and the assertion fails, which is itself the finding.
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
 * - errors []: no client timed out, closed early or received an error frame.
 * The first handshake is retried (every 2 s, up to 30 s) in case a freshly deployed API's hostname or its first
 * authorizer invocation is not ready yet (not documented; the test stack is deployed before the assertion stack, so
 * it is normally ready).
 *
 * Timing: the assertion provider's Lambda function has a 2-minute timeout and invokes the probe synchronously. The
 * probe's bounded phases: 30 s of retries plus one 10 s attempt for the first client, 10 s each to open the others,
 * to join, for the broadcast, and for the two refused handshakes (in parallel), plus the sign-in: 85 s at worst, so
 * the probe may run 100 s. A healthy run takes a few seconds.
 *
 * Cost and duration (estimated from list prices, not measured): deploy, assertions and destroy take about 10
 * minutes (the KMS key, the DynamoDB table with its two indexes and the Cognito pool are the slowest), and one run
 * costs well under US$0.02: the KMS key ($1 a month), the alarms and the dashboard, billed by the hour, plus a few
 * WebSocket messages and connection minutes, Lambda invocations, DynamoDB and SQS requests, log lines and Cognito
 * calls (free tier or fractions of a cent). Kept small: no VPC, no NAT, no custom domain; the connection table, the
 * key and the log groups are destroyed with the stack (integTest), the queues are deleted by default. Left behind on
 * purpose, one per run: the account's API Gateway CloudWatch role and its policy (retained, as by default: the
 * account setting keeps pointing at the role; IAM roles cost nothing). Access and execution logs, the fan-out queue,
 * alarms and the dashboard stay on, as by default.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { expectProbe, grantSignIn, integApp, integTest, IntegUserPool, probeFunction, signInWith } from './support/integ';
import { ApiAuthorization, WebSocketChatApi } from '../../src';

const app = integApp();
const stack = new Stack(app, 'IntegWebSocketChatApi');
const users = new IntegUserPool(stack, 'Users');

const chat = new WebSocketChatApi(stack, 'Chat', {
  authorization: ApiAuthorization.jwt({ issuer: users.issuer, audience: [users.client.userPoolClientId] }),
  stageName: 'integ',
});

// 85 s of bounded phases at worst (above), within the assertion provider's 2 minutes.
const probe = probeFunction(stack, 'Probe', 'ws', { timeout: Duration.seconds(100) });
grantSignIn(probe, users);

const integ = integTest(app, 'WebSocketChatApiInteg', [stack]);
expectProbe(integ, probe, {
  url: chat.url,
  signIn: signInWith(users),
  clients: 3,
  timeoutMs: 10_000,
  retrySeconds: 30,
}, {
  clients: 3,
  connected: 3,
  joined: 3,
  received: 2,
  senderGotEcho: true,
  fromSender: true,
  unauthenticated: 401,
  invalidToken: 401,
  errors: [],
});

app.synth();
