/**
 * The canary contract (src/runtime/canary/contract.ts): environment and custom-resource properties as round trips,
 * CDK tokens surviving the rendering, every refused value, and the EventBridge rule pattern evaluated with
 * EventBridge's matching rules against the event CloudWatch documents.
 *
 * AWS rules relied on:
 * - EventBridge matching: each pattern field lists the accepted values; an event field that is a list matches when
 *   any of its values is accepted; nested objects match field by field
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html);
 * - the alarm state-change event: source aws.cloudwatch, detail-type "CloudWatch Alarm State Change", the alarm ARN in
 *   `resources`, the new state in detail.state.value
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html);
 * - the IAM resource of GetStage/UpdateStage is `arn:aws:apigateway:{region}::/restapis/{id}/stages/{stage}`
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html).
 */
import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ACCOUNT, API_ID, ERRORS_ALARM_ARN, LATENCY_ALARM_ARN, REGION, STAGE } from './support/canary-stage';
import {
  alarmNameOf, CANARY_ROLLBACK_ENV, canaryRollbackEventPattern, MAX_GUARD_ALARMS, parseCanaryGuardProperties, parseCanaryRemovalProperties,
  parseCanaryRollbackEnvironment, parsePercentTraffic, renderCanaryGuardProperties, renderCanaryRemovalProperties, renderCanaryRollbackEnvironment,
  stageResourcePath,
} from '../../src/runtime/canary/contract';

/** EventBridge's matching of a pattern of exact values (the only kind the rollback rule uses). */
function matches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, accepted]) => {
    const value = event[key === 'detailType' ? 'detail-type' : key];
    if (Array.isArray(accepted)) return (Array.isArray(value) ? value : [value]).some((v) => accepted.includes(v));
    return typeof value === 'object' && value !== null && matches(accepted as Record<string, unknown>, value as Record<string, unknown>);
  });
}

/** The documentation's "Single Metric Alarm" example, for one of our alarms. */
function documentedEvent(alarmArn: string, state: string): Record<string, unknown> {
  return {
    'version': '0',
    'id': 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    'source': 'aws.cloudwatch',
    'account': ACCOUNT,
    'time': '2019-10-02T17:04:40Z',
    'region': REGION,
    'resources': [alarmArn],
    'detail': {
      alarmName: alarmNameOf(alarmArn),
      configuration: { description: 'Goes into alarm when server CPU utilization is too high!', metrics: [] },
      previousState: { reason: 'Threshold Crossed', timestamp: '2019-10-02T17:04:40.985+0000', value: 'OK' },
      state: { reason: 'Threshold Crossed', timestamp: '2019-10-02T17:04:40.989+0000', value: state },
    },
  };
}

describe('rollback function environment', () => {
  const config = { restApiId: API_ID, stageName: STAGE, guardAlarmArns: [ERRORS_ALARM_ARN, LATENCY_ALARM_ARN] };

  test('render then parse is the identity', () => {
    const env = renderCanaryRollbackEnvironment(config);
    expect(Object.keys(env).sort()).toEqual(Object.values(CANARY_ROLLBACK_ENV).sort());
    expect(parseCanaryRollbackEnvironment(env)).toEqual(config);
  });

  test('unresolved CDK tokens (API id, alarm ARNs) survive the rendering and resolve to CloudFormation expressions', () => {
    const stack = new Stack(new App(), 'S');
    const alarm = new cloudwatch.Alarm(stack, 'Errors', {
      metric: new cloudwatch.Metric({ namespace: 'N', metricName: 'M' }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    const env = stack.resolve(renderCanaryRollbackEnvironment({ restApiId: 'abcde12345', stageName: STAGE, guardAlarmArns: [alarm.alarmArn] }));
    const logicalId = stack.getLogicalId(alarm.node.defaultChild as cloudwatch.CfnAlarm);
    expect(env[CANARY_ROLLBACK_ENV.guardAlarmArns]).toEqual({ 'Fn::Join': ['', ['["', { 'Fn::GetAtt': [logicalId, 'Arn'] }, '"]']] });
  });

  test.each([
    [CANARY_ROLLBACK_ENV.restApiId, undefined, 'is missing'],
    [CANARY_ROLLBACK_ENV.restApiId, 'ABCDE12345', 'is not a REST API id'],
    [CANARY_ROLLBACK_ENV.stageName, 'prod/x', 'is not a REST stage name'],
    [CANARY_ROLLBACK_ENV.guardAlarmArns, '', 'is missing'],
    [CANARY_ROLLBACK_ENV.guardAlarmArns, 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a', 'is not a JSON list'],
    [CANARY_ROLLBACK_ENV.guardAlarmArns, '[]', `must be a JSON list of 1 to ${MAX_GUARD_ALARMS} alarm ARNs`],
    [CANARY_ROLLBACK_ENV.guardAlarmArns, '(11 ARNs)', 'must be a JSON list of 1 to 10 alarm ARNs'],
    [CANARY_ROLLBACK_ENV.guardAlarmArns, JSON.stringify([ERRORS_ALARM_ARN, 'arn:aws:sns:eu-west-1:123456789012:topic']), 'item 1 is not a CloudWatch alarm ARN'],
    [CANARY_ROLLBACK_ENV.guardAlarmArns, JSON.stringify([7]), 'item 0 is not a CloudWatch alarm ARN'],
  ])('%s = %j is refused: %s', (name, value, reason) => {
    const eleven = JSON.stringify(Array.from({ length: 11 }, (_, i) => `${ERRORS_ALARM_ARN}${i}`));
    const env = { ...renderCanaryRollbackEnvironment(config), [name]: value === '(11 ARNs)' ? eleven : value };
    expect(() => parseCanaryRollbackEnvironment(env)).toThrow(`${name}: ${reason}`);
  });

  test('alarm names are everything after ":alarm:" (names may hold ":")', () => {
    expect(alarmNameOf(LATENCY_ALARM_ARN)).toBe('orders-prod-canary-p99:latency');
    expect(() => alarmNameOf('arn:aws:sns:eu-west-1:123456789012:x')).toThrow('not an alarm ARN');
  });
});

describe('EventBridge rule pattern (the AWS matching rule over the documented event)', () => {
  const pattern = canaryRollbackEventPattern([ERRORS_ALARM_ARN, LATENCY_ALARM_ARN]);

  test('matches a guard alarm entering ALARM, as CloudWatch documents the event', () => {
    expect(matches(pattern, documentedEvent(ERRORS_ALARM_ARN, 'ALARM'))).toBe(true);
    expect(matches(pattern, documentedEvent(LATENCY_ALARM_ARN, 'ALARM'))).toBe(true);
  });

  test.each([
    ['the same alarm entering OK', documentedEvent(ERRORS_ALARM_ARN, 'OK')],
    ['entering INSUFFICIENT_DATA', documentedEvent(ERRORS_ALARM_ARN, 'INSUFFICIENT_DATA')],
    ['another alarm entering ALARM', documentedEvent(`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:orders-prod-5xx`, 'ALARM')],
    ['an alarm configuration change', { ...documentedEvent(ERRORS_ALARM_ARN, 'ALARM'), 'detail-type': 'CloudWatch Alarm Configuration Change' }],
    ['another source', { ...documentedEvent(ERRORS_ALARM_ARN, 'ALARM'), source: 'custom.app' }],
  ])('does not match %s', (_what, event) => {
    expect(matches(pattern, event)).toBe(false);
  });

  test('is shaped as aws-cdk-lib events.EventPattern', () => {
    expect(pattern).toEqual({
      source: ['aws.cloudwatch'],
      detailType: ['CloudWatch Alarm State Change'],
      resources: [ERRORS_ALARM_ARN, LATENCY_ALARM_ARN],
      detail: { state: { value: ['ALARM'] } },
    });
  });
});

describe('custom resource properties', () => {
  /** CloudFormation hands every scalar property to the function as a string. */
  const asSent = (props: Record<string, unknown>) => Object.fromEntries(Object.entries(props).map(([k, v]) => [k, String(v)]));

  test('removal: render, stringify as CloudFormation does, parse is the identity', () => {
    for (const removeCanary of [true, false]) {
      const props = { restApiId: API_ID, stageName: STAGE, removeCanary };
      expect(parseCanaryRemovalProperties(asSent(renderCanaryRemovalProperties(props)))).toEqual(props);
      expect(parseCanaryRemovalProperties(renderCanaryRemovalProperties(props))).toEqual(props);
    }
    // Omitted means false: the resource then does nothing.
    expect(parseCanaryRemovalProperties({ RestApiId: API_ID, StageName: STAGE }).removeCanary).toBe(false);
  });

  test('guard: render, stringify as CloudFormation does, parse is the identity', () => {
    for (const percentTraffic of [0, 0.5, 10, 100]) {
      const props = { restApiId: API_ID, stageName: STAGE, candidateDeploymentId: 'eh1sby', percentTraffic, stageFingerprint: '3f2a9c0d11e4b7a2' };
      expect(parseCanaryGuardProperties(asSent(renderCanaryGuardProperties(props)))).toEqual(props);
    }
  });

  test.each([['100.1'], ['-0.5'], ['1e2'], ['ten'], [''], [null], [NaN]])('percentTraffic %j is refused (0.0-100.0)', (value) => {
    expect(() => parsePercentTraffic(value)).toThrow('is not a number from 0 to 100');
  });

  test('the IAM resource path of the stage', () => {
    expect(stageResourcePath(API_ID, STAGE)).toBe('/restapis/abcde12345/stages/prod');
  });
});
