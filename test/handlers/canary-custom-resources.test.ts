/**
 * The canary custom resources (issue 13): removal (T-a1's custom-resource branch) and the guard that keeps an
 * out-of-band rollback, through the CloudFormation response protocol of src/runtime/monetized/custom-resource.ts,
 * against a mocked API Gateway client (aws-sdk-client-mock) whose stage refuses any patch but the canary's.
 *
 * AWS rules relied on, each tested below:
 * - aws-cdk#33901: removing `CanarySetting` from the template leaves the canary on the live stage; removal is
 *   UpdateStage [{ op: 'remove', path: '/canarySettings' }]
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/delete-canary-deployment.html);
 * - CloudFormation sends every scalar property as a string (`true` as "true") and, on Update, the previous
 *   properties as OldResourceProperties; an attribute answered in `Data` is what `Fn::GetAtt` reads
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html, crpg-ref-responses.html).
 */
import { BadRequestException, TooManyRequestsException } from '@aws-sdk/client-api-gateway';
import { API_ID, STAGE, stageSetup, StageState } from './support/canary-stage';
import { renderCanaryGuardProperties, renderCanaryRemovalProperties } from '../../src/runtime/canary/contract';
import { canaryCustomResource } from '../../src/runtime/canary/custom-resources';
import { liveDecision, templateDecision } from '../../src/runtime/canary/guard';
import { removalPlan } from '../../src/runtime/canary/removal';
import { runCustomResource } from '../../src/runtime/monetized/custom-resource';

const RESPONSE_URL = 'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x?X-Amz-Signature=secret';

/** CloudFormation stringifies scalar properties. */
function asSent(props: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, String(v)]));
}

function event(ResourceType: string, RequestType: 'Create' | 'Update' | 'Delete', props: Record<string, unknown>, old?: Record<string, unknown>): any {
  return {
    RequestType,
    ResourceType,
    ResponseURL: RESPONSE_URL,
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/orders/1',
    RequestId: 'f4e7c2d0-1111-2222-3333-444455556666',
    LogicalResourceId: 'OrdersProdCanary',
    ...(RequestType === 'Create' ? {} : { PhysicalResourceId: `${API_ID}/${STAGE}/canary` }),
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:x', ...asSent(props) },
    ...(old ? { OldResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:x', ...asSent(old) } } : {}),
  };
}

async function run(state: StageState | undefined, e: any, setup = stageSetup(state)) {
  const responses: Array<Record<string, any>> = [];
  const logs: unknown[] = [];
  const log = (m: string, f: Record<string, unknown>) => logs.push([m, f]);
  const status = await runCustomResource(e, { log, respond: async (_url, body) => void responses.push(JSON.parse(body)) }, 'canary', (ev) => canaryCustomResource(setup.stages, log, ev));
  return { status, response: responses[0], calls: setup.stage.calls.map((c) => [c.op, c.input]), stage: setup.stage, logs };
}

const withCanary: StageState = { deploymentId: 'base01', canarySettings: { deploymentId: 'cand02', percentTraffic: 10 } };
const REMOVAL = 'Custom::ApiCanaryRemoval';
const GUARD = 'Custom::ApiCanaryGuard';
const removal = renderCanaryRemovalProperties({ restApiId: API_ID, stageName: STAGE, removeCanary: true });

describe('canary removal custom resource (aws-cdk#33901)', () => {
  test('GIVEN Create with RemoveCanary: true and a live canary THEN GetStage, then exactly UpdateStage [remove /canarySettings]; SUCCESS; the base deployment stays', async () => {
    const r = await run(structuredClone(withCanary), event(REMOVAL, 'Create', removal));
    expect(r.calls).toEqual([
      ['GetStage', { restApiId: API_ID, stageName: STAGE }],
      ['UpdateStage', { restApiId: API_ID, stageName: STAGE, patchOperations: [{ op: 'remove', path: '/canarySettings' }] }],
    ]);
    expect(r.stage.state).toEqual({ deploymentId: 'base01' });
    expect(r.response).toEqual({
      Status: 'SUCCESS',
      Reason: 'OK',
      PhysicalResourceId: `${API_ID}/${STAGE}/canary-removal`,
      StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/orders/1',
      RequestId: 'f4e7c2d0-1111-2222-3333-444455556666',
      LogicalResourceId: 'OrdersProdCanary',
      Data: { Removed: 'true' },
    });
    expect(JSON.stringify(r.logs)).not.toContain('X-Amz-Signature');
  });

  test('GIVEN Update with RemoveCanary "true" (as CloudFormation sends it) and a canary at 0 % THEN it is removed too', async () => {
    const r = await run({ deploymentId: 'cand02', canarySettings: { deploymentId: 'cand02', percentTraffic: 0 } }, event(REMOVAL, 'Update', removal, { ...removal, RemoveCanary: false }));
    expect(r.calls.map((c) => c[0])).toEqual(['GetStage', 'UpdateStage']);
    expect(r.stage.state).toEqual({ deploymentId: 'cand02' });
  });

  test('GIVEN no canary on the live stage THEN GetStage only (idempotent), SUCCESS with Removed false', async () => {
    const r = await run({ deploymentId: 'base01' }, event(REMOVAL, 'Create', removal));
    expect(r.calls.map((c) => c[0])).toEqual(['GetStage']);
    expect(r.response).toMatchObject({ Status: 'SUCCESS', Data: { Removed: 'false' } });
  });

  test('GIVEN RemoveCanary false, or Delete THEN API Gateway is not called and the canary stays', async () => {
    for (const e of [
      event(REMOVAL, 'Create', { ...removal, RemoveCanary: false }),
      event(REMOVAL, 'Update', renderCanaryRemovalProperties({ restApiId: API_ID, stageName: STAGE, removeCanary: false }), removal),
      event(REMOVAL, 'Delete', removal),
      // A Delete with properties that would be refused must not block the stack's deletion.
      event(REMOVAL, 'Delete', { RestApiId: '../x' }),
    ]) {
      const r = await run(structuredClone(withCanary), e);
      expect(r.status).toBe('SUCCESS');
      expect(r.calls).toEqual([]);
      expect(r.stage.state).toEqual(withCanary);
    }
  });

  test('GIVEN throttling THEN retried; GIVEN a stage that does not exist THEN SUCCESS without update', async () => {
    const s = stageSetup(structuredClone(withCanary));
    s.stage.failNext('UpdateStage', new TooManyRequestsException({ message: 'Too Many Requests', $metadata: {} }));
    const r = await run(undefined, event(REMOVAL, 'Create', removal), s);
    expect(r.status).toBe('SUCCESS');
    expect(r.calls.map((c) => c[0])).toEqual(['GetStage', 'UpdateStage', 'UpdateStage']);
    const gone = stageSetup();
    gone.stage.state = undefined;
    expect((await run(undefined, event(REMOVAL, 'Create', removal), gone)).calls.map((c) => c[0])).toEqual(['GetStage']);
  });

  test('GIVEN the canary removed between GetStage and UpdateStage THEN read again and SUCCESS (Removed false); a refusal with the canary still there fails', async () => {
    const s = stageSetup(structuredClone(withCanary));
    const original = s.stage.updateStage.bind(s.stage);
    s.stage.updateStage = (input: any) => {
      delete s.stage.state!.canarySettings;
      return original(input);
    };
    const gone = await run(undefined, event(REMOVAL, 'Create', removal), s);
    expect(gone.response).toMatchObject({ Status: 'SUCCESS', Data: { Removed: 'false' } });
    expect(gone.calls.map((c) => c[0])).toEqual(['GetStage', 'UpdateStage', 'GetStage']);
    const refused = stageSetup(structuredClone(withCanary));
    refused.stage.failNext('UpdateStage', new BadRequestException({ message: 'refused', $metadata: {} }));
    expect((await run(undefined, event(REMOVAL, 'Create', removal), refused)).response).toMatchObject({ Status: 'FAILED', Reason: 'BadRequestException (see the function log)' });
  });

  test.each([
    ['RestApiId', { ...removal, RestApiId: '../../evil' }, 'InvalidProperty: RestApiId: is not a REST API id'],
    ['StageName', { ...removal, StageName: 'prod stage' }, 'InvalidProperty: StageName: is not a REST stage name'],
    ['RemoveCanary', { ...removal, RemoveCanary: 'yes' }, 'InvalidProperty: RemoveCanary: is not true or false'],
  ])('GIVEN an invalid %s THEN FAILED with the reason, and no API Gateway call', async (_what, props, reason) => {
    const r = await run(structuredClone(withCanary), event(REMOVAL, 'Create', props));
    expect(r.response).toMatchObject({ Status: 'FAILED', Reason: reason });
    expect(r.calls).toEqual([]);
  });

  test('removal plan (pure): nothing without a request, a stage or a canary', () => {
    expect(removalPlan(false, { deploymentId: 'b', canary: { deploymentId: 'c', percentTraffic: 5 } })).toEqual({ skip: 'not-requested' });
    expect(removalPlan(true, undefined)).toEqual({ skip: 'stage-not-found' });
    expect(removalPlan(true, { deploymentId: 'b' })).toEqual({ skip: 'no-canary' });
    expect(removalPlan(true, { deploymentId: 'b', canary: { deploymentId: 'c', percentTraffic: 0 } })).toEqual({ patch: [{ op: 'remove', path: '/canarySettings' }] });
  });
});

describe('canary guard custom resource (keeps an out-of-band rollback across stack updates)', () => {
  const intent = (candidateDeploymentId: string, percentTraffic: number, stageFingerprint = 'f1') =>
    renderCanaryGuardProperties({ restApiId: API_ID, stageName: STAGE, candidateDeploymentId, percentTraffic, stageFingerprint });
  const rolledBack: StageState = { deploymentId: 'base01', canarySettings: { deploymentId: 'cand02', percentTraffic: 0 } };

  test('GIVEN the rollback function set cand02 to 0 % and a later deploy changes only other stage properties THEN the guard answers 0 (rollback kept)', async () => {
    const r = await run(structuredClone(rolledBack), event(GUARD, 'Update', intent('cand02', 10, 'f2'), intent('cand02', 10, 'f1')));
    expect(r.calls).toEqual([['GetStage', { restApiId: API_ID, stageName: STAGE }]]);
    expect(r.response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${API_ID}/${STAGE}/canary-guard`, Data: { PercentTraffic: '0', Reason: 'rollback-kept' } });
  });

  test.each([
    ['first deployment (Create)', '10', 'first-deployment', 'Create', intent('cand02', 10), undefined, rolledBack, 0],
    ['a new candidate (the API model changed)', '10', 'new-candidate', 'Update', intent('cand03', 10), intent('cand02', 10), rolledBack, 0],
    ['a new share in props', '20', 'percent-changed-in-props', 'Update', intent('cand02', 20), intent('cand02', 10), rolledBack, 0],
    ['rollback in props (0 %)', '0', 'template-at-zero', 'Update', intent('cand02', 0), intent('cand02', 10), rolledBack, 0],
    ['a live canary with traffic', '10', 'live-follows-template', 'Update', intent('cand02', 10, 'f2'), intent('cand02', 10), withCanary, 1],
    ['a live canary on another deployment', '10', 'live-follows-template', 'Update', intent('cand02', 10, 'f2'), intent('cand02', 10), { deploymentId: 'b', canarySettings: { deploymentId: 'other', percentTraffic: 0 } }, 1],
    ['no live canary (removed)', '10', 'live-follows-template', 'Update', intent('cand02', 10, 'f2'), intent('cand02', 10), { deploymentId: 'base01' }, 1],
  ])('GIVEN %s THEN PercentTraffic %s (%s)', async (_what, percent, reason, type, props, old, state, reads) => {
    const r = await run(structuredClone(state), event(GUARD, type as 'Create' | 'Update', props, old));
    expect(r.response).toMatchObject({ Status: 'SUCCESS', Data: { PercentTraffic: percent, Reason: reason } });
    expect(r.calls).toHaveLength(reads);
    // The guard only reads: the stage is CloudFormation's to update, with the answered value.
    expect(r.calls.every((c) => c[0] === 'GetStage')).toBe(true);
  });

  test('GIVEN an Update whose previous properties are not readable (an older format) THEN treated as a first deployment', async () => {
    const r = await run(structuredClone(rolledBack), event(GUARD, 'Update', intent('cand02', 10, 'f2'), { RestApiId: API_ID }));
    expect(r.response).toMatchObject({ Status: 'SUCCESS', Data: { PercentTraffic: '10', Reason: 'first-deployment' } });
    expect(r.calls).toEqual([]);
  });

  test('GIVEN the live stage cannot be read (throttled past every retry) THEN the template value, never a failed deployment', async () => {
    const s = stageSetup(structuredClone(rolledBack));
    s.stage.failNext('GetStage', ...Array.from({ length: 10 }, () => new TooManyRequestsException({ message: 'Too Many Requests', $metadata: {} })));
    const r = await run(undefined, event(GUARD, 'Update', intent('cand02', 10, 'f2'), intent('cand02', 10)), s);
    expect(r.response).toMatchObject({ Status: 'SUCCESS', Data: { PercentTraffic: '10', Reason: 'live-stage-unreadable' } });
  });

  test('GIVEN Delete THEN no call, SUCCESS; GIVEN invalid properties THEN FAILED naming the property', async () => {
    const del = await run(structuredClone(rolledBack), event(GUARD, 'Delete', intent('cand02', 10)));
    expect(del).toMatchObject({ status: 'SUCCESS', calls: [] });
    for (const [props, reason] of [
      [{ ...intent('cand02', 10), PercentTraffic: '101' }, 'InvalidProperty: PercentTraffic: is not a number from 0 to 100'],
      [{ ...intent('cand02', 10), PercentTraffic: '-1' }, 'InvalidProperty: PercentTraffic: is not a number from 0 to 100'],
      [{ ...intent('cand02', 10), CandidateDeploymentId: 'a/b' }, 'InvalidProperty: CandidateDeploymentId: is not a deployment id'],
      [{ ...intent('cand02', 10), StageFingerprint: undefined }, 'InvalidProperty: StageFingerprint: is not a string of at most 256 characters'],
    ] as const) {
      const props2 = Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined));
      const r = await run(structuredClone(rolledBack), event(GUARD, 'Create', props2));
      expect(r.response).toMatchObject({ Status: 'FAILED', Reason: reason });
    }
  });

  test('guard decisions (pure): the live stage decides only for the same candidate and the same share as last time', () => {
    const p = { restApiId: API_ID, stageName: STAGE, candidateDeploymentId: 'cand02', percentTraffic: 10, stageFingerprint: 'f2' };
    expect(templateDecision(p, { ...p, stageFingerprint: 'f1' })).toBeUndefined();
    expect(templateDecision(p, undefined)).toEqual({ percentTraffic: 10, reason: 'first-deployment' });
    expect(liveDecision(p, { deploymentId: 'base01', canary: { deploymentId: 'cand02', percentTraffic: 0 } })).toEqual({ percentTraffic: 0, reason: 'rollback-kept' });
    expect(liveDecision(p, { deploymentId: 'base01', canary: { deploymentId: 'cand02', percentTraffic: 3 } })).toEqual({ percentTraffic: 10, reason: 'live-follows-template' });
    expect(liveDecision(p, undefined)).toEqual({ percentTraffic: 10, reason: 'live-follows-template' });
  });
});

describe('dispatch on the resource type', () => {
  test('GIVEN an unknown resource type THEN FAILED on Create, SUCCESS on Delete, no API Gateway call', async () => {
    const create = await run(structuredClone(withCanary), event('Custom::Other', 'Create', removal));
    expect(create.response).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('UnknownResourceType') });
    const del = await run(structuredClone(withCanary), event('Custom::Other', 'Delete', removal));
    expect(del.response).toMatchObject({ Status: 'SUCCESS' });
    expect([...create.calls, ...del.calls]).toEqual([]);
  });
});
