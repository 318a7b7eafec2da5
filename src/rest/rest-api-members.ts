/**
 * What every REST pattern exposes about its API and default stage: logs, alarms, dashboard, URL, grants and metrics.
 * The abstract fields are set by `RestApiPattern`'s constructor (src/rest/rest-api-pattern.ts).
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { RestStage } from './rest-stage';
import { ApiObservability } from '../core/observability';

/**
 * The accessors, grants and metrics of a REST pattern (the base class of `RestApiPattern`).
 */
export abstract class RestApiPatternMembers extends Construct {
  /** The REST API. */
  public abstract readonly api: apigateway.RestApi;
  /** The default (first) stage. */
  public abstract readonly defaultStage: RestStage;
  /** Logs, alarms, dashboard. */
  public abstract readonly observability: ApiObservability;

  /** The access-log group of the default stage. */
  public get accessLogGroup(): logs.ILogGroup {
    return this.observability.accessLogGroup;
  }

  /** The execution-log group of the default stage (`API-Gateway-Execution-Logs_{apiId}/{stage}`). */
  public get executionLogGroup(): logs.ILogGroup {
    return this.defaultStage.executionLogGroup;
  }

  /** The alarms of every stage. */
  public get alarms(): cloudwatch.IAlarm[] {
    return this.observability.alarms;
  }

  /** The dashboard, unless switched off. */
  public get dashboard(): cloudwatch.Dashboard | undefined {
    return this.observability.dashboard;
  }

  /** The URL of the default stage. */
  public get url(): string {
    return this.api.url;
  }

  /**
   * Grants `grantee` `execute-api:InvalidateCache` on methods of the default stage (see `RestStage.grantInvalidateCache`).
   *
   * @param method HTTP method, or `*` for all
   * @param path resource path, or `/*` for all
   */
  public grantInvalidateCache(grantee: iam.IGrantable, method: string = '*', path: string = '/*'): iam.Grant {
    return this.defaultStage.grantInvalidateCache(grantee, method, path);
  }

  /** A metric of the default stage (`AWS/ApiGateway`, dimensions ApiName and Stage); see `defaultStage.metrics`. */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.defaultStage.metrics.metric(metricName, props);
  }
  /** 5XX errors of the default stage (Sum). */
  public metricServerError(props?: cloudwatch.MetricOptions) { return this.defaultStage.metrics.metricServerError(props); }
  /** 4XX errors of the default stage (Sum). */
  public metricClientError(props?: cloudwatch.MetricOptions) { return this.defaultStage.metrics.metricClientError(props); }
  /** Requests of the default stage (Sum). */
  public metricCount(props?: cloudwatch.MetricOptions) { return this.defaultStage.metrics.metricCount(props); }
  /** Latency of the default stage (p99). */
  public metricLatency(props?: cloudwatch.MetricOptions) { return this.defaultStage.metrics.metricLatency(props); }
  /** Integration latency of the default stage (p99). */
  public metricIntegrationLatency(props?: cloudwatch.MetricOptions) { return this.defaultStage.metrics.metricIntegrationLatency(props); }
  /** Cache hits of the default stage (Sum). */
  public metricCacheHitCount(props?: cloudwatch.MetricOptions) { return this.defaultStage.metrics.metricCacheHitCount(props); }
  /** Cache misses of the default stage (Sum). */
  public metricCacheMissCount(props?: cloudwatch.MetricOptions) { return this.defaultStage.metrics.metricCacheMissCount(props); }

}
