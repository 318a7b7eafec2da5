/**
 * The library's own Lambda functions against two deploy-time rules of AWS Lambda that no static checker enforces:
 *
 * 1. Reserved concurrency: "Lambda ... requires at least 100 unreserved concurrent executions" per account and
 *    Region, and new accounts may have a concurrency quota far below 1,000 (10 or 50), so any reservation can make
 *    CreateFunction / PutFunctionConcurrency fail on a new account.
 *    https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
 * 2. Dead-letter queues receive only failed asynchronous invocations
 *    (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html), and Lambda writes to a
 *    KMS-encrypted queue with the function's execution role, which then needs kms:GenerateDataKey and kms:Decrypt on
 *    the queue's key (aws-cdk#33153).
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { ApiAuthorization, CacheSize, SecuredRestApi, WebSocketChatApi } from '../../src';
import { ApiObservability } from '../../src/core/observability';
import { hardenedFunctionOptions } from '../../src/core/private/functions';
import { backendFunction, newStack } from '../support/fixtures';

function everyPattern(): Stack {
  const stack = newStack();
  const fn = backendFunction(stack, 'Backend');
  const api = new SecuredRestApi(stack, 'Rest', {
    authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['orders'] }),
    stage: { cache: { size: CacheSize.GB_0_5 } },
  });
  api.addRoute('GET', '/orders', new apigateway.LambdaIntegration(fn));
  new WebSocketChatApi(stack, 'Chat', { authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['chat'] }) });
  return stack;
}

/** Logical ids of functions that a custom resource invokes (CloudFormation invokes them asynchronously). */
function customResourceFunctions(template: any): Set<string> {
  const ids = new Set<string>();
  for (const r of Object.values<any>(template.Resources)) {
    const token = r.Properties?.ServiceToken;
    if (r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource') {
      if (token?.['Fn::GetAtt']) ids.add(token['Fn::GetAtt'][0]);
    }
  }
  return ids;
}

/** Every statement of a role: its attached managed policies and the inline policies naming it. */
function statementsOfRole(template: any, roleId: string): any[] {
  const resources = template.Resources;
  const managed = (resources[roleId].Properties.ManagedPolicyArns ?? []).map((a: any) => resources[a.Ref]).filter(Boolean);
  const inline = Object.values<any>(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles ?? []).some((x: any) => x.Ref === roleId));
  return [...managed, ...inline].flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('library functions and Lambda deploy-time rules', () => {
  test('no library function reserves concurrency by default (rule 1)', () => {
    const template = Template.fromStack(everyPattern()).toJSON();
    const functions = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(4);
    for (const [id, fn] of functions) expect({ id, reserved: fn.Properties.ReservedConcurrentExecutions }).toEqual({ id, reserved: undefined });
  });

  test('only asynchronously invoked functions have a DLQ, and each such role may use the queue key (rule 2)', () => {
    const template = Template.fromStack(everyPattern()).toJSON();
    const asyncIds = customResourceFunctions(template);
    expect(asyncIds.size).toBeGreaterThanOrEqual(1);
    for (const [id, fn] of Object.entries<any>(template.Resources)) {
      if (fn.Type !== 'AWS::Lambda::Function') continue;
      const dlq = fn.Properties.DeadLetterConfig?.TargetArn;
      expect({ id, hasDlq: dlq !== undefined }).toEqual({ id, hasDlq: asyncIds.has(id) });
      if (!dlq) continue;
      const queueId = dlq['Fn::GetAtt'][0];
      const keyRef = template.Resources[queueId].Properties.KmsMasterKeyId;
      const roleId = fn.Properties.Role['Fn::GetAtt'][0];
      const statements = statementsOfRole(template, roleId);
      const canUse = (action: string) =>
        statements.some((s) => s.Effect === 'Allow' && [s.Action].flat().includes(action) && [s.Resource].flat().some((r: unknown) => JSON.stringify(r) === JSON.stringify(keyRef)));
      expect({ id, generateDataKey: canUse('kms:GenerateDataKey'), decrypt: canUse('kms:Decrypt') }).toEqual({ id, generateDataKey: true, decrypt: true });
    }
  });

  test('a reservation is opt-in and validated', () => {
    class Probe extends Construct {
      constructor(scope: Construct, id: string, reservedConcurrency: number) {
        super(scope, id);
        const obs = new ApiObservability(this, 'Obs');
        hardenedFunctionOptions(this, 'Fn', { encryptionKey: obs.encryptionKey, createLogGroup: (i) => obs.createLogGroup(i) }, {
          purpose: 'probe', noVpcReason: 'probe', reservedConcurrency, reservedConcurrencyProp: 'chat.reservedConcurrency',
        });
      }
    }
    expect(() => new Probe(newStack(), 'P', 0)).toThrow('Test/P: invalid chat.reservedConcurrency 0: must be an integer between 1 and 10000');
    expect(() => new Probe(newStack(), 'Q', 2.5)).toThrow('invalid chat.reservedConcurrency 2.5');
    const stack = newStack();
    const options = (() => {
      const obs = new ApiObservability(stack, 'Obs');
      return hardenedFunctionOptions(stack, 'Fn', { encryptionKey: obs.encryptionKey, createLogGroup: (i) => obs.createLogGroup(i) }, {
        purpose: 'probe', noVpcReason: 'probe', reservedConcurrency: 20,
      });
    })();
    expect(options.reservedConcurrentExecutions).toBe(20);
    expect(options.deadLetterQueue).toBeUndefined();
  });
});
