/**
 * Every aws-cdk-lib member the library reads without it being public API (src/core/private/cdk-internals.ts),
 * pinned against the installed aws-cdk-lib: when an upgrade changes one, this test fails naming it.
 */
import { Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { CdkInternalsChanged, lambdaIntegrationParts, renderedResource } from '../../src/core/private/cdk-internals';
import { backendFunction, newStack } from '../support/fixtures';

describe('aws-cdk-lib members the library relies on', () => {
  test('LambdaIntegration keeps its function and options where the library reads them', () => {
    const stack = newStack();
    const fn = backendFunction(stack, 'Fn');
    const options = { proxy: true, allowTestInvoke: false, timeout: undefined };
    const parts = lambdaIntegrationParts(new apigateway.LambdaIntegration(fn, options));
    expect(parts?.handler).toBe(fn);
    expect(parts?.options).toBe(options);
    expect(lambdaIntegrationParts(new apigateway.MockIntegration())).toBeUndefined();
  });

  test('a changed LambdaIntegration shape fails by name', () => {
    const stack = newStack();
    const integration = new apigateway.LambdaIntegration(backendFunction(stack, 'Fn'));
    delete (integration as unknown as { handler?: unknown }).handler;
    expect(() => lambdaIntegrationParts(integration)).toThrow(new CdkInternalsChanged('LambdaIntegration.handler'));
  });

  test('CfnResource renders itself through _toCloudFormation', () => {
    const stack: Stack = newStack();
    const queue = new sqs.CfnQueue(stack, 'Queue', { queueName: 'q' });
    const rendered = stack.resolve(renderedResource(queue)) as { Resources: Record<string, { Type: string; Properties: unknown }> };
    expect(Object.values(rendered.Resources)).toEqual([{ Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q' } }]);
    expect(() => renderedResource({} as never)).toThrow('CfnResource._toCloudFormation');
  });
});
