/**
 * One function serves both canary custom resources of a stage, dispatched on CloudFormation's `ResourceType`
 * (the template's `Custom::...` type, sent in every request):
 * - `Custom::ApiCanaryRemoval` (./removal.ts) removes the live canary (aws-cdk#33901);
 * - `Custom::ApiCanaryGuard` (./guard.ts) answers the canary's share of traffic, keeping an out-of-band rollback.
 * No CDK imports: runs inside Lambda.
 */
import { CANARY_GUARD_RESOURCE_TYPE, CANARY_REMOVAL_RESOURCE_TYPE } from './contract';
import { canaryGuard } from './guard';
import { canaryRemoval } from './removal';
import { StageGateway } from './stage';
import { CfnEvent, CfnOutcome } from '../monetized/custom-resource';
import { HttpError, Log } from '../monetized/errors';

/** A custom resource request, with the resource type. */
export interface CanaryCfnEvent extends CfnEvent {
  readonly ResourceType?: string;
}

/** The work of one canary custom resource event (run inside `runCustomResource`). */
export async function canaryCustomResource(stages: StageGateway, log: Log, event: CanaryCfnEvent): Promise<CfnOutcome> {
  if (event.ResourceType === CANARY_REMOVAL_RESOURCE_TYPE) return canaryRemoval(stages, log, event);
  if (event.ResourceType === CANARY_GUARD_RESOURCE_TYPE) return canaryGuard(stages, log, event);
  // Deleting a resource of a type this function never served must not block the stack.
  if (event.RequestType === 'Delete') return { physicalResourceId: event.PhysicalResourceId ?? `${event.LogicalResourceId}/canary` };
  throw new HttpError(400, 'UnknownResourceType', `this function serves ${CANARY_REMOVAL_RESOURCE_TYPE} and ${CANARY_GUARD_RESOURCE_TYPE}`);
}
