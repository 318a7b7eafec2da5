/**
 * Automatic canary rollback (issue 13, T-a8 handler half): the decision (pure) and the handler logic against a mocked
 * API Gateway client (aws-sdk-client-mock) whose stage refuses every patch but the canary's share of traffic.
 *
 * AWS rules relied on, each tested below:
 * - the event is CloudWatch's "CloudWatch Alarm State Change" (source aws.cloudwatch; the alarm ARN in `resources`,
 *   the name in `detail.alarmName`, the new state in `detail.state.value`: ALARM, OK or INSUFFICIENT_DATA)
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
 * - EventBridge delivers at least once (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html):
 *   a second delivery must not patch again;
 * - a canary's share is `/canarySettings/percentTraffic`, 0.0-100.0, and rolling back never changes the stage's
 *   `deploymentId` (https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html);
 * - the control plane answers TooManyRequests (429) and ServiceUnavailable (503): retried with backoff
 *   (https://docs.aws.amazon.com/apigateway/latest/api/CommonErrors.html).
 */
import { BadRequestException, ServiceUnavailableException, TooManyRequestsException } from '@aws-sdk/client-api-gateway';
import { ACCOUNT, API_ID, ERRORS_ALARM_ARN, LATENCY_ALARM_ARN, REGION, STAGE, stageSetup } from './support/canary-stage';
import { CanaryRollbackConfig } from '../../src/runtime/canary/contract';
import { rollbackPlan, runRollback, triggerFromEvent } from '../../src/runtime/canary/rollback';

const config: CanaryRollbackConfig = { restApiId: API_ID, stageName: STAGE, guardAlarmArns: [ERRORS_ALARM_ARN, LATENCY_ALARM_ARN] };

/** A state-change event shaped as the CloudWatch documentation's "Single Metric Alarm" example. */
function alarmEvent(alarmArn: string, state = 'ALARM', overrides: Record<string, unknown> = {}): any {
  const alarmName = alarmArn.split(':alarm:')[1];
  return {
    'version': '0',
    'id': 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    'source': 'aws.cloudwatch',
    'account': ACCOUNT,
    'time': '2026-01-15T12:00:40Z',
    'region': REGION,
    'resources': [alarmArn],
    'detail': {
      alarmName,
      configuration: { description: 'canary 5XX rate', metrics: [{ id: 'errors', metricStat: { metric: { name: '5XXError', namespace: 'CdkApiGatewayPatterns/Canary/abcde12345/prod' }, period: 60, stat: 'Sum' } }] },
      previousState: { reason: 'Threshold Crossed: 1 datapoint [0.0] was not greater than the threshold (5.0).', timestamp: '2026-01-15T11:59:40.000+0000', value: 'OK' },
      state: { reason: 'Threshold Crossed: 1 datapoint [42.0 (15/01/26 12:00:00)] was greater than the threshold (5.0).', timestamp: '2026-01-15T12:00:40.000+0000', value: state },
    },
    ...overrides,
  };
}

function logger() {
  const lines: Array<[string, Record<string, unknown>]> = [];
  return { lines, log: (m: string, f: Record<string, unknown>) => lines.push([m, f]) };
}

describe('rollback decision (pure)', () => {
  test('GIVEN a guard alarm entering ALARM THEN it triggers, with its name and the time it entered ALARM', () => {
    expect(triggerFromEvent(alarmEvent(ERRORS_ALARM_ARN), config)).toEqual({ alarmArn: ERRORS_ALARM_ARN, alarmName: 'orders-prod-canary-5xx', since: '2026-01-15T12:00:40.000+0000' });
    // Alarm names may hold ':' (everything after ':alarm:' is the name).
    expect(triggerFromEvent(alarmEvent(LATENCY_ALARM_ARN), config)).toMatchObject({ alarmName: 'orders-prod-canary-p99:latency' });
  });

  test.each([
    ['OK', 'state-ok'],
    ['INSUFFICIENT_DATA', 'state-insufficient-data'],
  ])('GIVEN a guard alarm entering %s THEN ignore (%s)', (state, reason) => {
    expect(triggerFromEvent(alarmEvent(ERRORS_ALARM_ARN, state), config)).toEqual({ ignore: reason, alarmName: 'orders-prod-canary-5xx' });
  });

  const otherAccount = ERRORS_ALARM_ARN.replace(ACCOUNT, '210987654321');
  test.each([
    ['an alarm that is not a guard alarm', alarmEvent(`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:orders-prod-5xx`)],
    ['the same alarm name in another account', alarmEvent(otherAccount)],
    ['a guard ARN with another name in detail', alarmEvent(ERRORS_ALARM_ARN, 'ALARM', { detail: { ...alarmEvent(ERRORS_ALARM_ARN).detail, alarmName: 'orders-prod-5xx' } })],
  ])('GIVEN %s in ALARM THEN ignore (not-a-guard-alarm)', (_what, event) => {
    expect(triggerFromEvent(event, config)).toEqual({ ignore: 'not-a-guard-alarm' });
  });

  test.each([
    ['null', 'malformed-event', null],
    ['a string', 'malformed-event', 'ALARM'],
    ['no detail', 'malformed-event', { ...alarmEvent(ERRORS_ALARM_ARN), detail: undefined }],
    ['resources not a list', 'malformed-event', { ...alarmEvent(ERRORS_ALARM_ARN), resources: ERRORS_ALARM_ARN }],
    ['an unknown state', 'malformed-event', alarmEvent(ERRORS_ALARM_ARN, 'BROKEN')],
    ['no alarm name', 'malformed-event', { ...alarmEvent(ERRORS_ALARM_ARN), detail: { state: { value: 'ALARM' } } }],
    ['another source', 'not-an-alarm-state-change', { ...alarmEvent(ERRORS_ALARM_ARN), source: 'custom.attacker' }],
    ['another detail type', 'not-an-alarm-state-change', { ...alarmEvent(ERRORS_ALARM_ARN), 'detail-type': 'CloudWatch Alarm Configuration Change' }],
  ])('GIVEN %s THEN ignore (%s)', (_what, reason, event) => {
    expect(triggerFromEvent(event, config)).toEqual({ ignore: reason });
  });

  test.each([
    ['no stage', undefined, { ignore: 'stage-not-found' }],
    ['a stage without canary', { deploymentId: 'base01' }, { ignore: 'no-canary' }],
    ['a canary at 0 %', { deploymentId: 'base01', canary: { deploymentId: 'cand02', percentTraffic: 0 } }, { ignore: 'canary-already-at-zero' }],
  ])('GIVEN %s THEN no patch', (_what, stage, plan) => {
    expect(rollbackPlan(stage)).toEqual(plan);
  });

  test('GIVEN a canary with traffic THEN the patch is exactly replace /canarySettings/percentTraffic 0.0', () => {
    expect(rollbackPlan({ deploymentId: 'base01', canary: { deploymentId: 'cand02', percentTraffic: 0.5 } })).toEqual({
      patch: [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '0.0' }],
      canary: { deploymentId: 'cand02', percentTraffic: 0.5 },
    });
  });
});

describe('rollback handler logic against a mocked API Gateway', () => {
  test('GIVEN ALARM on a guard alarm and a canary at 10 % WHEN handled THEN GetStage, then exactly UpdateStage [replace /canarySettings/percentTraffic 0.0]; the base deployment is untouched', async () => {
    const s = stageSetup();
    const { lines, log } = logger();
    const outcome = await runRollback(alarmEvent(ERRORS_ALARM_ARN), config, s.stages, log);
    expect(s.stage.calls.map((c) => [c.op, c.input])).toEqual([
      ['GetStage', { restApiId: API_ID, stageName: STAGE }],
      ['UpdateStage', { restApiId: API_ID, stageName: STAGE, patchOperations: [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '0.0' }] }],
    ]);
    expect(JSON.stringify(s.stage.calls)).not.toContain('/deploymentId');
    expect(s.stage.state).toEqual({ deploymentId: 'base01', variables: { lambdaAlias: 'live' }, canarySettings: { deploymentId: 'cand02', percentTraffic: 0, stageVariableOverrides: { lambdaAlias: 'candidate' } } });
    expect(outcome).toEqual({ action: 'rolled-back', alarmName: 'orders-prod-canary-5xx', canaryDeploymentId: 'cand02', baseDeploymentId: 'base01', previousPercentTraffic: 10, percentTraffic: 0 });
    // What it did is recorded; nothing of the event's alarm configuration or state reason is logged.
    expect(lines).toEqual([['canary rollback', { restApiId: API_ID, stageName: STAGE, ...outcome }]]);
    expect(JSON.stringify(lines)).not.toMatch(/Threshold Crossed|datapoint|namespace/);
  });

  test('GIVEN the same event delivered twice (at least once delivery) THEN one UpdateStage only: the second finds the canary at 0', async () => {
    const s = stageSetup();
    const { log } = logger();
    expect((await runRollback(alarmEvent(ERRORS_ALARM_ARN), config, s.stages, log)).action).toBe('rolled-back');
    expect(await runRollback(alarmEvent(ERRORS_ALARM_ARN), config, s.stages, log)).toEqual({ action: 'ignored', reason: 'canary-already-at-zero', alarmName: 'orders-prod-canary-5xx' });
    // The latency alarm firing after the 5XX one finds nothing to do either.
    expect((await runRollback(alarmEvent(LATENCY_ALARM_ARN), config, s.stages, log)).action).toBe('ignored');
    expect(s.stage.calls.map((c) => c.op)).toEqual(['GetStage', 'UpdateStage', 'GetStage', 'GetStage']);
  });

  test.each([
    ['no canary', { deploymentId: 'base01' }, 'no-canary'],
    ['a canary at 0 %', { deploymentId: 'base01', canarySettings: { deploymentId: 'cand02', percentTraffic: 0 } }, 'canary-already-at-zero'],
    ['a canary whose share API Gateway omits', { deploymentId: 'base01', canarySettings: { deploymentId: 'cand02' } }, 'canary-already-at-zero'],
  ])('GIVEN %s on the live stage THEN GetStage only, no update', async (_what, state, reason) => {
    const s = stageSetup(state);
    expect(await runRollback(alarmEvent(ERRORS_ALARM_ARN), config, s.stages, logger().log)).toEqual({ action: 'ignored', reason, alarmName: 'orders-prod-canary-5xx' });
    expect(s.stage.calls.map((c) => c.op)).toEqual(['GetStage']);
  });

  test('GIVEN OK, INSUFFICIENT_DATA, or an alarm not ours THEN API Gateway is not called at all', async () => {
    const s = stageSetup();
    for (const event of [alarmEvent(ERRORS_ALARM_ARN, 'OK'), alarmEvent(LATENCY_ALARM_ARN, 'INSUFFICIENT_DATA'), alarmEvent(`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:other`), { hello: 'world' }]) {
      expect((await runRollback(event, config, s.stages, logger().log)).action).toBe('ignored');
    }
    expect(s.stage.calls).toEqual([]);
    expect(s.stage.state?.canarySettings?.percentTraffic).toBe(10);
  });

  test('GIVEN the stage does not exist THEN ignored (stage-not-found), no update', async () => {
    const s = stageSetup();
    s.stage.state = undefined;
    expect(await runRollback(alarmEvent(ERRORS_ALARM_ARN), config, s.stages, logger().log)).toMatchObject({ action: 'ignored', reason: 'stage-not-found' });
    expect(s.stage.calls.map((c) => c.op)).toEqual(['GetStage']);
  });

  test('GIVEN throttling (429) and a server fault (503) THEN retried with backoff, and the rollback completes well within a minute', async () => {
    const s = stageSetup();
    const throttled = () => new TooManyRequestsException({ message: 'Too Many Requests', $metadata: {} });
    s.stage.failNext('GetStage', throttled(), throttled());
    s.stage.failNext('UpdateStage', new ServiceUnavailableException({ message: 'unavailable', $metadata: {} }));
    const started = s.clock.now();
    expect((await runRollback(alarmEvent(ERRORS_ALARM_ARN), config, s.stages, logger().log)).action).toBe('rolled-back');
    expect(s.stage.calls.map((c) => c.op)).toEqual(['GetStage', 'GetStage', 'GetStage', 'UpdateStage', 'UpdateStage']);
    expect(s.clock.sleeps.filter((ms) => ms >= 100).length).toBeGreaterThanOrEqual(3);
    expect(s.clock.now() - started).toBeLessThan(5_000);
    expect(s.stage.state?.canarySettings?.percentTraffic).toBe(0);
  });

  test('GIVEN API Gateway throttles every call THEN the handler gives up after bounded retries (under 30 s) and throws, for Lambda to retry the event', async () => {
    const s = stageSetup();
    s.stage.failNext('GetStage', ...Array.from({ length: 10 }, () => new TooManyRequestsException({ message: 'Too Many Requests', $metadata: {} })));
    const started = s.clock.now();
    await expect(runRollback(alarmEvent(ERRORS_ALARM_ARN), config, s.stages, logger().log)).rejects.toThrow('Too Many Requests');
    expect(s.stage.calls).toHaveLength(6);
    expect(s.clock.now() - started).toBeLessThan(30_000);
  });

  test('GIVEN access denied THEN no retry: it throws at once (a deployment fault, not a passing one)', async () => {
    const s = stageSetup();
    s.stage.failNext('GetStage', Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }));
    await expect(runRollback(alarmEvent(ERRORS_ALARM_ARN), config, s.stages, logger().log)).rejects.toThrow('not authorized');
    expect(s.stage.calls).toHaveLength(1);
  });

  test('GIVEN the canary removed between GetStage and UpdateStage (BadRequest) THEN the stage is read again and the event ends ignored (no-canary)', async () => {
    const s = stageSetup();
    const original = s.stage.updateStage.bind(s.stage);
    s.stage.updateStage = (input: any) => {
      delete s.stage.state!.canarySettings;
      return original(input);
    };
    expect(await runRollback(alarmEvent(ERRORS_ALARM_ARN), config, s.stages, logger().log)).toMatchObject({ action: 'ignored', reason: 'no-canary' });
    expect(s.stage.calls.map((c) => c.op)).toEqual(['GetStage', 'UpdateStage', 'GetStage']);
  });

  test('GIVEN UpdateStage refused while the canary still has traffic THEN the error is thrown, not swallowed', async () => {
    const s = stageSetup();
    s.stage.failNext('UpdateStage', new BadRequestException({ message: 'refused', $metadata: {} }));
    await expect(runRollback(alarmEvent(ERRORS_ALARM_ARN), config, s.stages, logger().log)).rejects.toThrow('refused');
    expect(s.stage.state?.canarySettings?.percentTraffic).toBe(10);
  });
});
