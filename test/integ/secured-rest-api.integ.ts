/**
 * Integration test: SecuredRestApi answers 200, 401 and 403 by authorization.
 *
 * Deployed (README "Integration tests": `npx projen integ --deploy secured-rest-api`), the probe
 * signs a throwaway Cognito user in and calls the stage:
 * - the bundled JWT authorizer (the API's default, Cognito issuer): 200 with the user's access token; 401 without a
 *   token (API Gateway refuses a request whose identity source is missing before calling the authorizer) and with a
 *   token that does not verify (the authorizer's "Unauthorized"); 403 with a valid token that lacks the route's scope
 *   (the authorizer's explicit Deny);
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
 * - a Cognito user pool authorizer with the access token's scope (`aws.cognito.signin.user.admin`): 200, and 401
 *   without a token;
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html
 * - an IAM route: 200 signed (SigV4) by the probe, whose role `grantInvoke` allowed that route; 403 unsigned
 *   ("Missing Authentication Token");
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
 * The WAF web ACL and the cache are on, as by default; the probe sends a User-Agent (the common rule set blocks
 * requests without one).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { expectProbe, grantSignIn, integApp, integTest, IntegUserPool, probeFunction, signInWith } from './support/integ';
import { ApiAuthorization, SecuredRestApi } from '../../src';

const app = integApp();
const stack = new Stack(app, 'IntegSecuredRestApi');
const users = new IntegUserPool(stack, 'Users');

const api = new SecuredRestApi(stack, 'Api', {
  authorization: ApiAuthorization.jwt({ issuer: users.issuer, audience: [users.client.userPoolClientId] }),
  stage: { stageName: 'integ' },
});
const backend = new apigateway.LambdaIntegration(probeFunction(stack, 'Backend', 'backend'));
api.addRoute('GET', '/hello', backend);
api.addRoute('GET', '/admin', backend, { scopes: ['orders/admin'] });
api.addRoute('GET', '/cognito', backend, {
  authorization: ApiAuthorization.cognito(users.userPool, { scopes: ['aws.cognito.signin.user.admin'] }),
});
api.addRoute('GET', '/signed', backend, { authorization: ApiAuthorization.iam() });

// The assertion provider waits at most 2 minutes for an invocation: the retry windows (45 s + 20 s) and the other
// requests (3 s at most each) stay within it.
const probe = probeFunction(stack, 'Probe', 'http', { timeout: Duration.seconds(115) });
grantSignIn(probe, users);
api.grantInvoke(probe, { method: 'GET', path: '/signed' });

const integ = integTest(app, 'SecuredRestApiInteg', [stack]);
const url = (path: string) => `${api.stage.urlForPath(path)}`;
expectProbe(integ, probe, {
  signIn: signInWith(users),
  timeoutMs: 3000,
  requests: [
    { url: url('/hello'), token: 'user', expectStatus: 200, retrySeconds: 45 },
    { url: url('/hello'), token: 'none' },
    { url: url('/hello'), token: 'invalid' },
    { url: url('/admin'), token: 'user' },
    { url: url('/cognito'), token: 'user' },
    { url: url('/cognito'), token: 'none' },
    { url: url('/signed'), sign: true, expectStatus: 200, retrySeconds: 20 },
    { url: url('/signed'), token: 'none' },
  ],
}, { statuses: [200, 401, 401, 403, 200, 401, 200, 403] });

app.synth();
