/**
 * Tier removal and the refusal alarms.
 *
 * AWS rules relied on:
 * - API Gateway refuses to delete a usage plan that still has API stages ("Cannot delete Usage Plan ... because there
 *   are API Stages associated with it", aws-sdk-js#3841), so each plan's cleanup custom resource must run first;
 *   CloudFormation deletes a resource before the resources it depends on (Ref or DependsOn), the reverse of creation
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html), so the cleanup
 *   depends on its plan, and on its function's role, which must still exist when the cleanup runs.
 * - Throttled and quota-exceeded requests are both answered 429; the gateway responses' default messages tell them
 *   apart ("Too Many Requests" for THROTTLED, "Limit Exceeded" for QUOTA_EXCEEDED:
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html), and API
 *   Gateway publishes no metric for either, so metric filters on the access log count them.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { addPetRoutes, dependenciesOf, monetized, planOf, resourcesOf } from './support';
import { REST_ACCESS_LOG_FIELDS, renderJsonAccessLogFormat } from '../../src/core/private/access-log-format';
import { QUOTA_EXCEEDED, TOO_MANY_REQUESTS } from '../../src/monetized-api/alarms';

const build = () => {
  const { stack, api } = monetized({ customers: [{ id: 'acme', tier: 'pro' }] });
  addPetRoutes(api);
  api.addStage('Beta', { stageName: 'beta' });
  return { api, t: Template.fromStack(stack) };
};

describe('a removed tier leaves no orphan', () => {
  const { t } = build();
  const template = t.toJSON();
  const cleanups = resourcesOf(t, 'Custom::UsagePlanCleanup');

  test('one cleanup per tier, on its plan, leaving the plan\'s deletion to CloudFormation', () => {
    const plans = ['free', 'basic', 'pro'].map((tier) => planOf(t, tier)[0]);
    expect(cleanups.map(([, c]) => c.Properties.UsagePlanId.Ref).sort()).toEqual(plans.sort());
    for (const [, c] of cleanups) expect(c.Properties.DeletePlan).toBe('false');
  });

  test('each cleanup depends on its plan and on its function\'s role, so it runs before the plan is deleted', () => {
    const [roleId] = resourcesOf(t, 'AWS::IAM::Role').find(([id]) => id.startsWith('ApiTierCleanupFunctionRole'))!;
    for (const [id, c] of cleanups) {
      const deps = dependenciesOf(template, id);
      expect(deps).toContain(c.Properties.UsagePlanId.Ref);
      expect(deps).toContain(roleId);
    }
  });

  test('a plan depends on every stage it lists and on no cleanup (its stages go before it, the cleanup after)', () => {
    const stages = resourcesOf(t, 'AWS::ApiGateway::Stage').map(([id]) => id);
    const [planId] = planOf(t, 'pro');
    const deps = dependenciesOf(template, planId);
    for (const s of stages) expect(deps).toContain(s);
    for (const [id] of cleanups) expect(deps).not.toContain(id);
  });

  test('a static customer\'s usage-plan key depends on its plan (deleted first)', () => {
    const [keyId, key] = resourcesOf(t, 'AWS::ApiGateway::UsagePlanKey')[0];
    expect(dependenciesOf(template, keyId)).toContain(key.Properties.UsagePlanId.Ref);
  });
});

describe('alarms on refused requests, per stage', () => {
  const { t, api } = build();

  test('two metric filters per stage on that stage\'s access log', () => {
    const filters = resourcesOf(t, 'AWS::Logs::MetricFilter').filter(([, f]) => ['Status429', 'QuotaExceeded'].includes(f.Properties.MetricTransformations[0].MetricName));
    expect(filters).toHaveLength(4);
    const groups = new Set(filters.map(([, f]) => JSON.stringify(f.Properties.LogGroupName)));
    expect(groups.size).toBe(2);
    const patterns = [QUOTA_EXCEEDED.filterPattern, QUOTA_EXCEEDED.filterPattern, TOO_MANY_REQUESTS.filterPattern, TOO_MANY_REQUESTS.filterPattern];
    expect(filters.map(([, f]) => f.Properties.FilterPattern).sort()).toEqual(patterns.sort());
    for (const [, f] of filters) expect(JSON.stringify(f.Properties.MetricTransformations[0].MetricNamespace)).toContain('CdkApiGatewayPatterns/Monetized/');
  });

  test('the filters read fields the access-log format writes: status as a string, the error message as API Gateway gives it', () => {
    const format = renderJsonAccessLogFormat(REST_ACCESS_LOG_FIELDS);
    expect(format).toContain('"status":"$context.status"');
    expect(format).toContain('"errorMessage":$context.error.messageString');
    expect(TOO_MANY_REQUESTS.filterPattern).toBe('{ $.status = "429" }');
    expect(QUOTA_EXCEEDED.filterPattern).toBe('{ $.status = "429" && $.errorMessage = "Limit Exceeded" }');
  });

  test('each stage has a 429 alarm and a quota-exceeded alarm with an action, on the dashboard', () => {
    const alarms = resourcesOf(t, 'AWS::CloudWatch::Alarm').filter(([, a]) => ['Status429', 'QuotaExceeded'].includes(a.Properties.MetricName));
    expect(alarms).toHaveLength(4);
    for (const [, a] of alarms) {
      expect(a.Properties).toMatchObject({ Threshold: 100, EvaluationPeriods: 1, Statistic: 'Sum', Period: 300, ComparisonOperator: 'GreaterThanThreshold' });
      expect(a.Properties.AlarmActions.length).toBeGreaterThan(0);
    }
    const body = JSON.stringify(resourcesOf(t, 'AWS::CloudWatch::Dashboard')[0][1].Properties.DashboardBody);
    expect(body).toContain('429 answers (throttled or quota exceeded)');
    expect(body).toContain('Requests over a key\'s quota');
    expect(api.alarms.length).toBeGreaterThanOrEqual(4);
  });
});
