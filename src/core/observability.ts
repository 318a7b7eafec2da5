import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AlarmThresholds, ApiObservabilityProps, RestApiWatchOptions, WebSocketApiWatchOptions } from './observability-options';
import { REST_ACCESS_LOG_FIELDS, WEBSOCKET_ACCESS_LOG_FIELDS, renderJsonAccessLogFormat } from './private/access-log-format';
import { restApiAlarmDefinitions, webSocketAlarmDefinitions, AlarmDefinition } from './private/alarm-definitions';
import { alarmTopic } from './private/alarm-topic';
import { ResolvedThresholds, alarmThresholdDefaults, consolidateProps, observabilityDefaults, renamedProp, restApiWatchDefaults } from './private/defaults';
import { createEncryptionKey } from './private/encryption';
import { CLOUDWATCH_PRINCIPAL, SNS_PRINCIPAL } from './private/policies';
import { checkDuration, checkRange, checkOneOf, warn } from './private/validation';


export * from './observability-options';

const MIN_COMPLIANT_RETENTION_DAYS = 365;

/**
 * The observability bundle of an API: a KMS key, encrypted log groups (access logs in JSON, execution logs
 * under their exact API Gateway name), alarms with an action on an encrypted SNS topic, and a dashboard.
 *
 * Create it, then call `watchRestApi` or `watchWebSocketApi` for each stage it should watch.
 */
export class ApiObservability extends Construct {
  /**
   * The JSON access-log format every REST stage of the library uses (one line, with `$context.requestId`). The error
   * message is `$context.error.messageString`, which API Gateway substitutes already quoted and escaped, so it is
   * written without quotes and every line stays valid JSON whatever the message holds.
   */
  public static restAccessLogFormat(): apigateway.AccessLogFormat {
    return apigateway.AccessLogFormat.custom(renderJsonAccessLogFormat(REST_ACCESS_LOG_FIELDS));
  }

  /**
   * The JSON access-log format for WebSocket stages (one line, with `$context.requestId`).
   */
  public static webSocketAccessLogFormat(): string {
    return renderJsonAccessLogFormat(WEBSOCKET_ACCESS_LOG_FIELDS);
  }

  /** The key that encrypts the log groups and the alarm topic. */
  public readonly encryptionKey: kms.IKey;
  /** The access-log group. */
  public readonly accessLogGroup: logs.ILogGroup;
  /** The topic every alarm notifies; undefined when alarms are off. */
  public readonly alarmTopic?: sns.ITopic;
  /** The dashboard; undefined when switched off. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** Log retention applied to every log group. */
  public readonly logRetention: logs.RetentionDays;
  /** Whether X-Ray tracing is on. */
  public readonly tracing: boolean;

  private readonly alarmList: cloudwatch.Alarm[] = [];
  private readonly executionLogGroups: Record<string, logs.ILogGroup> = {};
  private readonly thresholds: ResolvedThresholds;
  private readonly alarmsEnabled: boolean;
  private readonly removalPolicy: RemovalPolicy;
  private readonly watchCounts: Record<string, number> = {};

  constructor(scope: Construct, id: string, props: ApiObservabilityProps = {}) {
    super(scope, id);
    const p = consolidateProps(observabilityDefaults(), {
      logRetention: props.logRetention,
      tracing: props.tracing,
      alarms: props.alarms,
      dashboard: props.dashboard,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.logRetention = p.logRetention;
    this.tracing = p.tracing;
    this.alarmsEnabled = p.alarms;
    this.removalPolicy = p.logRemovalPolicy;
    this.thresholds = resolveThresholds(this, props.alarmThresholds);
    validateRetention(this, this.logRetention);

    this.encryptionKey =
      props.encryptionKey ??
      createEncryptionKey(this, 'Key', {
        description: `Encrypts the logs and alarm topic of ${this.node.path}`,
        allowCloudWatchLogs: true,
        // CloudWatch publishes alarm notifications to the topic this key encrypts.
        servicePrincipals: [CLOUDWATCH_PRINCIPAL, SNS_PRINCIPAL],
      });

    this.accessLogGroup = this.createLogGroup('AccessLogs');

    if (this.alarmsEnabled) {
      this.alarmTopic = alarmTopic(this, {
        topic: props.alarmTopic,
        encryptionKey: this.encryptionKey,
        keyCreatedByLibrary: props.encryptionKey === undefined,
        emails: props.alarmEmails,
        subscriptions: props.alarmSubscriptions,
      });
    }
    if (p.dashboard) {
      this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
        dashboardName: props.dashboardName,
        defaultInterval: Duration.hours(3),
      });
    }
  }

  /** Every alarm created so far. */
  public get alarms(): cloudwatch.IAlarm[] {
    return [...this.alarmList];
  }

  /**
   * Creates a log group encrypted with this bundle's key and with its retention.
   *
   * @param id construct id of the log group
   * @param logGroupName exact name of the log group
   * @default logGroupName - a generated name
   */
  public createLogGroup(id: string, logGroupName?: string): logs.ILogGroup {
    return new logs.LogGroup(this, id, {
      logGroupName,
      encryptionKey: this.encryptionKey,
      retention: this.logRetention,
      removalPolicy: this.removalPolicy,
    });
  }

  /**
   * Pre-creates the execution log group of a stage under the exact name API Gateway writes to
   * (`API-Gateway-Execution-Logs_{apiId}/{stage}`), so that it is encrypted and has a retention.
   * Calling it twice for the same stage returns the same log group.
   *
   * Pass the API's id token: an API created by the stack gets a new id on every deployment, so the name never
   * collides with a group kept (RemovalPolicy.RETAIN) from an earlier deployment. A literal id gives a fixed name:
   * after `cdk destroy` the retained group stays, and the next deployment fails with "already exists" (as it does when
   * API Gateway created the group itself before); that raises the warning
   * `cdk-apigateway-patterns:ExecutionLogGroupFixedName` unless the log removal policy is DESTROY.
   */
  public executionLogGroup(apiId: string, stageName: string): logs.ILogGroup {
    const key = `${apiId}/${stageName}`;
    const existing = this.executionLogGroups[key];
    if (existing) return existing;
    if (!Token.isUnresolved(apiId) && this.removalPolicy !== RemovalPolicy.DESTROY) {
      warn(
        this,
        'ExecutionLogGroupFixedName',
        `the execution log group API-Gateway-Execution-Logs_${apiId}/${stageName} has a fixed name (literal API id ${JSON.stringify(apiId)}) ` +
          'and is retained: once it exists (after cdk destroy, or created by API Gateway itself) the deployment fails with ' +
          '"already exists". Pass the API\'s id token, set logRemovalPolicy: RemovalPolicy.DESTROY, or watchRestApi({ executionLogGroup: false }) ' +
          'when the group is managed elsewhere',
      );
    }
    const index = Object.keys(this.executionLogGroups).length;
    const group = this.createLogGroup(
      index === 0 ? 'ExecutionLogs' : `ExecutionLogs${index}`,
      `API-Gateway-Execution-Logs_${apiId}/${stageName}`,
    );
    this.executionLogGroups[key] = group;
    return group;
  }

  /**
   * Watches a REST API stage: pre-creates its execution log group, adds the 5XX rate, 4XX rate, p99 latency
   * and p99 integration latency alarms, and adds widgets to the dashboard.
   */
  public watchRestApi(options: RestApiWatchOptions): void {
    const { executionLogGroup } = consolidateProps(restApiWatchDefaults(), { executionLogGroup: options.executionLogGroup });
    if (executionLogGroup) this.executionLogGroup(options.apiId, options.stageName);
    const definitions = restApiAlarmDefinitions(options.apiName, options.stageName, this.thresholds);
    this.addDefinitions('Rest', definitions);
  }

  /**
   * Watches a WebSocket API stage: adds the integration-error, execution-error and client-error alarms, and
   * dashboard widgets for connect count, message count, errors and integration latency.
   */
  public watchWebSocketApi(options: WebSocketApiWatchOptions): void {
    const definitions = webSocketAlarmDefinitions(options.apiId, options.stageName, this.thresholds);
    this.addDefinitions('WebSocket', definitions);
  }

  /**
   * Adds an alarm on a metric, with this bundle's alarm action.
   *
   * @returns the alarm, or undefined when alarms are switched off
   */
  public addAlarm(id: string, metric: cloudwatch.IMetric, options: cloudwatch.CreateAlarmOptions): cloudwatch.Alarm | undefined {
    if (!this.alarmsEnabled) return undefined;
    const alarm = new cloudwatch.Alarm(this, id, {
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...options,
      metric,
    });
    if (this.alarmTopic) {
      const action = new cwActions.SnsAction(this.alarmTopic);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarmList.push(alarm);
    return alarm;
  }

  private addDefinitions(kind: string, definitions: AlarmDefinition[]): void {
    // The first stage watched of a kind keeps short ids; later ones are numbered.
    const count = this.watchCounts[kind] ?? 0;
    this.watchCounts[kind] = count + 1;
    const prefix = count === 0 ? kind : `${kind}${count + 1}`;
    const widgets: cloudwatch.IWidget[] = [];
    for (const def of definitions) {
      const id = `${prefix}${def.id}`;
      if (def.alarm) {
        const alarm = this.addAlarm(id, def.metric, {
          threshold: def.alarm.threshold,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: this.thresholds.evaluationPeriods,
          alarmDescription: def.alarm.description,
        });
        if (alarm) {
          widgets.push(new cloudwatch.AlarmWidget({ title: def.title, alarm, width: 8 }));
          continue;
        }
      }
      widgets.push(new cloudwatch.GraphWidget({ title: def.title, left: [def.metric], width: 8 }));
    }
    this.dashboard?.addWidgets(...widgets);
  }
}

function validateRetention(scope: Construct, retention: logs.RetentionDays): void {
  const allowed = Object.values(logs.RetentionDays).filter((v): v is logs.RetentionDays => typeof v === 'number');
  checkOneOf(scope, 'logRetention', retention, allowed);
  if (retention !== logs.RetentionDays.INFINITE && retention < MIN_COMPLIANT_RETENTION_DAYS) {
    warn(
      scope,
      'LogRetentionBelowOneYear',
      `logRetention of ${retention} days is under 365 days, which Control Tower CT.CLOUDWATCH.PR.2 and PCI DSS expect`,
    );
  }
}

/** The thresholds: checked, deprecated names mapped to their successors, defaults merged. */
function resolveThresholds(scope: Construct, t: AlarmThresholds = {}): ResolvedThresholds {
  const latencyRange = { minSeconds: 0.001, maxSeconds: 300 };
  checkRange(scope, 'alarmThresholds.serverErrorRatePercent', t.serverErrorRatePercent, { min: 0, max: 100, unit: 'percent' });
  checkRange(scope, 'alarmThresholds.clientErrorRatePercent', t.clientErrorRatePercent, { min: 0, max: 100, unit: 'percent' });
  checkRange(scope, 'alarmThresholds.latencyP99Millis', t.latencyP99Millis, { min: 1, max: 300_000, unit: 'ms' });
  checkRange(scope, 'alarmThresholds.integrationLatencyP99Millis', t.integrationLatencyP99Millis, { min: 1, max: 300_000, unit: 'ms' });
  checkDuration(scope, 'alarmThresholds.latencyP99', t.latencyP99, latencyRange);
  checkDuration(scope, 'alarmThresholds.integrationLatencyP99', t.integrationLatencyP99, latencyRange);
  checkRange(scope, 'alarmThresholds.webSocketErrorsPerPeriod', t.webSocketErrorsPerPeriod, { min: 0, integer: true });
  checkRange(scope, 'alarmThresholds.evaluationPeriods', t.evaluationPeriods, { min: 1, max: 288, integer: true });
  const millis = (ms: number) => Duration.millis(ms);
  return consolidateProps(alarmThresholdDefaults(), {
    serverErrorRatePercent: t.serverErrorRatePercent,
    clientErrorRatePercent: t.clientErrorRatePercent,
    latencyP99: renamedProp(scope, {
      name: 'alarmThresholds.latencyP99',
      value: t.latencyP99,
      deprecatedName: 'alarmThresholds.latencyP99Millis',
      deprecatedValue: t.latencyP99Millis,
      convert: millis,
    }),
    integrationLatencyP99: renamedProp(scope, {
      name: 'alarmThresholds.integrationLatencyP99',
      value: t.integrationLatencyP99,
      deprecatedName: 'alarmThresholds.integrationLatencyP99Millis',
      deprecatedValue: t.integrationLatencyP99Millis,
      convert: millis,
    }),
    webSocketErrorsPerPeriod: t.webSocketErrorsPerPeriod,
    evaluationPeriods: t.evaluationPeriods,
  });
}
