/**
 * Automatic canary rollback: an EventBridge rule on the guard alarms' state changes invokes the rollback function,
 * which sets the canary's share of traffic to 0 % (and touches nothing else: never `/deploymentId`, the base).
 *
 * The decision is two pure steps: `triggerFromEvent` (is this one of our guard alarms entering ALARM?) and
 * `rollbackPlan` (does the live stage have a canary with traffic?). `runRollback` reads the stage (GetStage), patches
 * it only when there is something to do (idempotent: a canary already at 0, or absent, costs no update), and
 * returns what it did for the log.
 *
 * Event format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
 * (CloudWatch guarantees delivery of alarm state-change events to EventBridge; EventBridge delivers at least once,
 * so the same event may arrive twice: the second finds the canary at 0 and does nothing).
 * No CDK imports: runs inside Lambda.
 */
import { alarmNameOf, CanaryRollbackConfig } from './contract';
import { canaryHasTraffic, LiveCanary, LiveStage, StageGateway, ZERO_CANARY_TRAFFIC } from './stage';
import { errorName, Log } from '../monetized/errors';

/** Why an event leads to no rollback. */
export type IgnoreReason =
  | 'malformed-event'
  | 'not-an-alarm-state-change'
  | 'not-a-guard-alarm'
  | 'state-ok'
  | 'state-insufficient-data'
  | 'stage-not-found'
  | 'no-canary'
  | 'canary-already-at-zero';

/** A guard alarm that entered ALARM. */
export interface AlarmTrigger {
  readonly alarmArn: string;
  readonly alarmName: string;
  /** When the alarm entered ALARM (the event's `detail.state.timestamp`), if given. */
  readonly since?: string;
}

/** The outcome of one event, as logged. */
export type RollbackOutcome =
  | { readonly action: 'ignored'; readonly reason: IgnoreReason; readonly alarmName?: string }
  | {
    readonly action: 'rolled-back';
    readonly alarmName: string;
    readonly canaryDeploymentId?: string;
    readonly baseDeploymentId?: string;
    readonly previousPercentTraffic: number;
    readonly percentTraffic: number;
  };

const STATES: Record<string, IgnoreReason | undefined> = { OK: 'state-ok', INSUFFICIENT_DATA: 'state-insufficient-data', ALARM: undefined };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Step 1, pure: the guard alarm that entered ALARM, or why the event is ignored. Only events of CloudWatch's
 * `CloudWatch Alarm State Change` type, for an alarm whose ARN (in `resources`) AND name (`detail.alarmName`) are
 * those of a configured guard alarm, in state ALARM, trigger a rollback.
 */
export function triggerFromEvent(event: unknown, config: CanaryRollbackConfig): AlarmTrigger | { ignore: IgnoreReason; alarmName?: string } {
  if (!isRecord(event) || !isRecord(event.detail) || !Array.isArray(event.resources)) return { ignore: 'malformed-event' };
  if (event.source !== 'aws.cloudwatch' || event['detail-type'] !== 'CloudWatch Alarm State Change') return { ignore: 'not-an-alarm-state-change' };
  const { alarmName, state } = event.detail;
  if (typeof alarmName !== 'string' || !isRecord(state) || typeof state.value !== 'string' || !(state.value in STATES)) return { ignore: 'malformed-event' };
  const alarmArn = config.guardAlarmArns.find((arn) => (event.resources as unknown[]).includes(arn) && alarmNameOf(arn) === alarmName);
  if (!alarmArn) return { ignore: 'not-a-guard-alarm' };
  const ignore = STATES[state.value];
  if (ignore) return { ignore, alarmName };
  return { alarmArn, alarmName, since: typeof state.timestamp === 'string' ? state.timestamp : undefined };
}

/** Step 2, pure: whether the live stage has a canary to roll back. */
export function rollbackPlan(stage: LiveStage | undefined): { patch: typeof ZERO_CANARY_TRAFFIC; canary: LiveCanary } | { ignore: IgnoreReason } {
  if (!stage) return { ignore: 'stage-not-found' };
  if (!stage.canary) return { ignore: 'no-canary' };
  if (!canaryHasTraffic(stage)) return { ignore: 'canary-already-at-zero' };
  return { patch: ZERO_CANARY_TRAFFIC, canary: stage.canary };
}

/**
 * Handles one event. Throws only when API Gateway keeps failing (after the gateway's own retries) or refuses the
 * function (access denied): Lambda then retries the asynchronous invocation and finally hands the event to the
 * function's failure destination.
 */
export async function runRollback(event: unknown, config: CanaryRollbackConfig, stages: StageGateway, log: Log): Promise<RollbackOutcome> {
  const trigger = triggerFromEvent(event, config);
  if ('ignore' in trigger) return record(log, config, { action: 'ignored', reason: trigger.ignore, alarmName: trigger.alarmName });
  const before = await stages.getStage(config.restApiId, config.stageName);
  const plan = rollbackPlan(before);
  if ('ignore' in plan) return record(log, config, { action: 'ignored', reason: plan.ignore, alarmName: trigger.alarmName });
  let after: LiveStage;
  try {
    after = await stages.updateStage(config.restApiId, config.stageName, plan.patch);
  } catch (e) {
    // The canary may have gone between GetStage and UpdateStage (removed by a deployment): read again, and succeed
    // if there is nothing left to roll back.
    if (!['BadRequestException', 'NotFoundException', 'ConflictException'].includes(errorName(e))) throw e;
    const now = rollbackPlan(await stages.getStage(config.restApiId, config.stageName));
    if ('ignore' in now) return record(log, config, { action: 'ignored', reason: now.ignore, alarmName: trigger.alarmName });
    throw e;
  }
  return record(log, config, {
    action: 'rolled-back',
    alarmName: trigger.alarmName,
    canaryDeploymentId: plan.canary.deploymentId,
    baseDeploymentId: after.deploymentId,
    previousPercentTraffic: plan.canary.percentTraffic,
    percentTraffic: after.canary?.percentTraffic ?? 0,
  });
}

/** Logs what was done (ids, names, percentages: never the event, which carries the alarm's configuration). */
function record(log: Log, config: CanaryRollbackConfig, outcome: RollbackOutcome): RollbackOutcome {
  log('canary rollback', { restApiId: config.restApiId, stageName: config.stageName, ...outcome });
  return outcome;
}
