/**
 * Deploy readiness, size quotas: each rule at its AWS limit and one past it, with the limit's source.
 */
import { Aws, CfnResource, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { findingsOf, stack } from './deploy-readiness/support';
import { estimatedLength, UNRESOLVED_LENGTH } from '../../src/core/deploy-readiness/intrinsics';
import { TemplateSet } from '../../src/core/deploy-readiness/model';

function inlineFunction(scope: Stack, id: string, environment?: Record<string, string>): lambda.Function {
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
    environment,
  });
}

/** A policy document whose JSON (no whitespace) is exactly `length` characters. */
function documentOfLength(length: number): Record<string, unknown> {
  const doc = (pad: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `arn:aws:execute-api:eu-west-1:111122223333:a1b2c3d4e5/${pad}` }] });
  const base = JSON.stringify(doc('')).length;
  return doc('x'.repeat(length - base));
}

describe('LambdaEnvironmentSize', () => {
  // Lambda: "the total size of all environment variables doesn't exceed 4 KB"
  // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html). Counted as the JSON of the map:
  // {"BIG":"<value>"} is the value's length + 10 bytes.
  test('4,096 bytes pass; 4,097 fail, naming the function and the size', () => {
    const ok = stack();
    inlineFunction(ok, 'Fn', { BIG: 'v'.repeat(4086) });
    expect(findingsOf(ok, 'LambdaEnvironmentSize')).toEqual([]);

    const over = stack();
    inlineFunction(over, 'Fn', { BIG: 'v'.repeat(4087) });
    expect(findingsOf(over, 'LambdaEnvironmentSize')).toEqual([
      { rule: 'LambdaEnvironmentSize', path: 'Test/Fn/Resource', message: 'Test/Fn/Resource: environment variables total 4,097 bytes (1 variables), more than Lambda\'s 4,096' },
    ]);
  });

  test('multi-byte characters count in UTF-8 bytes', () => {
    const s = stack();
    inlineFunction(s, 'Fn', { BIG: 'é'.repeat(2100) }); // 4,200 bytes, 2,100 characters
    expect(findingsOf(s, 'LambdaEnvironmentSize')).toHaveLength(1);
  });

  test('unresolved values count at the conservative estimate and say so', () => {
    const s = stack();
    const queues = Array.from({ length: 30 }, (_, i) => new sqs.Queue(s, `Q${i}`));
    inlineFunction(s, 'Fn', Object.fromEntries(queues.map((q, i) => [`QUEUE_${i}`, q.queueUrl])));
    expect(findingsOf(s, 'LambdaEnvironmentSize')).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/total an estimated [\d,]+ bytes \(30 variables\)/) }),
    ]);
  });
});

describe('RestApiPolicySize', () => {
  // API Gateway quotas: "Length, in characters, of API Gateway resource policy: 8,192"
  // (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html)
  const withPolicy = (length: number) => {
    const s = stack();
    new apigateway.CfnRestApi(s, 'Api', { name: 'api', policy: documentOfLength(length) });
    return s;
  };

  test('8,192 characters pass; 8,193 fail', () => {
    expect(findingsOf(withPolicy(8192), 'RestApiPolicySize')).toEqual([]);
    expect(findingsOf(withPolicy(8193), 'RestApiPolicySize')).toEqual([
      expect.objectContaining({ path: 'Test/Api', message: 'Test/Api: the resource policy is about 8,193 characters, more than API Gateway\'s 8,192' }),
    ]);
  });
});

describe('IamRolePolicySize and IamManagedPolicySize', () => {
  // IAM quotas: role policy size (all inline policies of a role, aggregate) 10,240 characters; managed policy
  // size 6,144 characters; whitespace not counted: templates hold JSON without layout whitespace (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)
  const role = (s: Stack, id = 'Role') => new iam.CfnRole(s, id, { assumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] } });

  test('inline policies are summed per role: 5,120 + 5,120 pass, 5,120 + 5,121 fail', () => {
    const build = (second: number) => {
      const s = stack();
      const r = role(s);
      r.policies = [{ policyName: 'own', policyDocument: documentOfLength(5120) }];
      new iam.CfnPolicy(s, 'Attached', { policyName: 'attached', roles: [r.ref], policyDocument: documentOfLength(second) });
      return s;
    };
    expect(findingsOf(build(5120), 'IamRolePolicySize')).toEqual([]);
    expect(findingsOf(build(5121), 'IamRolePolicySize')).toEqual([
      expect.objectContaining({ path: 'Test/Role', message: 'Test/Role: inline policies total about 10,241 characters, more than IAM\'s 10,240 per role' }),
    ]);
  });

  test('the quota is per role: two roles of 6,000 characters each pass', () => {
    const s = stack();
    for (const id of ['A', 'B']) {
      const r = role(s, id);
      r.policies = [{ policyName: 'own', policyDocument: documentOfLength(6000) }];
    }
    expect(findingsOf(s, 'IamRolePolicySize')).toEqual([]);
  });

  test('a DefaultPolicy grown by 90 grants passes: CDK moves the overflow into managed policies, each under 6,144', () => {
    const s = stack();
    const fn = new lambda.Function(s, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('x') });
    for (let i = 0; i < 90; i++) new sqs.Queue(s, `Queue${i}`).grantSendMessages(fn);
    expect(findingsOf(s, 'IamRolePolicySize')).toEqual([]);
    expect(findingsOf(s, 'IamManagedPolicySize')).toEqual([]);
  });

  test('a managed policy of 6,144 characters passes; 6,145 fails', () => {
    const build = (length: number) => {
      const s = stack();
      new iam.CfnManagedPolicy(s, 'Policy', { policyDocument: documentOfLength(length) });
      return s;
    };
    expect(findingsOf(build(6144), 'IamManagedPolicySize')).toEqual([]);
    expect(findingsOf(build(6145), 'IamManagedPolicySize')).toEqual([
      expect.objectContaining({ path: 'Test/Policy', message: 'Test/Policy: the policy is about 6,145 characters, more than IAM\'s 6,144 per managed policy' }),
    ]);
  });
});

describe('LambdaResourcePolicySize', () => {
  // Lambda quotas: function resource-based policy 20 KB; the L2 adds two permissions per method, so one function
  // behind many methods fails with PolicyLengthExceededException (aws-cdk#5774).
  test('the L2 RestApi with one function behind 60 methods goes past 20 KB (aws-cdk#5774)', () => {
    const s = stack();
    const fn = inlineFunction(s, 'Fn');
    const api = new apigateway.RestApi(s, 'Api');
    for (let i = 0; i < 30; i++) {
      const r = api.root.addResource(`r${i}`);
      r.addMethod('GET', new apigateway.LambdaIntegration(fn));
      r.addMethod('POST', new apigateway.LambdaIntegration(fn));
    }
    expect(findingsOf(s, 'LambdaResourcePolicySize')).toEqual([
      expect.objectContaining({ path: 'Test/Fn/Resource', message: expect.stringMatching(/^Test\/Fn\/Resource: 120 permissions make a resource policy of about [\d,]+ bytes, more than Lambda's 20,480$/) }),
    ]);
  });

  test('a few permissions pass, and so does the library (one permission per function and API) at 60 routes', () => {
    const s = stack();
    const fn = inlineFunction(s, 'Fn');
    const api = new apigateway.RestApi(s, 'Api');
    for (let i = 0; i < 5; i++) api.root.addResource(`r${i}`).addMethod('GET', new apigateway.LambdaIntegration(fn));
    expect(findingsOf(s, 'LambdaResourcePolicySize')).toEqual([]);

    const ours = stack();
    const handler = inlineFunction(ours, 'Fn');
    const secured = new SecuredRestApi(ours, 'Api', { authorization: ApiAuthorization.iam() });
    for (let i = 0; i < 60; i++) secured.addRoute(i % 2 ? 'GET' : 'POST', `/r${Math.floor(i / 2)}`, new apigateway.LambdaIntegration(handler));
    expect(findingsOf(ours, 'LambdaResourcePolicySize')).toEqual([]);
  });

  test('permissions on one function are summed across nested stacks (the ARN passed as a nested-stack parameter)', () => {
    const s = stack();
    const fn = inlineFunction(s, 'Fn');
    const nested = new NestedStack(s, 'Nested');
    const permission = (scope: Stack, i: number) =>
      new CfnResource(scope, `Permission${i}`, {
        type: 'AWS::Lambda::Permission',
        properties: { Action: 'lambda:InvokeFunction', FunctionName: fn.functionArn, Principal: 'events.amazonaws.com', SourceArn: `arn:aws:events:eu-west-1:111122223333:rule/rule-number-${i}` },
      });
    for (let i = 0; i < 35; i++) permission(s, i);
    for (let i = 35; i < 70; i++) permission(nested, i);
    expect(findingsOf(s, 'LambdaResourcePolicySize')).toEqual([expect.objectContaining({ path: 'Test/Fn/Resource', message: expect.stringContaining('70 permissions') })]);
  });
});

describe('how unresolved values are estimated', () => {
  test('pseudo parameters at their longest, API Gateway ids at 10, literal names exactly, nested parameters through the parent, others at 128', () => {
    const s = stack();
    const api = new apigateway.CfnRestApi(s, 'Api', { name: 'api' });
    const stage = new apigateway.CfnStage(s, 'Stage', { restApiId: api.ref, stageName: 'prod' });
    const queue = new sqs.Queue(s, 'Queue');
    const nested = new NestedStack(s, 'Nested');
    new CfnResource(nested, 'Uses', { type: 'AWS::SQS::Queue', properties: { Tags: [{ Key: 'api', Value: api.ref }] } });
    const assembly = (Stage.of(s) as Stage).synth();
    const templates = TemplateSet.load([assembly.getStackByName('Test').templateFullPath]);
    const [own, child] = templates.files;
    const length = (value: unknown, file = own) => estimatedLength(templates, file, value);
    expect(length(s.resolve(Aws.REGION))).toBe(14);
    expect(length(s.resolve(api.ref))).toBe(10);
    expect(length(s.resolve(api.attrRootResourceId))).toBe(10);
    expect(length(s.resolve(stage.ref))).toBe(4);
    expect(length(s.resolve(queue.queueArn))).toBe(UNRESOLVED_LENGTH);
    expect(length(s.resolve(`arn:${Aws.PARTITION}:execute-api:${Aws.REGION}:${Aws.ACCOUNT_ID}:${api.ref}/*`))).toBe(4 + 10 + 13 + 14 + 1 + 12 + 1 + 10 + 2);
    const tag = child.template.Resources!.Uses.Properties!.Tags[0].Value;
    expect(length(tag, child)).toBe(10);
  });
});
