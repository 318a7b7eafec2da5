/**
 * Canary metrics, derived from the canary's own access logs. API Gateway documents no metric dimension for canary
 * traffic (its REST metrics have ApiName, Stage, Method, Resource:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html), but it
 * writes the canary's access logs to a log group of their own: the stage's access-log group name with `/Canary`
 * appended (https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html). Metric filters on
 * that group, over the library's JSON access-log format (src/core/private/access-log-format.ts: `status` and
 * `responseLatency` are JSON strings), give the guard alarms their metrics.
 *
 * Filter syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html (a JSON
 * selector compared with `=` to a string that may hold `*` wildcards; `= *` matches any value). Percentile
 * statistics (p99) are available on metric-filter metrics whose values are never negative
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringLogData.html); metric filters need the
 * Standard log class. Pure data: no CDK imports (the construct maps it onto `logs.MetricFilter`).
 */

/** What API Gateway appends to the stage's access-log group name for the canary's access logs. */
export const CANARY_ACCESS_LOG_GROUP_SUFFIX = '/Canary';

/** The metrics' namespace prefix (the library's own metrics live under `CdkApiGatewayPatterns/`). */
export const CANARY_METRIC_NAMESPACE_PREFIX = 'CdkApiGatewayPatterns/Canary';

/**
 * The namespace of one stage's canary metrics. Metric-filter dimensions can only take values from log fields, and the
 * access-log line carries neither the API nor the stage, so the namespace names them.
 */
export function canaryMetricNamespace(restApiId: string, stageName: string): string {
  return `${CANARY_METRIC_NAMESPACE_PREFIX}/${restApiId}/${stageName}`;
}

/** One metric filter on the canary access-log group. */
export interface CanaryMetricFilter {
  /** Construct id suffix. */
  readonly id: string;
  /** Named as API Gateway names the stage's own metric. */
  readonly metricName: string;
  readonly filterPattern: string;
  /** `1` counts matching lines; `$.field` publishes the field's value. */
  readonly metricValue: string;
  /** Published for a minute with log lines but no match (none: no data point). */
  readonly defaultValue?: number;
  /** The CloudWatch unit (aws-cdk-lib `cloudwatch.Unit` values). */
  readonly unit: 'Count' | 'Milliseconds';
  /** The statistic an alarm or widget reads. */
  readonly statistic: 'Sum' | 'p99';
  /** The access-log fields the pattern reads (each must be in the REST access-log format). */
  readonly fields: readonly string[];
}

/** Every canary request (each access-log line has a status). */
export const CANARY_REQUESTS: CanaryMetricFilter = {
  id: 'Requests',
  metricName: 'Count',
  filterPattern: '{ $.status = * }',
  metricValue: '1',
  defaultValue: 0,
  unit: 'Count',
  statistic: 'Sum',
  fields: ['status'],
};

/** Canary requests answered 5XX. `defaultValue: 0` gives minutes with traffic but no error a 0, not a gap. */
export const CANARY_5XX: CanaryMetricFilter = {
  id: 'ServerErrors',
  metricName: '5XXError',
  filterPattern: '{ $.status = 5* }',
  metricValue: '1',
  defaultValue: 0,
  unit: 'Count',
  statistic: 'Sum',
  fields: ['status'],
};

/** Canary requests answered 4XX (dashboards; not a rollback guard: clients cause them). */
export const CANARY_4XX: CanaryMetricFilter = {
  id: 'ClientErrors',
  metricName: '4XXError',
  filterPattern: '{ $.status = 4* }',
  metricValue: '1',
  defaultValue: 0,
  unit: 'Count',
  statistic: 'Sum',
  fields: ['status'],
};

/**
 * The canary's response latency in ms (`$context.responseLatency`), one value per request, read as p99. No default
 * value: a 0 for minutes without a match would drag the percentile down.
 */
export const CANARY_LATENCY: CanaryMetricFilter = {
  id: 'Latency',
  metricName: 'Latency',
  filterPattern: '{ $.responseLatency = * }',
  metricValue: '$.responseLatency',
  unit: 'Milliseconds',
  statistic: 'p99',
  fields: ['responseLatency'],
};

/** The filters the construct creates on the canary access-log group (4 of the 100 a log group may carry). */
export const CANARY_METRIC_FILTERS: readonly CanaryMetricFilter[] = [CANARY_REQUESTS, CANARY_5XX, CANARY_4XX, CANARY_LATENCY];

/**
 * The 5XX rate guard, in percent, as CloudWatch metric math over `errors` (CANARY_5XX, Sum) and `requests`
 * (CANARY_REQUESTS, Sum): 0 while fewer than `minimumRequests` requests reached the canary in the period, so that one
 * error among three requests does not roll a release back.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html (IF)
 */
export function canaryErrorRateExpression(minimumRequests: number): string {
  if (!Number.isInteger(minimumRequests) || minimumRequests < 1) throw new Error(`minimumRequests must be an integer >= 1, not ${minimumRequests}`);
  return `IF(requests >= ${minimumRequests}, 100 * errors / requests, 0)`;
}
