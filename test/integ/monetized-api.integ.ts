/**
 * Integration test: MonetizedApi answers 429 once a tier's quota is used up.
 *
 * Deployed (README "Integration tests": `npx projen integ --deploy monetized-api`), the stack is one
 * MonetizedApi with one tier `trial` (quota 2 requests per DAY, throttle 10 rps / burst 20), one static customer on
 * it (`integ`: API Gateway generates its key; `api.customerApiKeyId('integ')` names it and the probe reads its value
 * with GetApiKey), and one route `GET /hello` to the backend probe. Authorization is the bundled JWT authorizer with
 * a throwaway Cognito pool as issuer (MonetizedApi requires an authorization: an API key is not one). The key source
 * is the default HEADER (`x-api-key`). The probe signs a throwaway user in and sends, in order, with the user's token:
 * 1. no API key: 403. AWS: with API keys required, "API Gateway reads the key and compares it against the keys in
 *    the usage plan. If there is a match, API Gateway throttles the requests according to the plan's request limit
 *    and quota. Otherwise, it throws an InvalidKeyParameter exception. As a result, the caller receives a 403
 *    Forbidden response"; with HEADER the key is read from `X-API-Key` (gateway response API_KEY, default status
 *    403). The token is valid, so the answer is 403 whether API Gateway checks the key before or after calling the
 *    authorizer (the documentation does not state that order). Repeated until 403 for up to 10 s, only in case a
 *    cold authorizer or backend makes the first call time out.
 *    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html
 *    https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 * 2. the key, until 200 (up to 45 s; the key was created with the test stack, before the assertion stack was
 *    deployed): a new key's membership of its plan may take a few seconds to reach every API Gateway host (eventual
 *    consistency, not documented as far as we found, hence the retry); until it does, the key matches no key of the
 *    plan and API Gateway answers 403 as in 1. By the same documented rule those refusals are not counted against
 *    the quota: only a request whose key matches is throttled "according to the plan's request limit and quota".
 *    The first 200 is request 1 of 2.
 * 3. the key again, until 200 (up to 10 s, in case one of API Gateway's hosts has not seen the key yet): request 2
 *    of 2, the quota's last.
 * 4. the key again, until 429 (up to 20 s), whose body's `message` is "Limit Exceeded" (gateway response
 *    QUOTA_EXCEEDED, default status 429; the library's DEFAULT_4XX template writes `$context.error.messageString` as
 *    `message`). AWS: "Usage plan throttling and quotas are not hard limits, and are applied on a best-effort basis.
 *    In some cases, clients can exceed the quotas that you set." So the over-quota request is repeated (every 2 s)
 *    until refused: a few extra 200s first (an overshoot) do not fail the test; quotas never enforced within 20 s
 *    do. The message tells the quota apart from throttling ("Too Many Requests", THROTTLED, also 429): the probe's
 *    sequential requests (at most a few per second, one every 2 s while retrying) stay far below the tier's 10 rps /
 *    burst 20, the stage's 1,000 / 2,000 and the account's 10,000 rps, so nothing here should be throttled.
 *    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
 *    https://repost.aws/knowledge-center/api-gateway-429-limit
 *    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
 * Not known without deploying (no AWS account here): the documentation implies, but does not say outright, that a
 * refused request (the 403s of 1 and 2) is never counted against a key's quota. If one were, step 3 would answer 429
 * and the test fail there, which is itself the finding.
 * A DAY quota resets at 00:00 UTC: a run across midnight still passes (step 4 retries until 429). Each run creates a
 * fresh key, so its counter starts at zero; `--keep` and a second run against the same stack would fail step 2.
 *
 * Timing: the assertion provider's Lambda function has a 2-minute timeout and invokes the probe synchronously, so
 * the probe's retry windows add up to 85 s (10 + 45 + 10 + 20); with each request waiting 2 s at most (`timeoutMs`),
 * its last attempt after each window and the 2 s pauses, the requests take 109 s at worst (`worstCaseMs`, checked in
 * test/integ/snapshots.test.ts), plus the sign-in, and the probe may run 115 s.
 *
 * Cost and duration (estimated from list prices, not measured): deploy, assertions and destroy take about 15
 * minutes (the WAF web ACL, its association and the KMS keys are the slowest), and one run costs well under
 * US$0.05: the web ACL and its rules, two KMS keys, one secret and the alarms, all billed by the hour, plus a few
 * Lambda invocations, log lines and Cognito calls (free tier). Kept small: no VPC, no NAT, no cache; the admin routes
 * (their customer table is retained and deletion-protected) and the usage export (retained buckets) are off, since
 * this test needs neither; the log groups and the library's KMS keys (retained by default) are destroyed with the
 * stack (the KMS keys are scheduled for deletion). Left behind on purpose, one per run: the account's API Gateway
 * CloudWatch role and its policy (retained, as by default: the account setting keeps pointing at the role; IAM roles
 * cost nothing). The WAF web ACL, access and execution logs, alarms and tracing stay on, as by default.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { expectProbe, grantReadApiKey, grantSignIn, integApp, integTest, IntegUserPool, probeFunction, signInWith } from './support/integ';
import { ApiAuthorization, MonetizedApi } from '../../src';

const app = integApp();
const stack = new Stack(app, 'IntegMonetizedApi');
const users = new IntegUserPool(stack, 'Users');

const api = new MonetizedApi(stack, 'Api', {
  authorization: ApiAuthorization.jwt({ issuer: users.issuer, audience: [users.client.userPoolClientId] }),
  stage: { stageName: 'integ' },
  tiers: [{
    name: 'trial',
    throttle: { rateLimit: 10, burstLimit: 20 },
    quota: { limit: 2, period: apigateway.Period.DAY },
  }],
  customers: [{ id: 'integ', tier: 'trial' }],
  onboarding: { enabled: false },
  usageReports: { enabled: false },
  observability: { logRemovalPolicy: RemovalPolicy.DESTROY },
});
api.addRoute('GET', '/hello', new apigateway.LambdaIntegration(probeFunction(stack, 'Backend', 'backend')));

const probe = probeFunction(stack, 'Probe', 'http', { timeout: Duration.seconds(115) });
grantSignIn(probe, users);
grantReadApiKey(probe, api.customerApiKeyId('integ'));

const integ = integTest(app, 'MonetizedApiInteg', [stack]);
const url = api.stage.urlForPath('/hello');
expectProbe(integ, probe, {
  signIn: signInWith(users),
  apiKeyId: api.customerApiKeyId('integ'),
  timeoutMs: 2000,
  requests: [
    { url, token: 'user', expectStatus: 403, retrySeconds: 10 },
    { url, token: 'user', apiKey: true, expectStatus: 200, retrySeconds: 45 },
    { url, token: 'user', apiKey: true, expectStatus: 200, retrySeconds: 10 },
    { url, token: 'user', apiKey: true, expectStatus: 429, retrySeconds: 20, servedBy: 'message' },
  ],
}, { statuses: [403, 200, 200, 429], served: [[], [], [], ['Limit Exceeded']] });

app.synth();
