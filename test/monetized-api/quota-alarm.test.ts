/**
 * Tier usage near quota. AWS rules relied on: GetUsage returns, per key and day, `[used, remaining]` where remaining
 * is the quota left in the period (https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html); CloudWatch
 * takes metrics from Embedded Metric Format log lines, with every dimension of the line (Powertools Metrics adds
 * `service`) part of the metric's identity (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
 * so the alarm must name exactly those dimensions.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { addPetRoutes, monetized, planOf, resourcesOf } from './support';
import { NEAR_QUOTA_FRACTION } from '../../src/monetized-api/alarms';
import { QUOTA_METRIC } from '../../src/runtime/monetized/contract';
import { lowestRemaining } from '../../src/runtime/monetized/export';

const record = (date: string, keyId: string, remaining: number | null) => ({ date, tier: 'pro', usagePlanId: 'p1', keyId, customerId: null, used: 1, remaining });

test('the metric is the smallest quota left to any key on the day, ignoring other days and keys without a quota', () => {
  const records = [record('2026-03-01', 'k1', 500), record('2026-03-01', 'k2', 40), record('2026-02-28', 'k3', 1), record('2026-03-01', 'k4', null)];
  expect(lowestRemaining(records, '2026-03-01')).toBe(40);
  expect(lowestRemaining([record('2026-03-01', 'k4', null)], '2026-03-01')).toBeUndefined();
  expect(lowestRemaining([], '2026-03-01')).toBeUndefined();
});

describe('near-quota alarms', () => {
  const { stack, api } = monetized();
  addPetRoutes(api);
  api.addTier({ name: 'unlimited', throttle: { rateLimit: 1, burstLimit: 1 } });
  const t = Template.fromStack(stack);
  const alarms = resourcesOf(t, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.MetricName === QUOTA_METRIC.name);

  test('one per tier with a quota, on the plan\'s metric with the export\'s exact dimensions, at 10 % of the limit', () => {
    expect(alarms).toHaveLength(3);
    const [freeId] = planOf(t, 'free');
    const free = alarms.find(([, a]) => JSON.stringify(a.Properties.Dimensions).includes(freeId))![1];
    expect(free.Properties).toMatchObject({
      Namespace: 'CdkApiGatewayPatterns/Monetized',
      Statistic: 'Minimum',
      Period: 86400,
      Threshold: 1000 * NEAR_QUOTA_FRACTION,
      ComparisonOperator: 'LessThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    // Dimensions are a set: compare them sorted.
    expect([...free.Properties.Dimensions].sort((a: any, b: any) => a.Name.localeCompare(b.Name))).toEqual([
      { Name: 'service', Value: 'monetized-usage-export' }, { Name: 'UsagePlanId', Value: { Ref: freeId } },
    ]);
    expect(free.Properties.AlarmActions.length).toBeGreaterThan(0);
    expect(JSON.stringify(resourcesOf(t, 'AWS::CloudWatch::Dashboard')[0][1].Properties.DashboardBody)).toContain('Tier free: lowest quota left (of 1000)');
  });

  test('without the export (reports off) there is no metric, so no alarm', () => {
    const off = monetized({ usageReports: { enabled: false }, tiers: [{ name: 'x', quota: { limit: 10, period: apigateway.Period.DAY } }] });
    addPetRoutes(off.api);
    expect(resourcesOf(Template.fromStack(off.stack), 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.MetricName === QUOTA_METRIC.name)).toEqual([]);
  });
});
