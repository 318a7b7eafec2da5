/**
 * Backend canary: an integration whose Lambda alias a stage variable chooses, overridden by the canary. API Gateway
 * invokes the qualified ARN `function:alias`, which Lambda authorizes against that alias's resource policy, so each
 * alias needs its own permission; a permission on the function alone gives "Invalid permissions on Lambda function"
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/stage-variables.html, serverless#7185).
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiAuthorization, LambdaAliasIntegration, RestApiPatternProps, SecuredRestApi, StageSettings } from '../../src';
import { complianceFindings, formatFindings } from '../support/compliance';
import { backendFunction, newStack } from '../support/fixtures';

function build(stage: StageSettings, props: Partial<RestApiPatternProps> = {}, paths: string[] = ['/orders']) {
  const stack = newStack();
  const fn = backendFunction(stack, 'Backend');
  const live = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion });
  const next = new lambda.Alias(stack, 'Next', { aliasName: 'next', version: fn.currentVersion });
  const integration = new LambdaAliasIntegration({ handler: fn, aliases: [live, next] });
  const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam(), ...props, stage });
  for (const path of paths) api.addRoute('GET', path, integration);
  return { stack, api, fn, live, next, integration };
}

const canaryOnNext: StageSettings = { variables: { lambdaAlias: 'live' }, canary: { percentTraffic: 10, stageVariableOverrides: { lambdaAlias: 'next' } } };

/** The permissions API Gateway gets (the canary's rollback function has one for EventBridge). */
const permissions = (stack: Stack) => Object.values<any>(Template.fromStack(stack).findResources('AWS::Lambda::Permission'))
  .map((p) => p.Properties).filter((p) => p.Principal === 'apigateway.amazonaws.com');

test('the integration invokes the alias the stage variable names', () => {
  const { stack } = build(canaryOnNext);
  const method = Object.values<any>(Template.fromStack(stack).findResources('AWS::ApiGateway::Method')).find((m) => m.Properties.HttpMethod === 'GET');
  expect(method.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
  expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(':${stageVariables.lambdaAlias}/invocations');
  expect(JSON.stringify(method.Properties.Integration.Uri)).toMatch(/"Fn::GetAtt":\["Backend[0-9A-F]+","Arn"\]/);
});

test('one permission per alias and per API (not per method, not on the function alone), sharded routes included', () => {
  const { stack } = build(canaryOnNext, { routeSharding: { routesInParent: 1 } }, ['/orders', '/orders/{id}', '/customers', '/invoices']);
  const invoke = permissions(stack);
  expect(invoke.map((p) => p.FunctionName)).toEqual([{ Ref: expect.stringMatching(/^Live/) }, { Ref: expect.stringMatching(/^Next/) }]);
  for (const p of invoke) {
    expect(p).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
    // Any method of any stage of this API: the canary and the base both invoke through it.
    expect(JSON.stringify(p.SourceArn)).toContain('{"Ref":"ApiCD79AAA0"},"/*/*/*"');
  }
});

describe('every stage names one of the aliases (refused at synth otherwise)', () => {
  test.each([
    ['a stage without the variable', { variables: { other: 'x' } }, 'Test/Api: invalid stage prod variables: must define lambdaAlias'],
    ['a variable naming no alias', { variables: { lambdaAlias: 'blue' } }, 'Test/Api: invalid stage prod variables.lambdaAlias "blue": must be one of the aliases "live", "next"'],
    ['a canary override naming no alias', { variables: { lambdaAlias: 'live' }, canary: { percentTraffic: 5, stageVariableOverrides: { lambdaAlias: 'green' } } },
      'Test/Api: invalid stage prod canary.stageVariableOverrides.lambdaAlias "green": must be one of the aliases "live", "next"'],
  ])('%s', (_name, stage, message) => {
    const { stack } = build(stage as StageSettings);
    expect(() => Template.fromStack(stack)).toThrow(message);
  });

  test('added stages too', () => {
    const { stack, api } = build(canaryOnNext);
    api.addStage('Dev', { stageName: 'dev' });
    expect(() => Template.fromStack(stack)).toThrow('Test/Api: invalid stage dev variables: must define lambdaAlias');
  });

  test('aliases of another function are refused', () => {
    const stack = newStack();
    const fn = backendFunction(stack, 'Backend');
    const other = backendFunction(stack, 'Other');
    const integration = new LambdaAliasIntegration({ handler: fn, aliases: [new lambda.Alias(stack, 'Live', { aliasName: 'live', version: other.currentVersion })] });
    const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam(), stage: { variables: { lambdaAlias: 'live' } } });
    expect(() => api.addRoute('GET', '/x', integration)).toThrow('Test/Api: invalid LambdaAliasIntegration.aliases "Test/Live": must be aliases of Test/Backend');
  });
});

test('compliance: a backend canary has no unacknowledged finding of the API (the function is the user\'s)', () => {
  const { stack } = build(canaryOnNext);
  const ours = complianceFindings(stack).filter((f) => !/^Test\/(Backend|Live|Next)\//.test(f.resource));
  expect(formatFindings(ours)).toEqual([]);
});
