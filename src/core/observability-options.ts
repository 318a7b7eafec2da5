import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';

/**
 * Thresholds of the alarms `ApiObservability` creates.
 */
export interface AlarmThresholds {
  /**
   * Server-error (5XX) rate that raises the alarm, in percent of requests.
   * @default 1
   */
  readonly serverErrorRatePercent?: number;
  /**
   * Client-error (4XX) rate that raises the alarm, in percent of requests.
   * @default 10
   */
  readonly clientErrorRatePercent?: number;
  /**
   * p99 latency that raises the alarm (1 ms to 5 minutes, whole milliseconds: API Gateway's `Latency` metric is in
   * milliseconds).
   * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
   * @default Duration.millis(2500)
   */
  readonly latencyP99?: Duration;
  /**
   * p99 latency that raises the alarm, in milliseconds.
   * @deprecated use `latencyP99`
   * @default 2500
   */
  readonly latencyP99Millis?: number;
  /**
   * p99 integration latency that raises the alarm (1 ms to 5 minutes, whole milliseconds: API Gateway's
   * `IntegrationLatency` metric is in milliseconds).
   * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
   * @default Duration.millis(2000)
   */
  readonly integrationLatencyP99?: Duration;
  /**
   * p99 integration latency that raises the alarm, in milliseconds.
   * @deprecated use `integrationLatencyP99`
   * @default 2000
   */
  readonly integrationLatencyP99Millis?: number;
  /**
   * WebSocket integration or execution errors per period that raise the alarm.
   * @default 5
   */
  readonly webSocketErrorsPerPeriod?: number;
  /**
   * Number of consecutive 5-minute periods over the threshold before the alarm fires.
   * @default 3
   */
  readonly evaluationPeriods?: number;
}

/**
 * Observability settings shared by every pattern of the library.
 */
export interface ObservabilityOptions {
  /**
   * Retention of every log group the pattern creates.
   * Values under one year warn: Control Tower CT.CLOUDWATCH.PR.2 expects at least 365 days.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Customer-managed KMS key for log groups, the alarm topic and its e-mail dead-letter queue. It must allow CloudWatch
   * Logs (`logs.<region>.amazonaws.com`) to use it; statements letting CloudWatch (to publish alarms) and SNS (to
   * move undeliverable notifications) use it are added to a key of the app, and an imported key warns
   * (`cdk-apigateway-patterns:AlarmTopicKeyPolicy`).
   * @default - a key with rotation on is created
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Whether to create the alarms.
   * @default true
   */
  readonly alarms?: boolean;
  /**
   * The SNS topic every alarm notifies. Its access policy gets a statement allowing `cloudwatch.amazonaws.com` to
   * publish for this account's alarms (and its key, if any, one letting CloudWatch use the key); an imported topic or
   * key cannot be changed, which raises the warning `cdk-apigateway-patterns:AlarmTopicPolicy` or `AlarmTopicKeyPolicy`.
   * @default - an SNS topic encrypted with `encryptionKey` is created
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * E-mail addresses subscribed to the alarm topic (each confirms by e-mail). A topic alone notifies no one: give
   * addresses here, `alarmSubscriptions`, or subscribe to `alarmTopic` yourself.
   * @default - no e-mail subscription
   */
  readonly alarmEmails?: string[];
  /**
   * Other subscriptions of the alarm topic, e.g. `new subscriptions.SqsSubscription(queue)` or an HTTPS endpoint.
   * @default - none
   */
  readonly alarmSubscriptions?: sns.ITopicSubscription[];
  /**
   * Alarm thresholds.
   * @default - the defaults of each `AlarmThresholds` field
   */
  readonly alarmThresholds?: AlarmThresholds;
  /**
   * Whether to create a CloudWatch dashboard.
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * Whether to turn on AWS X-Ray tracing where the API type supports it (REST stages and Lambda handlers).
   * @default true
   */
  readonly tracing?: boolean;
  /**
   * Removal policy of the log groups.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Properties of `ApiObservability`.
 */
export interface ApiObservabilityProps extends ObservabilityOptions {
  /**
   * Name of the CloudWatch dashboard.
   * @default - a name derived from the construct's unique id
   */
  readonly dashboardName?: string;
}

/**
 * A REST API stage to watch.
 */
export interface RestApiWatchOptions {
  /** The API's name: the `ApiName` dimension of the `AWS/ApiGateway` metrics. */
  readonly apiName: string;
  /**
   * The API's id, used for the execution log group name. Pass the API's own id token (`restApi.restApiId`): a literal
   * id gives the log group a fixed name (see `executionLogGroup`).
   */
  readonly apiId: string;
  /** The stage name. */
  readonly stageName: string;
  /**
   * Pre-create the stage's execution log group (`API-Gateway-Execution-Logs_{apiId}/{stage}`), encrypted and with
   * the bundle's retention. Switch it off for an API whose execution log group is managed elsewhere, for example an
   * API deployed by another stack that already created it.
   * @default true
   */
  readonly executionLogGroup?: boolean;
}

/**
 * A WebSocket API stage to watch.
 */
export interface WebSocketApiWatchOptions {
  /** The API's id: the `ApiId` dimension of the WebSocket metrics. */
  readonly apiId: string;
  /** The stage name. */
  readonly stageName: string;
}
