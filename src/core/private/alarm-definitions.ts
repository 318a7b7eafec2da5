/**
 * The metrics and alarm thresholds `ApiObservability` watches, as pure data: metric factories are kept apart
 * from the code that turns them into alarms and widgets.
 *
 * Internal: never exported from the package.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ResolvedThresholds } from './defaults';

/** One metric to chart, with an optional alarm on it. */
export interface AlarmDefinition {
  /** Construct id suffix, unique within a watch call. */
  readonly id: string;
  /** Dashboard widget title. */
  readonly title: string;
  readonly metric: cloudwatch.IMetric;
  /** Absent: chart only. */
  readonly alarm?: { readonly threshold: number; readonly description: string };
}

const PERIOD = Duration.minutes(5);

function metric(metricName: string, dimensionsMap: Record<string, string>, statistic: string): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap, statistic, period: PERIOD });
}

/**
 * REST stage: 5XX and 4XX rates (the Average of `5XXError`/`4XXError` is the fraction of requests that failed),
 * p99 latency and p99 integration latency, plus the request count as a chart.
 */
export function restApiAlarmDefinitions(apiName: string, stage: string, t: ResolvedThresholds): AlarmDefinition[] {
  const dims = { ApiName: apiName, Stage: stage };
  // Latency and IntegrationLatency are reported in milliseconds.
  const latency = t.latencyP99.toMilliseconds({ integral: false });
  const integrationLatency = t.integrationLatencyP99.toMilliseconds({ integral: false });
  // The Average of 5XXError/4XXError is the fraction of requests that failed.
  const errorRate = (code: string, id: string, threshold: number): AlarmDefinition => {
    const name = `m${code.toLowerCase()}`;
    return {
      id,
      title: `${code} error rate (%)`,
      metric: new cloudwatch.MathExpression({
        expression: `100 * ${name}`,
        usingMetrics: { [name]: metric(`${code}Error`, dims, 'Average') },
        period: PERIOD,
        label: `${code} rate %`,
      }),
      alarm: { threshold, description: `${code} error rate of ${apiName}/${stage} over ${threshold}%` },
    };
  };
  return [
    errorRate('5XX', 'ServerErrorRate', t.serverErrorRatePercent),
    errorRate('4XX', 'ClientErrorRate', t.clientErrorRatePercent),
    {
      id: 'LatencyP99',
      title: 'Latency p99 (ms)',
      metric: metric('Latency', dims, 'p99'),
      alarm: { threshold: latency, description: `p99 latency of ${apiName}/${stage} over ${latency} ms` },
    },
    {
      id: 'IntegrationLatencyP99',
      title: 'Integration latency p99 (ms)',
      metric: metric('IntegrationLatency', dims, 'p99'),
      alarm: {
        threshold: integrationLatency,
        description: `p99 integration latency of ${apiName}/${stage} over ${integrationLatency} ms`,
      },
    },
    { id: 'Requests', title: 'Requests', metric: metric('Count', dims, 'Sum') },
  ];
}

/** WebSocket stage: integration, execution and client errors alarmed; connects and messages charted. */
export function webSocketAlarmDefinitions(apiId: string, stage: string, t: ResolvedThresholds): AlarmDefinition[] {
  const dims = { ApiId: apiId, Stage: stage };
  const errors = (name: string, label: string): AlarmDefinition => ({
    id: name,
    title: label,
    metric: metric(name, dims, 'Sum'),
    alarm: { threshold: t.webSocketErrorsPerPeriod, description: `${label} of WebSocket API ${apiId}/${stage} over ${t.webSocketErrorsPerPeriod} per 5 minutes` },
  });
  return [
    errors('IntegrationError', 'Integration errors'),
    errors('ExecutionError', 'Execution errors'),
    { id: 'ConnectCount', title: 'Connections', metric: metric('ConnectCount', dims, 'Sum') },
    { id: 'MessageCount', title: 'Messages', metric: metric('MessageCount', dims, 'Sum') },
    { id: 'ClientError', title: 'Client errors', metric: metric('ClientError', dims, 'Sum') },
    { id: 'IntegrationLatency', title: 'Integration latency p99 (ms)', metric: metric('IntegrationLatency', dims, 'p99') },
  ];
}
