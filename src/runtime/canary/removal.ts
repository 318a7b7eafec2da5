/**
 * The canary removal custom resource. CloudFormation leaves a removed `CanarySetting` on the live stage
 * (aws-cdk#33901: `cdk diff` shows `[-] CanarySetting`, the stage keeps its canary after the deploy), so removing a
 * canary for real is an explicit UpdateStage `[{ op: 'remove', path: '/canarySettings' }]`
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/delete-canary-deployment.html).
 *
 * Create and Update with `RemoveCanary: true` remove the canary when the live stage has one (no canary: no call);
 * `RemoveCanary: false` and Delete do nothing to the stage. The base deployment (`/deploymentId`) is never patched:
 * the stage keeps serving what it served outside the canary. The answer to CloudFormation follows the protocol of
 * src/runtime/monetized/custom-resource.ts. No CDK imports: runs inside Lambda.
 */
import { CanaryConfigError, parseCanaryRemovalProperties } from './contract';
import { LiveStage, REMOVE_CANARY, StageGateway } from './stage';
import { CfnEvent, CfnOutcome } from '../monetized/custom-resource';
import { errorName, HttpError, Log } from '../monetized/errors';

/** Why no patch is sent. */
export type RemovalSkip = 'not-requested' | 'stage-not-found' | 'no-canary';

/** Pure: the patch that removes the canary, or why there is none. */
export function removalPlan(removeCanary: boolean, stage: LiveStage | undefined): { patch: typeof REMOVE_CANARY } | { skip: RemovalSkip } {
  if (!removeCanary) return { skip: 'not-requested' };
  if (!stage) return { skip: 'stage-not-found' };
  if (!stage.canary) return { skip: 'no-canary' };
  return { patch: REMOVE_CANARY };
}

/** Refused properties become a FAILED answer whose reason names the property (never its value). */
export function asPropertyError(error: unknown): unknown {
  return error instanceof CanaryConfigError ? new HttpError(400, 'InvalidProperty', error.message) : error;
}

/** The work of one removal event (run inside `runCustomResource`). */
export async function canaryRemoval(stages: StageGateway, log: Log, event: CfnEvent): Promise<CfnOutcome> {
  if (event.RequestType === 'Delete') {
    // Deleting the resource (the canary came back into the template, or the stack goes) leaves the stage alone.
    return { physicalResourceId: event.PhysicalResourceId ?? `${event.LogicalResourceId}/canary-removal` };
  }
  let props;
  try {
    props = parseCanaryRemovalProperties(event.ResourceProperties);
  } catch (e) {
    throw asPropertyError(e);
  }
  const physicalResourceId = `${props.restApiId}/${props.stageName}/canary-removal`;
  const before = props.removeCanary ? await stages.getStage(props.restApiId, props.stageName) : undefined;
  const plan = removalPlan(props.removeCanary, before);
  if ('skip' in plan) {
    log('canary removal', { restApiId: props.restApiId, stageName: props.stageName, action: 'none', reason: plan.skip });
    return { physicalResourceId, data: { Removed: 'false' } };
  }
  let after: LiveStage;
  try {
    after = await stages.updateStage(props.restApiId, props.stageName, plan.patch);
  } catch (e) {
    // The canary may have gone between GetStage and UpdateStage: read again, and succeed if it is gone.
    if (!['BadRequestException', 'NotFoundException', 'ConflictException'].includes(errorName(e))) throw e;
    const now = removalPlan(true, await stages.getStage(props.restApiId, props.stageName));
    if (!('skip' in now)) throw e;
    log('canary removal', { restApiId: props.restApiId, stageName: props.stageName, action: 'none', reason: now.skip });
    return { physicalResourceId, data: { Removed: 'false' } };
  }
  if (after.canary) throw new HttpError(502, 'CanaryNotRemoved', 'API Gateway still reports canary settings on the stage after removing them');
  log('canary removal', {
    restApiId: props.restApiId,
    stageName: props.stageName,
    action: 'removed',
    canaryDeploymentId: before?.canary?.deploymentId,
    baseDeploymentId: after.deploymentId,
  });
  return { physicalResourceId, data: { Removed: 'true' } };
}
