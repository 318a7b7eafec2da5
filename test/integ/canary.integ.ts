/**
 * Integration test: a canary release on a SecuredRestApi stage takes its share of the traffic, its own metrics are
 * published, and its automatic rollback shifts the traffic back to the base when the canary fails.
 *
 * The stage `integ` routes GET /which through `LambdaAliasIntegration` (stage variable `lambdaAlias`: `live`) and
 * its canary (50 %) overrides the variable to `canary`: a backend canary, one deployment, no pin needed (README
 * "A canary release, step by step", step 2). The backend answers with the alias that served it. In order:
 * 1. 60 signed requests: both `live` and `canary` answer (API Gateway sends `percentTraffic` of the stage's requests
 *    to the canary, chosen per request at random; P(60 requests all on one side) = 2 x 0.5^60).
 *    https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html
 * 2. 60 requests with `?fail=canary`: the canary answers 500, the base 200 (the backend fails on purpose).
 * 3. Waits (up to 12 minutes) until 20 requests in a row are all served by `live`: the canary's 5XX rate (from the
 *    metric filters on its own access-log group, period 60 s) crossed the threshold, its alarm went to ALARM, the
 *    EventBridge rule ran the rollback function, which set `/canarySettings/percentTraffic` to 0 (docs/canary.md).
 *    CloudWatch evaluates an alarm once its period's data point is in, and metric filters publish with a delay of
 *    up to minutes: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
 * 4. The canary's Latency metric exists in the canary namespace (ListMetrics, waited for: new metrics can take up to
 *    15 minutes to be listed), which settles what docs/canary.md could not know without deploying: whether a
 *    metric filter publishes `$.responseLatency`, a numeric string in our access-log format.
 *    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html
 *
 * Cost of one run: a few cents (Lambda, API Gateway requests, two alarms for the hour, log ingestion); takes about
 * 10-20 minutes, most of it waiting for the alarm and the metric listing.
 */
import { ExpectedResult, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { expectProbe, integApp, integTest, probeFunction } from './support/integ';
import { ApiAuthorization, LambdaAliasIntegration, SecuredRestApi } from '../../src';
import { canaryMetricNamespace } from '../../src/runtime/canary/metric-filters';

const app = integApp();
const stack = new Stack(app, 'IntegCanary');

const backend = probeFunction(stack, 'Backend', 'backend');
const version = backend.currentVersion;
const live = new lambda.Alias(stack, 'Live', { aliasName: 'live', version });
const canary = new lambda.Alias(stack, 'Canary', { aliasName: 'canary', version });

const api = new SecuredRestApi(stack, 'Api', {
  authorization: ApiAuthorization.iam(),
  stage: {
    stageName: 'integ',
    variables: { lambdaAlias: 'live' },
    canary: {
      percentTraffic: 50,
      stageVariableOverrides: { lambdaAlias: 'canary' },
      autoRollback: { serverErrorRatePercent: 20, minimumRequests: 5 },
    },
  },
});
api.addRoute('GET', '/which', new LambdaAliasIntegration({ handler: backend, aliases: [live, canary] }));

// The assertion provider waits at most 2 minutes for an invocation: 30 s of retries, then 60 requests of about
// 0.1 s (1 s at most: both aliases name one version, whose execution environment the retries warmed), 93 s at worst
// (`worstCaseMs`, checked in test/integ/snapshots.test.ts).
const probe = probeFunction(stack, 'Probe', 'http', { timeout: Duration.seconds(115) });
api.grantInvoke(probe, { method: 'GET', path: '/which' });

const integ = integTest(app, 'CanaryInteg', [stack]);
const which = api.stage.urlForPath('/which');
const split = expectProbe(integ, probe, {
  timeoutMs: 1000,
  requests: [{ url: which, sign: true, expectStatus: 200, retrySeconds: 30, repeat: 60, servedBy: 'alias' }],
}, { served: [['canary', 'live']] });
const broken = expectProbe(integ, probe, {
  timeoutMs: 1000,
  requests: [{ url: `${which}?fail=canary`, sign: true, repeat: 60, servedBy: 'alias' }],
}, { served: [['canary', 'live']] });
const rolledBack = expectProbe(integ, probe, {
  timeoutMs: 1000,
  requests: [{ url: which, sign: true, repeat: 20, servedBy: 'alias' }],
}, { statuses: [200], served: [['live']] }, { totalTimeout: Duration.minutes(12), interval: Duration.seconds(30) });
const latency = integ.assertions.awsApiCall('CloudWatch', 'listMetrics', {
  Namespace: canaryMetricNamespace(api.api.restApiId, 'integ'),
  MetricName: 'Latency',
});
latency.expect(ExpectedResult.objectLike({ Metrics: Match.arrayWith([Match.objectLike({ MetricName: 'Latency' })]) }));
latency.waitForAssertions({ totalTimeout: Duration.minutes(15), interval: Duration.seconds(60), backoffRate: 1 });
split.next(broken).next(rolledBack).next(latency);

app.synth();
