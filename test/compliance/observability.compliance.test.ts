import { CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ApiObservability, ApiGatewayAccountLogging } from '../../src';
import { complianceFindings, formatFindings, testApp } from '../support/compliance';

test('ApiObservability watching a REST and a WebSocket stage, with e-mail subscriptions, has no unacknowledged finding', () => {
  // GIVEN
  const app = testApp();
  const stack = new Stack(app, 'Obs');
  const obs = new ApiObservability(stack, 'Obs', { alarmEmails: ['ops@example.com'] });
  // The API's id token, as a pattern passes it: the execution log group's name changes with every new API. The bare
  // stand-in API is not under test (its own findings are filtered out below).
  const restApi = new apigateway.CfnRestApi(stack, 'StandInApi', { name: 'orders' });
  obs.watchRestApi({ apiName: 'orders', apiId: restApi.ref, stageName: 'prod' });
  obs.watchWebSocketApi({ apiId: 'def456', stageName: 'prod' });
  ApiGatewayAccountLogging.of(stack);
  // WHEN
  const findings = complianceFindings(stack).filter((f) => f.resource !== 'Obs/StandInApi');
  // THEN
  expect(formatFindings(findings)).toEqual([]);
});

describe('the harness itself', () => {
  test('reports an unencrypted log group without retention, from cdk-nag and Control Tower', () => {
    // GIVEN a stack with a plainly non-compliant log group
    const app = testApp();
    const stack = new Stack(app, 'Bad');
    new logs.CfnLogGroup(stack, 'Plain', {});
    // WHEN
    const findings = complianceFindings(stack);
    // THEN
    const ids = findings.map((f) => `${f.source}:${f.ruleId}`);
    expect(ids).toEqual(expect.arrayContaining(['NIST.800.53.R5:NIST.800.53.R5-CloudWatchLogGroupEncrypted']));
    expect(ids).toEqual(expect.arrayContaining(['ControlTower:CT.CLOUDWATCH.PR.2']));
  });

  test('reports Control Tower findings in a nested template whose parent holds other resource types', () => {
    // GIVEN a parent with only an API Gateway resource and a nested stack with a plainly non-compliant log group:
    // the two templates are checked by different sets of guard rules
    const app = testApp();
    const stack = new Stack(app, 'Parent');
    new apigateway.CfnRestApi(stack, 'Api', { name: 'a' });
    new logs.CfnLogGroup(new NestedStack(stack, 'Child'), 'Plain', {});
    // WHEN
    const findings = complianceFindings(stack, { nag: false, templateChecker: false, deployReadiness: false });
    // THEN
    const ids = findings.map((f) => `${f.ruleId} ${f.resource}`);
    expect(ids).toEqual(expect.arrayContaining(['CT.CLOUDWATCH.PR.2 Parent/Child/Plain']));
    expect(findings.every((f) => f.source === 'ControlTower')).toBe(true);
  });

  test('reports findings in nested stack templates from the template checker', () => {
    // GIVEN a nested stack holding a resource with an invalid property value
    const app = testApp();
    const stack = new Stack(app, 'Parent');
    const nested = new NestedStack(stack, 'Child');
    new CfnResource(nested, 'Broken', { type: 'AWS::Logs::LogGroup', properties: { RetentionInDays: 'not-a-number' } });
    // WHEN
    const findings = complianceFindings(stack, { nag: false, guard: false });
    // THEN
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.source === 'CfnTemplateChecker')).toBe(true);
    expect(findings.map((f) => f.resource)).toContain('Parent/Child/Broken');
  });
});
