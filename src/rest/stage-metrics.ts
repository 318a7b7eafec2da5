/**
 * The one factory of a REST stage's CloudWatch metrics (`AWS/ApiGateway`, dimensions `ApiName` and `Stage`), shared
 * by the alarms, the dashboard widgets and the `metricX` methods, so every consumer of a stage's metrics names the
 * same stage (monitoring libraries that alarmed on the default stage instead of the configured one:
 * cdk-monitoring-constructs#381).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * The metrics of one REST API stage.
 */
export class StageMetrics {
  constructor(
    /** The API's name: the `ApiName` dimension. */
    public readonly apiName: string,
    /** The stage name: the `Stage` dimension. */
    public readonly stageName: string,
  ) {}

  /**
   * A metric of the stage. Defaults: period 5 minutes, statistic Average.
   *
   * @param metricName e.g. `5XXError`, `Latency`, `CacheHitCount`
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: { ApiName: this.apiName, Stage: this.stageName },
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** 5XX errors (Sum). */
  public metricServerError(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('5XXError', { statistic: 'Sum', ...props });
  }

  /** 4XX errors (Sum). */
  public metricClientError(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('4XXError', { statistic: 'Sum', ...props });
  }

  /** Requests (Sum). */
  public metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Count', { statistic: 'Sum', ...props });
  }

  /** Latency (p99). */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Latency', { statistic: 'p99', ...props });
  }

  /** Integration latency (p99). */
  public metricIntegrationLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('IntegrationLatency', { statistic: 'p99', ...props });
  }

  /** Cache hits (Sum). */
  public metricCacheHitCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CacheHitCount', { statistic: 'Sum', ...props });
  }

  /** Cache misses (Sum). */
  public metricCacheMissCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CacheMissCount', { statistic: 'Sum', ...props });
  }
}
