/**
 * PrivateVpcApi.quickStartVpc: DNS on (private DNS and private hosted zones need it), isolated subnets only, flow
 * logs of all traffic to a KMS-encrypted log group kept a year by a role with a customer-managed policy, and the
 * default security group closed by aws-cdk-lib's custom resource (what cdk-nag's VPCDefaultSecurityGroupClosed
 * checks, https://github.com/aws/aws-cdk/pull/25297).
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { only } from './support';
import { PrivateVpcApi } from '../../src';
import { newStack } from '../support/fixtures';

test('DNS on, isolated subnets, no internet or NAT gateway', () => {
  // An environment-specific stack: an agnostic one sees two Availability Zones only.
  const stack = newStack('Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  PrivateVpcApi.quickStartVpc(stack, 'Vpc', { maxAzs: 3, cidr: '10.8.0.0/16' });
  const t = Template.fromStack(stack);
  expect(only(t, 'AWS::EC2::VPC').resource.Properties).toEqual(expect.objectContaining({ CidrBlock: '10.8.0.0/16', EnableDnsSupport: true, EnableDnsHostnames: true }));
  t.resourceCountIs('AWS::EC2::Subnet', 3);
  t.resourceCountIs('AWS::EC2::InternetGateway', 0);
  t.resourceCountIs('AWS::EC2::NatGateway', 0);
});

test('flow logs of all traffic to a KMS-encrypted group kept 365 days, through a customer-managed policy on that group only', () => {
  const stack = newStack();
  PrivateVpcApi.quickStartVpc(stack, 'Vpc');
  const t = Template.fromStack(stack);
  const group = only(t, 'AWS::Logs::LogGroup');
  expect(group.resource.Properties.RetentionInDays).toBe(365);
  expect(group.resource.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [only(t, 'AWS::KMS::Key').id, 'Arn'] });
  const flowLog = only(t, 'AWS::EC2::FlowLog').resource.Properties;
  expect(flowLog).toEqual(expect.objectContaining({ TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs', LogGroupName: { Ref: group.id } }));
  t.resourceCountIs('AWS::IAM::Policy', 0);
  const policy = only(t, 'AWS::IAM::ManagedPolicy').resource.Properties.PolicyDocument.Statement;
  expect(policy).toEqual([expect.objectContaining({
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: { 'Fn::GetAtt': [group.id, 'Arn'] },
  })]);
  const trust = Object.values<any>(t.findResources('AWS::IAM::Role')).find((r) => JSON.stringify(r).includes('vpc-flow-logs.amazonaws.com'));
  expect(trust.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
});

test('the default security group is closed by aws-cdk-lib\'s custom resource', () => {
  const stack = newStack();
  PrivateVpcApi.quickStartVpc(stack, 'Vpc', { flowLogRetention: logs.RetentionDays.TWO_YEARS });
  const t = Template.fromStack(stack);
  t.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  expect(only(t, 'AWS::Logs::LogGroup').resource.Properties.RetentionInDays).toBe(731);
});

test.each([
  ['maxAzs 0', { maxAzs: 0 }, 'Test: invalid quickStartVpc.maxAzs 0: must be an integer between 1 and 6'],
  ['cidr /8', { cidr: '10.0.0.0/8' }, 'Test: invalid quickStartVpc.cidr "10.0.0.0/8": must be an IPv4 CIDR block from /16 to /24'],
  ['cidr not a CIDR', { cidr: '10.0.0/16' }, 'Test: invalid quickStartVpc.cidr "10.0.0/16"'],
])('bad options: %s', (_name, options, message) => {
  expect(() => PrivateVpcApi.quickStartVpc(newStack(), 'Vpc', options)).toThrow(message);
});
