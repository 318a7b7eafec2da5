/**
 * A REST stage's canary release, construct side (the handlers are src/rest/canary-*.lambda.ts, their contract
 * src/runtime/canary/contract.ts, docs/canary.md). Internal to the REST base.
 *
 * - `CanarySetting` on the stage: candidate = the current model's deployment, base = the stage's deployment.
 * - Guard (`Custom::ApiCanaryGuard`), while the canary has traffic: the stage's `PercentTraffic` is its
 *   `Fn::GetAtt`, so a rollback made outside CloudFormation (by the rollback function or an operator) stays in force
 *   across stack updates instead of being undone by the next one.
 * - Removal (`Custom::ApiCanaryRemoval`), while the canary or `removeCanary` is set: with `removeCanary` it PATCHes
 *   `remove /canarySettings`, which CloudFormation never does (aws-cdk#33901).
 * - Automatic rollback: two guard alarms on the canary's own traffic (5XX rate, p99 latency; period 60 s), an
 *   EventBridge rule on their ALARM state, and the rollback function, allowed `apigateway:GET` and `apigateway:PATCH`
 *   on this stage only.
 */
import { createHash } from 'node:crypto';
import { Aws, CfnResource, CustomResource, Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CanaryMetrics } from './canary-logs';
import { CanaryOptions, renderCanarySetting, resolveRollback, ResolvedRollback } from './canary-options';
import { CanaryRemovalFunction } from './canary-removal-function';
import { CanaryRollbackFunction } from './canary-rollback-function';
import { ApiObservability } from '../core/observability';
import { acknowledge } from '../core/private/acknowledgements';
import { renderedResource } from '../core/private/cdk-internals';
import { FunctionHardening, acknowledgeFunctionFindings, hardenedFunctionOptions } from '../core/private/functions';
import { secureLambdaPermissions } from '../core/private/lambda-permissions';
import { DLQ_KEY_ACTIONS } from '../core/private/policies';
import {
  CANARY_FUNCTION_ACTIONS, CANARY_GUARD_PERCENT_ATTRIBUTE, CANARY_GUARD_RESOURCE_TYPE, CANARY_REMOVAL_RESOURCE_TYPE,
  canaryRollbackEventPattern, renderCanaryGuardProperties, renderCanaryRemovalProperties, renderCanaryRollbackEnvironment,
} from '../runtime/canary/contract';

/** The service principal that delivers EventBridge events (and dead letters). */
const EVENTS_PRINCIPAL = 'events.amazonaws.com';

/** What a stage's canary release is built from. */
export interface CanaryReleaseContext {
  /** The pattern (the canary functions are shared by its stages). */
  readonly scope: Construct;
  /** Construct id prefix of the stage ('' for the default stage). */
  readonly idPrefix: string;
  readonly api: apigateway.RestApi;
  readonly stage: apigateway.Stage;
  readonly stageName: string;
  readonly observability: ApiObservability;
  readonly hardening: FunctionHardening;
  /** The stage's base deployment id and the current model's. */
  readonly baseDeploymentId: string;
  readonly candidateDeploymentId: string;
  /** The canary metrics, when the stage has a canary. */
  readonly metrics?: CanaryMetrics;
}

/** The canary release of one stage: its guard, removal resource, guard alarms and rollback function. */
export class StageCanaryRelease {
  /** The guard alarms (empty without automatic rollback). */
  public readonly guardAlarms: cloudwatch.IAlarm[] = [];
  /** The rollback function, with automatic rollback. */
  public readonly rollbackFunction?: CanaryRollbackFunction;
  /** The guard custom resource, while the canary has traffic. */
  public readonly guard?: CustomResource;
  /** The removal custom resource, while the canary or `removeCanary` is set. */
  public readonly removal?: CustomResource;

  constructor(private readonly context: CanaryReleaseContext, canary: CanaryOptions | undefined, removeCanary: boolean) {
    const { stage, idPrefix, scope } = context;
    const cfnStage = stage.node.defaultChild as apigateway.CfnStage;
    const functions = canaryFunction(scope, context.hardening);
    functions.addToRolePolicy(stagePolicy(context, CANARY_FUNCTION_ACTIONS.customResources));

    if (canary) {
      let percentTraffic: number | undefined;
      if (canary.percentTraffic > 0) {
        this.guard = this.createGuard(functions, canary, cfnStage);
        percentTraffic = Token.asNumber(this.guard.getAtt(CANARY_GUARD_PERCENT_ATTRIBUTE));
      }
      cfnStage.canarySetting = renderCanarySetting(canary, {
        base: context.baseDeploymentId,
        candidate: context.candidateDeploymentId,
        percentTraffic,
      });
      const rollback = resolveRollback(canary.autoRollback);
      if (rollback && context.metrics) this.rollbackFunction = this.createRollback(context.metrics, rollback);
    }
    // The removal resource runs after the stage is updated (a canary removed from the template is still live).
    this.removal = new CustomResource(scope, `${idPrefix}CanaryRemoval`, {
      serviceToken: functions.functionArn,
      resourceType: CANARY_REMOVAL_RESOURCE_TYPE,
      properties: renderCanaryRemovalProperties({ restApiId: context.api.restApiId, stageName: context.stageName, removeCanary: removeCanary }),
    });
    this.removal.node.addDependency(stage);
  }

  private createGuard(fn: CanaryRemovalFunction, canary: CanaryOptions, cfnStage: apigateway.CfnStage): CustomResource {
    const { context } = this;
    return new CustomResource(context.scope, `${context.idPrefix}CanaryGuard`, {
      serviceToken: fn.functionArn,
      resourceType: CANARY_GUARD_RESOURCE_TYPE,
      properties: renderCanaryGuardProperties({
        restApiId: context.api.restApiId,
        stageName: context.stageName,
        candidateDeploymentId: context.candidateDeploymentId,
        percentTraffic: canary.percentTraffic,
        // Changes with any other property of the stage, so CloudFormation asks the guard before every stage update.
        stageFingerprint: Lazy.string({ produce: () => stageFingerprint(cfnStage) }),
      }),
    });
  }

  private createRollback(metrics: CanaryMetrics, rollback: ResolvedRollback): CanaryRollbackFunction {
    const { context } = this;
    const { scope, idPrefix, stageName, observability } = context;
    const alarmOptions = (threshold: number, description: string): cloudwatch.CreateAlarmOptions => ({
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: rollback.periods,
      datapointsToAlarm: rollback.periods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${description} Entering ALARM rolls the canary of stage ${stageName} back to 0 % of the traffic.`,
    });
    const alarms = [
      guardAlarm(scope, observability, `${idPrefix}CanaryServerErrorRate`, metrics.metricServerErrorRate(rollback.minimumRequests),
        alarmOptions(rollback.serverErrorRatePercent, `Canary 5XX rate above ${rollback.serverErrorRatePercent} % (at least ${rollback.minimumRequests} requests a minute).`)),
      guardAlarm(scope, observability, `${idPrefix}CanaryLatencyP99`, metrics.metricLatency(),
        alarmOptions(rollback.latencyP99.toMilliseconds(), `Canary p99 latency above ${rollback.latencyP99.toMilliseconds()} ms.`)),
    ];
    this.guardAlarms.push(...alarms);
    const guardAlarmArns = alarms.map((a) => a.alarmArn);

    const spec = {
      purpose: `Rolls the canary of stage ${stageName} of ${scope.node.path} back to 0 % when a guard alarm enters ALARM`,
      noVpcReason: 'it calls only the API Gateway control plane',
      memorySize: 128,
      timeout: Duration.seconds(30),
      environment: renderCanaryRollbackEnvironment({ restApiId: context.api.restApiId, stageName, guardAlarmArns }),
      // EventBridge invokes its Lambda targets asynchronously: a failed invocation lands in the DLQ.
      asynchronous: true,
    };
    const id = `${idPrefix}CanaryRollbackFunction`;
    const fn = new CanaryRollbackFunction(scope, id, hardenedFunctionOptions(scope, id, context.hardening, spec));
    acknowledgeFunctionFindings(fn, context.hardening, spec);
    fn.addToRolePolicy(stagePolicy(context, CANARY_FUNCTION_ACTIONS.rollback));

    const rule = new events.Rule(scope, `${idPrefix}CanaryRollbackRule`, {
      description: `Rolls the canary of stage ${stageName} back when one of its guard alarms enters ALARM`,
      eventPattern: canaryRollbackEventPattern(guardAlarmArns),
    });
    // Events EventBridge cannot deliver go to the function's encrypted DLQ too, so the key must let EventBridge use it.
    rule.addTarget(new targets.LambdaFunction(fn, { retryAttempts: 4, maxEventAge: Duration.minutes(10), deadLetterQueue: fn.deadLetterQueue }));
    context.hardening.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'EventBridgeDeadLetters',
      principals: [new iam.ServicePrincipal(EVENTS_PRINCIPAL)],
      actions: [...DLQ_KEY_ACTIONS],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }));
    secureLambdaPermissions(fn);
    observability.dashboard?.addWidgets(...alarms.map((alarm) => new cloudwatch.AlarmWidget({ title: `${stageName}: ${alarm.node.id}`, alarm, width: 12 })));
    return fn;
  }
}

/** The pattern's one canary custom-resource function (guard and removal), created with its first stage. */
function canaryFunction(scope: Construct, hardening: FunctionHardening): CanaryRemovalFunction {
  const existing = scope.node.tryFindChild('CanaryFunction');
  if (existing instanceof CanaryRemovalFunction) return existing;
  const spec = {
    purpose: `Removes canary settings from, and reads the canary of, the stages of ${scope.node.path} during deployments`,
    noVpcReason: 'it runs only during deployments and calls the API Gateway control plane and the CloudFormation response URL',
    memorySize: 128,
    timeout: Duration.minutes(2),
    // CloudFormation invokes custom-resource functions asynchronously: a failed invocation lands in the DLQ.
    asynchronous: true,
  };
  const fn = new CanaryRemovalFunction(scope, 'CanaryFunction', hardenedFunctionOptions(scope, 'CanaryFunction', hardening, spec));
  acknowledgeFunctionFindings(fn, hardening, spec);
  return fn;
}

/** `actions` on this stage only: `arn:{partition}:apigateway:{region}::/restapis/{apiId}/stages/{stage}`. */
function stagePolicy(context: CanaryReleaseContext, actions: readonly string[]): iam.PolicyStatement {
  const resource = Stack.of(context.scope).formatArn({
    service: 'apigateway',
    account: '',
    resource: '/restapis',
    resourceName: `${context.api.restApiId}/stages/${context.stageName}`,
  });
  return new iam.PolicyStatement({ actions: [...actions], resources: [resource] });
}

/** A guard alarm: with the pattern's alarm action when alarms are on; the rollback rule reads its state either way. */
function guardAlarm(
  scope: Construct, observability: ApiObservability, id: string, metric: cloudwatch.IMetric, options: cloudwatch.CreateAlarmOptions,
): cloudwatch.Alarm {
  const alarm = observability.addAlarm(id, metric, options);
  if (alarm) return alarm;
  const own = new cloudwatch.Alarm(scope, id, { ...options, metric });
  // Control Tower CT.CLOUDWATCH.PR.1 is matched under its cfn-guard rule's name (core/private/acknowledgements.ts).
  for (const ruleId of ['NIST.800.53.R5-CloudWatchAlarmAction', 'HIPAA.Security-CloudWatchAlarmAction', 'cdk-validator-cfnguard::cloudwatch_alarm_action_check']) {
    acknowledge(own, {
      id: ruleId,
      reason: 'Alarm notifications are switched off for this API (observability.alarms: false); this guard alarm still acts: ' +
        'an EventBridge rule on its ALARM state invokes the canary rollback function, which sets the canary to 0 %',
    });
  }
  return own;
}

/** A hash of the stage's rendered properties. */
function stageFingerprint(stage: CfnResource): string {
  const stack = Stack.of(stage);
  const rendered = stack.resolve(renderedResource(stage));
  return createHash('sha256').update(JSON.stringify(rendered)).digest('hex').slice(0, 32);
}
