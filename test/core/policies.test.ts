/**
 * The IAM action lists of core/private/policies.ts: each written once, frozen, and each holding what the AWS rule it
 * serves says, checked on the policies the library writes with it.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiGatewayAccountLogging, ApiObservability } from '../../src';
import { acknowledgeFunctionFindings, hardenedFunctionOptions } from '../../src/core/private/functions';
import * as policies from '../../src/core/private/policies';

const LISTS: Record<string, readonly string[]> = {
  PUSH_TO_CLOUDWATCH_LOGS_ACTIONS: policies.PUSH_TO_CLOUDWATCH_LOGS_ACTIONS,
  DLQ_KEY_ACTIONS: policies.DLQ_KEY_ACTIONS,
  VPC_ENI_ACTIONS: policies.VPC_ENI_ACTIONS,
  XRAY_ACTIONS: policies.XRAY_ACTIONS,
  ALARM_PUBLISH_ACTIONS: policies.ALARM_PUBLISH_ACTIONS,
  SERVICE_KEY_ACTIONS: policies.SERVICE_KEY_ACTIONS,
};

function statementsOf(template: Template, type: string): any[] {
  return Object.values(template.findResources(type)).flatMap((r) => (r.Properties.PolicyDocument ?? r.Properties.KeyPolicy).Statement);
}

const actionsOf = (statement: any): string[] => [statement.Action].flat();

describe('IAM action lists', () => {
  test('every list is frozen, non-empty, without duplicates, and no two lists are the same', () => {
    const seen = new Map<string, string>();
    for (const [name, list] of Object.entries(LISTS)) {
      expect({ name, frozen: Object.isFrozen(list) }).toEqual({ name, frozen: true });
      expect(list.length).toBeGreaterThan(0);
      expect(new Set(list).size).toBe(list.length);
      for (const action of list) expect(action).toMatch(/^[a-z0-9]+:[A-Za-z*]+$/);
      const key = [...list].sort().join(',');
      expect({ name, sameAs: seen.get(key) }).toEqual({ name, sameAs: undefined });
      seen.set(key, name);
    }
    expect(() => (policies.DLQ_KEY_ACTIONS as string[]).push('kms:*')).toThrow(TypeError);
  });

  /**
   * API Gateway's account-level role needs the actions of the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs
   * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonAPIGatewayPushToCloudWatchLogs.html,
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html), which the library grants through
   * its own policy instead.
   */
  test('rule: the account logging role gets exactly the actions of AmazonAPIGatewayPushToCloudWatchLogs', () => {
    const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    ApiGatewayAccountLogging.of(stack);
    const [statement, ...others] = statementsOf(Template.fromStack(stack), 'AWS::IAM::ManagedPolicy');
    expect(others).toEqual([]);
    expect(actionsOf(statement).sort()).toEqual([
      'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams',
      'logs:FilterLogEvents', 'logs:GetLogEvents', 'logs:PutLogEvents',
    ]);
  });

  /**
   * X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions
   * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html), nor does
   * ec2:DescribeNetworkInterfaces, which Lambda needs for a VPC function
   * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions): the
   * acknowledged `AwsSolutions-IAM5[Resource::*]` on a library function's policy covers these lists and nothing else.
   */
  test('rule: Resource "*" in a library function\'s policy holds only the X-Ray and ENI actions, which support no narrower resource', () => {
    const stack = new Stack(new App(), 'S');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 1 });
    const obs = new ApiObservability(stack, 'Obs');
    const hardening = { encryptionKey: obs.encryptionKey, createLogGroup: (id: string) => obs.createLogGroup(id), vpc };
    const spec = { purpose: 'probe', noVpcReason: 'probe', asynchronous: true };
    const fn = new lambda.Function(stack, 'Fn', {
      ...hardenedFunctionOptions(stack, 'Fn', hardening, spec),
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
    });
    acknowledgeFunctionFindings(fn, hardening, spec);
    const statements = statementsOf(Template.fromStack(stack), 'AWS::IAM::ManagedPolicy');
    const star = statements.filter((s) => s.Resource === '*').flatMap(actionsOf).sort();
    expect(star).toEqual([...policies.VPC_ENI_ACTIONS, ...policies.XRAY_ACTIONS].sort());
    // The dead-letter queue's key is granted on the key itself (aws-cdk#33153), not on "*".
    const dlq = statements.find((s) => actionsOf(s).includes('kms:GenerateDataKey'));
    expect(actionsOf(dlq).sort()).toEqual([...policies.DLQ_KEY_ACTIONS].sort());
    expect(dlq.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ObsKey/), 'Arn'] });
  });

  /**
   * A topic policy replaces SNS's default one, so CloudWatch needs an explicit sns:Publish; an encrypted topic's key
   * must let CloudWatch (and SNS, for an encrypted dead-letter queue) kms:Decrypt and kms:GenerateDataKey*
   * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
   */
  test('rule: CloudWatch publishes to the alarm topic and uses its key with these lists', () => {
    const stack = new Stack(new App(), 'S');
    new ApiObservability(stack, 'Obs', { alarmEmails: ['ops@example.com'] });
    const template = Template.fromStack(stack);
    const publish = statementsOf(template, 'AWS::SNS::TopicPolicy').find((s) => s.Principal?.Service === policies.CLOUDWATCH_PRINCIPAL);
    expect(actionsOf(publish)).toEqual([...policies.ALARM_PUBLISH_ACTIONS]);
    const keyStatements = statementsOf(template, 'AWS::KMS::Key');
    for (const service of [policies.CLOUDWATCH_PRINCIPAL, policies.SNS_PRINCIPAL]) {
      const statement = keyStatements.find((s) => s.Principal?.Service === service);
      expect({ service, actions: actionsOf(statement) }).toEqual({ service, actions: [...policies.SERVICE_KEY_ACTIONS] });
    }
  });
});
