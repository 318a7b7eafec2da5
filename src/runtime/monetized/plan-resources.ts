/**
 * Custom resources on a tier's usage plan. No CDK imports: runs inside Lambda.
 *
 * Product code: `AWS::ApiGateway::UsagePlan` has no ProductCode property, so the AWS Marketplace product code is
 * set with `UpdateUsagePlan [{ op: replace, path: /productCode, value }]`
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/sell-api-as-saas-on-aws-marketplace.html), paced at
 * UpdateUsagePlan's 1 call per 20 s and retried with backoff; Delete removes it (`remove /productCode`) unless the
 * plan is gone or carries another code by then.
 *
 * Tier cleanup: API Gateway refuses to delete a plan that still has API stages ("Cannot delete Usage Plan ...
 * because there are API Stages associated with it", aws/aws-sdk-js#3841). On Delete, the plan's stages are removed
 * (`remove /apiStages` with the value `{apiId}:{stage}`, https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html)
 * and its keys detached; with DeletePlan, the plan is deleted too, and a refusal because stages are associated
 * (attached again meanwhile) is answered by detaching again and retrying.
 */
import { RESOURCE_ID, PRODUCT_CODE } from './contract';
import { CfnEvent, CfnOutcome, stringProperty } from './custom-resource';
import { errorName, Log } from './errors';
import { KeyGateway } from './gateway';

/** The product code's physical id: one per plan. */
export const productCodeId = (planId: string) => `${planId}/product-code`;
export const cleanupId = (planId: string) => `${planId}/cleanup`;
/** Attempts to delete a plan that API Gateway says still has stages. */
export const DELETE_PLAN_ATTEMPTS = 3;

/** Handles a product-code custom resource event. */
export async function productCode(gateway: KeyGateway, log: Log, event: CfnEvent): Promise<CfnOutcome> {
  if (event.RequestType === 'Delete') {
    const planId = event.ResourceProperties?.UsagePlanId;
    // A failed Create leaves a physical id that is not ours: nothing was set.
    if (typeof planId !== 'string' || event.PhysicalResourceId !== productCodeId(planId)) {
      return { physicalResourceId: event.PhysicalResourceId ?? event.LogicalResourceId };
    }
    const plan = await gateway.getPlan(planId);
    if (plan && plan.productCode === event.ResourceProperties.ProductCode) {
      await gateway.updatePlan(planId, [{ op: 'remove', path: '/productCode' }]);
      log('product code removed', { usagePlanId: planId });
    }
    return { physicalResourceId: event.PhysicalResourceId };
  }
  const planId = stringProperty(event.ResourceProperties, 'UsagePlanId', RESOURCE_ID);
  const code = stringProperty(event.ResourceProperties, 'ProductCode', PRODUCT_CODE);
  await gateway.updatePlan(planId, [{ op: 'replace', path: '/productCode', value: code }]);
  log('product code set', { usagePlanId: planId });
  return { physicalResourceId: productCodeId(planId), data: { UsagePlanId: planId, ProductCode: code } };
}

/** What removing a tier did. */
export interface TierRemoval {
  readonly stages: string[];
  readonly keys: number;
  readonly deleted: boolean;
}

/** Removes every stage of the plan in one UpdateUsagePlan call; returns the `{apiId}:{stage}` values removed. */
async function detachStages(gateway: KeyGateway, planId: string): Promise<string[] | undefined> {
  const plan = await gateway.getPlan(planId);
  if (!plan) return undefined;
  const stages = (plan.apiStages ?? []).filter((s) => s.apiId && s.stage).map((s) => `${s.apiId}:${s.stage}`);
  if (stages.length) await gateway.updatePlan(planId, stages.map((value) => ({ op: 'remove', path: '/apiStages', value })));
  return stages;
}

/**
 * Detaches the plan's stages and keys, then (with `deletePlan`) deletes it; a plan already gone is done.
 * Keys are only detached, never deleted: they may be in other plans.
 */
export async function removeTier(gateway: KeyGateway, log: Log, planId: string, deletePlan: boolean): Promise<TierRemoval> {
  const stages = await detachStages(gateway, planId);
  if (!stages) return { stages: [], keys: 0, deleted: false };
  const keys = await gateway.keyIdsOfPlan(planId);
  for (const keyId of keys) await gateway.detach(planId, keyId);
  let deleted = false;
  for (let attempt = 1; deletePlan && !deleted; attempt++) {
    try {
      deleted = await gateway.deletePlan(planId);
      break;
    } catch (e) {
      const stagesLeft = errorName(e) === 'BadRequestException' && /API Stages? associated/i.test(String((e as Error).message));
      if (!stagesLeft || attempt >= DELETE_PLAN_ATTEMPTS) throw e;
      log('plan still has stages; detaching again', { usagePlanId: planId, attempt });
      stages.push(...((await detachStages(gateway, planId)) ?? []));
    }
  }
  log('tier removed', { usagePlanId: planId, stages: stages.length, keys: keys.length, deleted });
  return { stages, keys: keys.length, deleted };
}

/** Handles a tier-cleanup custom resource event: nothing on Create and Update, removal on Delete. */
export async function tierCleanup(gateway: KeyGateway, log: Log, event: CfnEvent): Promise<CfnOutcome> {
  if (event.RequestType !== 'Delete') {
    const planId = stringProperty(event.ResourceProperties, 'UsagePlanId', RESOURCE_ID);
    return { physicalResourceId: cleanupId(planId) };
  }
  const planId = event.ResourceProperties?.UsagePlanId;
  if (typeof planId !== 'string' || event.PhysicalResourceId !== cleanupId(planId)) {
    return { physicalResourceId: event.PhysicalResourceId ?? event.LogicalResourceId };
  }
  await removeTier(gateway, log, planId, event.ResourceProperties.DeletePlan === 'true');
  return { physicalResourceId: event.PhysicalResourceId };
}
