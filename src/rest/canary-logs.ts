/**
 * Where a REST stage's canary traffic logs, and the canary metrics derived from those logs. Internal to the REST base.
 *
 * API Gateway writes canary requests' execution logs to `API-Gateway-Execution-Logs_{apiId}/{stage}/Canary` and their
 * access logs to the stage's access-log group name with `/Canary` appended, creating either group itself when it is
 * missing: unencrypted and never expiring
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html). Every stage therefore gets both
 * groups beforehand, with the pattern's key and retention, whether it has a canary now or not: a canary added later,
 * or from the console, logs encrypted from its first request, and a group that stays in the template is never deleted
 * and re-created under the same name (a retained group would make that re-creation fail with "already exists").
 *
 * API Gateway documents no metric dimension for canary traffic: the canary metrics are metric filters on the canary
 * access-log group (src/runtime/canary/metric-filters.ts), in a namespace of their own per API and stage.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { StageMetrics } from './stage-metrics';
import { ApiObservability } from '../core/observability';
import {
  CANARY_5XX, CANARY_ACCESS_LOG_GROUP_SUFFIX, CANARY_LATENCY, CANARY_METRIC_FILTERS, CANARY_REQUESTS, CanaryMetricFilter,
  canaryErrorRateExpression, canaryMetricNamespace,
} from '../runtime/canary/metric-filters';

/** The two log groups a stage's canary writes to. */
export interface CanaryLogGroups {
  /** `API-Gateway-Execution-Logs_{apiId}/{stage}/Canary`. */
  readonly execution: logs.ILogGroup;
  /** The stage's access-log group name + `/Canary`. */
  readonly access: logs.ILogGroup;
}

/** What the canary log groups of a stage are named after. */
export interface CanaryLogSource {
  readonly observability: ApiObservability;
  /** Construct id prefix of the stage ('' for the default stage). */
  readonly idPrefix: string;
  readonly apiId: string;
  readonly stageName: string;
  readonly accessLogGroup: logs.ILogGroup;
}

/** Pre-creates the stage's canary log groups (encrypted, with retention) and makes the stage wait for them. */
export function createCanaryLogGroups(stage: IConstruct, source: CanaryLogSource): CanaryLogGroups {
  const { observability, idPrefix } = source;
  const execution = observability.createLogGroup(`${idPrefix}CanaryExecutionLogs`, `API-Gateway-Execution-Logs_${source.apiId}/${source.stageName}/Canary`);
  const access = observability.createLogGroup(`${idPrefix}CanaryAccessLogs`, `${source.accessLogGroup.logGroupName}${CANARY_ACCESS_LOG_GROUP_SUFFIX}`);
  stage.node.addDependency(execution, access);
  return { execution, access };
}

/** The period of every canary metric and guard alarm: one minute, so a rollback follows a bad minute. */
export const CANARY_PERIOD = Duration.minutes(1);

/**
 * The metrics of one stage's canary traffic, published by metric filters on its canary access-log group.
 */
export class CanaryMetrics {
  private readonly namespace: string;

  constructor(scope: Construct, idPrefix: string, groups: CanaryLogGroups, apiId: string, stageName: string) {
    this.namespace = canaryMetricNamespace(apiId, stageName);
    for (const filter of CANARY_METRIC_FILTERS) {
      new logs.MetricFilter(scope, `${idPrefix}CanaryMetric${filter.id}`, {
        logGroup: groups.access,
        filterPattern: logs.FilterPattern.literal(filter.filterPattern),
        metricNamespace: this.namespace,
        metricName: filter.metricName,
        metricValue: filter.metricValue,
        defaultValue: filter.defaultValue,
        unit: filter.unit === 'Milliseconds' ? cloudwatch.Unit.MILLISECONDS : cloudwatch.Unit.COUNT,
      });
    }
  }

  /** One canary metric, as its filter publishes it. */
  public metric(filter: CanaryMetricFilter): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: this.namespace, metricName: filter.metricName, statistic: filter.statistic, period: CANARY_PERIOD });
  }

  /** The canary's 5XX rate in percent, 0 in minutes with fewer than `minimumRequests` canary requests. */
  public metricServerErrorRate(minimumRequests: number): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: canaryErrorRateExpression(minimumRequests),
      usingMetrics: { errors: this.metric(CANARY_5XX), requests: this.metric(CANARY_REQUESTS) },
      label: 'Canary 5XX rate (%)',
      period: CANARY_PERIOD,
    });
  }

  /** The canary's p99 latency (ms). */
  public metricLatency(): cloudwatch.Metric {
    return this.metric(CANARY_LATENCY);
  }

  /** Canary requests (Sum). */
  public metricCount(): cloudwatch.Metric {
    return this.metric(CANARY_REQUESTS);
  }

  /** The dashboard row that sets the canary beside its stage: errors, latency and requests of both. */
  public widgets(stageName: string, stage: StageMetrics): cloudwatch.IWidget[] {
    const period = { period: CANARY_PERIOD };
    return [
      new cloudwatch.GraphWidget({
        title: `${stageName}: 5XX, stage and canary`,
        left: [stage.metricServerError({ ...period, label: 'Stage 5XX' }), this.metric(CANARY_5XX).with({ label: 'Canary 5XX' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${stageName}: p99 latency, stage and canary`,
        left: [stage.metricLatency({ ...period, label: 'Stage p99' }), this.metricLatency().with({ label: 'Canary p99' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${stageName}: requests, stage and canary`,
        left: [stage.metricCount({ ...period, label: 'Stage requests' }), this.metricCount().with({ label: 'Canary requests' })],
        width: 8,
      }),
    ];
  }
}
