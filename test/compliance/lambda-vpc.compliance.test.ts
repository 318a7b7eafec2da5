/**
 * With `lambdaVpc`, the library's functions run in the VPC's private subnets and need no "Lambda in VPC"
 * acknowledgement; nothing else changes in the compliance picture.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { complianceFindings, formatFindings } from '../support/compliance';
import { newStack } from '../support/fixtures';

test('the JWT authorizer in a VPC: private subnets, no VPC acknowledgement needed, no AWS managed policy', () => {
  const stack = newStack('Vpc', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const api = new SecuredRestApi(stack, 'Api', {
    authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['orders'] }),
    lambdaVpc: vpc,
  });
  api.addRoute('GET', '/orders', new apigateway.HttpIntegration('https://backend.example.com/orders'));
  const template = Template.fromStack(stack);
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
  expect(fn.Properties.VpcConfig.SubnetIds.length).toBe(2);
  expect(JSON.stringify(template.toJSON())).not.toContain('AWSLambdaVPCAccessExecutionRole');
  const ours = complianceFindings(stack).filter((f) => f.resource.startsWith('Vpc/Api/'));
  expect(formatFindings(ours)).toEqual([]);
});
