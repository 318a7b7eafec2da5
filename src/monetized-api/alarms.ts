/**
 * Alarms of a monetized stage: requests refused with 429, split into throttled (a tier's or the stage's rate) and
 * quota exceeded (a key's quota for the period used up). Internal to MonetizedApi.
 *
 * API Gateway publishes no metric for either (its REST metrics are Count, 4XXError, 5XXError, latencies and cache
 * counts: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html),
 * so metric filters on the stage's access log count them. Both are answered 429; API Gateway's error message tells
 * them apart: "Limit Exceeded" for QUOTA_EXCEEDED and "Too Many Requests" for THROTTLED (gateway response types,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html). The access-log
 * format writes `status` as a JSON string and `errorMessage` from `$context.error.messageString`
 * (src/core/private/access-log-format.ts). Filter syntax:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html.
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ITierPlan } from './tiers';
import { ApiObservability } from '../core/observability';
import { QUOTA_METRIC } from '../runtime/monetized/contract';

/** The metrics' namespace prefix (the library's own metrics live under `CdkApiGatewayPatterns/`). */
export const MONETIZED_METRIC_NAMESPACE_PREFIX = 'CdkApiGatewayPatterns/Monetized';

/** One metric filter on a stage's access log. */
export interface RefusalFilter {
  readonly id: string;
  readonly metricName: string;
  readonly filterPattern: string;
  readonly title: string;
}

/** Every 429 of the stage. */
export const TOO_MANY_REQUESTS: RefusalFilter = {
  id: 'Throttled',
  metricName: 'Status429',
  filterPattern: '{ $.status = "429" }',
  title: '429 answers (throttled or quota exceeded)',
};

/** The 429s of an exhausted quota (QUOTA_EXCEEDED, message "Limit Exceeded"). */
export const QUOTA_EXCEEDED: RefusalFilter = {
  id: 'QuotaExceeded',
  metricName: 'QuotaExceeded',
  filterPattern: '{ $.status = "429" && $.errorMessage = "Limit Exceeded" }',
  title: 'Requests over a key\'s quota',
};

export const REFUSAL_FILTERS: readonly RefusalFilter[] = [TOO_MANY_REQUESTS, QUOTA_EXCEEDED];

/** The namespace of one stage's metrics (the access-log line names neither the API nor the stage). */
export function monetizedMetricNamespace(restApiId: string, stageName: string): string {
  return `${MONETIZED_METRIC_NAMESPACE_PREFIX}/${restApiId}/${stageName}`;
}

/** What watching one stage needs. */
export interface RefusalWatch {
  readonly observability: ApiObservability;
  readonly accessLogGroup: logs.ILogGroup;
  readonly restApiId: string;
  readonly stageName: string;
  /** Refusals per 5 minutes above which the alarms go off. */
  readonly threshold: number;
  /** Construct id prefix, unique per stage. */
  readonly idPrefix: string;
}

/** The metric filters, alarms and dashboard widgets of one stage; returns the alarms. */
export function watchRefusals(scope: Construct, watch: RefusalWatch): cloudwatch.IAlarm[] {
  const namespace = monetizedMetricNamespace(watch.restApiId, watch.stageName);
  const alarms: cloudwatch.IAlarm[] = [];
  const widgets: cloudwatch.IWidget[] = [];
  for (const filter of REFUSAL_FILTERS) {
    new logs.MetricFilter(scope, `${watch.idPrefix}${filter.id}Filter`, {
      logGroup: watch.accessLogGroup,
      filterPattern: logs.FilterPattern.literal(filter.filterPattern),
      metricNamespace: namespace,
      metricName: filter.metricName,
      metricValue: '1',
      defaultValue: 0,
      unit: cloudwatch.Unit.COUNT,
    });
    const metric = new cloudwatch.Metric({ namespace, metricName: filter.metricName, statistic: 'Sum', period: Duration.minutes(5) });
    const alarm = watch.observability.addAlarm(`${watch.idPrefix}${filter.id}`, metric, {
      threshold: watch.threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${filter.title} on stage ${watch.stageName} over ${watch.threshold} in 5 minutes`,
    });
    if (alarm) alarms.push(alarm);
    widgets.push(alarm
      ? new cloudwatch.AlarmWidget({ title: filter.title, alarm, width: 8 })
      : new cloudwatch.GraphWidget({ title: filter.title, left: [metric], width: 8 }));
  }
  watch.observability.dashboard?.addWidgets(...widgets);
  return alarms;
}

/** The near-quota alarm fires when a key of the tier has this share of its quota left, or less. */
export const NEAR_QUOTA_FRACTION = 0.1;

/**
 * A tier's usage near its quota: the daily export publishes, per plan, the smallest quota left to any key
 * (QUOTA_METRIC, src/monetized-api/usage-export.lambda.ts, from GetUsage's daily `[used, remaining]` pairs); the
 * alarm fires at NEAR_QUOTA_FRACTION of the limit or less. Tiers without a quota (or with a token limit) get none.
 */
export function watchQuota(observability: ApiObservability, plan: ITierPlan): cloudwatch.IAlarm | undefined {
  const quota = plan.tier.quota;
  if (!quota || Token.isUnresolved(quota.limit)) return undefined;
  const metric = new cloudwatch.Metric({
    namespace: QUOTA_METRIC.namespace,
    metricName: QUOTA_METRIC.name,
    // Powertools Metrics adds the service as a dimension of every metric it publishes.
    dimensionsMap: { service: QUOTA_METRIC.service, [QUOTA_METRIC.dimension]: plan.usagePlanId },
    statistic: 'Minimum',
    period: Duration.days(1),
  });
  const threshold = Math.floor(quota.limit * NEAR_QUOTA_FRACTION);
  const alarm = observability.addAlarm(`Tier${plan.tierName}NearQuota`, metric, {
    threshold,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
    alarmDescription: `A key of tier ${plan.tierName} has ${threshold} requests or fewer left of its quota of ${quota.limit} per ${quota.period}`,
  });
  const title = `Tier ${plan.tierName}: lowest quota left (of ${quota.limit})`;
  const widget = alarm ? new cloudwatch.AlarmWidget({ title, alarm, width: 8 }) : new cloudwatch.GraphWidget({ title, left: [metric], width: 8 });
  observability.dashboard?.addWidgets(widget);
  return alarm;
}
