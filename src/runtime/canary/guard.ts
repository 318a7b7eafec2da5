/**
 * The canary guard custom resource: keeps an out-of-band rollback (the rollback function's, or an operator's) in
 * force across stack updates, so that the template and the live stage do not fight.
 *
 * Without it, the template still says `PercentTraffic: 10` after the rollback function set the live canary to 0, and a
 * later stack update that touches the stage may send 10 again to the canary the alarms just condemned. With it, the
 * stage's `CanarySetting.PercentTraffic` is `Fn::GetAtt [Guard, PercentTraffic]`: CloudFormation asks the guard
 * before it updates the stage (the attribute is an input of the stage), and the guard answers the template's value
 * unless the live stage shows that the same candidate was rolled back to 0 since the last deployment, with the
 * props unchanged. Its `StageFingerprint` property (a hash of the stage's other properties) makes CloudFormation ask
 * again before every update of the stage. docs/canary.md gives the states and what the construct wires.
 *
 * The guard never blocks a deployment: a stage it cannot read (after retries) gets the template's value, and the
 * guard alarms remain the backstop (they roll the canary back again). No CDK imports: runs inside Lambda.
 */
import { CANARY_GUARD_PERCENT_ATTRIBUTE, CanaryGuardProperties, parseCanaryGuardProperties } from './contract';
import { asPropertyError } from './removal';
import { LiveStage, StageGateway } from './stage';
import { CfnEvent, CfnOutcome } from '../monetized/custom-resource';
import { errorName, Log } from '../monetized/errors';

/** Why the guard answered what it answered. */
export type GuardReason =
  | 'first-deployment'
  | 'template-at-zero'
  | 'new-candidate'
  | 'percent-changed-in-props'
  | 'rollback-kept'
  | 'live-follows-template'
  | 'live-stage-unreadable';

/** The share of traffic the stage's canary gets in this deployment. */
export interface GuardDecision {
  readonly percentTraffic: number;
  readonly reason: GuardReason;
}

/**
 * Pure, first step: the decision that needs no live stage, or undefined when the live stage decides. The props are
 * the template's intent; `old` is the intent of the previous deployment (undefined on Create).
 */
export function templateDecision(props: CanaryGuardProperties, old: CanaryGuardProperties | undefined): GuardDecision | undefined {
  const template = props.percentTraffic;
  if (!old) return { percentTraffic: template, reason: 'first-deployment' };
  if (template === 0) return { percentTraffic: 0, reason: 'template-at-zero' };
  // A new candidate (the API model changed) or a new share in props is a new decision of the owner: apply it.
  if (old.candidateDeploymentId !== props.candidateDeploymentId || old.restApiId !== props.restApiId || old.stageName !== props.stageName) {
    return { percentTraffic: template, reason: 'new-candidate' };
  }
  if (old.percentTraffic !== template) return { percentTraffic: template, reason: 'percent-changed-in-props' };
  return undefined;
}

/**
 * Pure, second step: same candidate, same share in props as last time. If the live canary still points at that
 * candidate and carries 0 %, someone (the rollback function, an operator) rolled it back out of band: keep 0.
 */
export function liveDecision(props: CanaryGuardProperties, live: LiveStage | undefined): GuardDecision {
  const canary = live?.canary;
  if (canary && canary.deploymentId === props.candidateDeploymentId && canary.percentTraffic === 0) {
    return { percentTraffic: 0, reason: 'rollback-kept' };
  }
  return { percentTraffic: props.percentTraffic, reason: 'live-follows-template' };
}

function previousIntent(event: CfnEvent): CanaryGuardProperties | undefined {
  if (event.RequestType !== 'Update') return undefined;
  try {
    return parseCanaryGuardProperties(event.OldResourceProperties);
  } catch {
    return undefined;
  }
}

/** The work of one guard event (run inside `runCustomResource`); answers `Data.PercentTraffic`. */
export async function canaryGuard(stages: StageGateway, log: Log, event: CfnEvent): Promise<CfnOutcome> {
  if (event.RequestType === 'Delete') return { physicalResourceId: event.PhysicalResourceId ?? `${event.LogicalResourceId}/canary-guard` };
  let props: CanaryGuardProperties;
  try {
    props = parseCanaryGuardProperties(event.ResourceProperties);
  } catch (e) {
    throw asPropertyError(e);
  }
  let decision = templateDecision(props, previousIntent(event));
  if (!decision) {
    try {
      decision = liveDecision(props, await stages.getStage(props.restApiId, props.stageName));
    } catch (e) {
      log('canary guard could not read the stage', { restApiId: props.restApiId, stageName: props.stageName, code: errorName(e) });
      decision = { percentTraffic: props.percentTraffic, reason: 'live-stage-unreadable' };
    }
  }
  log('canary guard', {
    restApiId: props.restApiId,
    stageName: props.stageName,
    candidateDeploymentId: props.candidateDeploymentId,
    templatePercentTraffic: props.percentTraffic,
    percentTraffic: decision.percentTraffic,
    reason: decision.reason,
  });
  return {
    physicalResourceId: `${props.restApiId}/${props.stageName}/canary-guard`,
    data: { [CANARY_GUARD_PERCENT_ATTRIBUTE]: String(decision.percentTraffic), Reason: decision.reason },
  };
}
