/**
 * PrivateVpcApi's endpoint: created in the VPC with HTTPS from the VPC only, private DNS off unless asked (then a
 * warning), or given; the API lists its endpoints and exposes the endpoint-specific URL.
 */
import { Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { importedVpc, only, privateApi } from './support';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { PropValidationError } from '../../src/core/private/validation';
import { newStack } from '../support/fixtures';

describe('the created endpoint', () => {
  test('execute-api interface endpoint in the VPC\'s subnets, private DNS off, HTTPS only from the VPC CIDR, each rule described', () => {
    const stack = newStack();
    privateApi(stack);
    const t = Template.fromStack(stack);
    const endpoint = only(t, 'AWS::EC2::VPCEndpoint').resource.Properties;
    expect(endpoint.ServiceName).toEqual({ 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.execute-api']] });
    expect(endpoint.VpcEndpointType).toBe('Interface');
    expect(endpoint.PrivateDnsEnabled).toBe(false);
    expect(endpoint.SubnetIds).toHaveLength(2);
    const group = Object.values<any>(t.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('execute-api endpoint') } }))[0];
    expect(group.Properties.SecurityGroupIngress).toEqual([
      { CidrIp: '10.0.0.0/16', Description: 'HTTPS to the execute-api endpoint from the VPC CIDR', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' },
    ]);
    // No egress: CDK's placeholder rule that matches no traffic.
    expect(group.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })]);
  });

  test('endpointSubnets chooses the endpoint\'s subnets (one per AZ); with a given endpoint it is refused', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        { name: 'endpoints', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 28 },
      ],
    });
    privateApi(stack, { vpc, endpointSubnets: { subnetGroupName: 'endpoints' } });
    const t = Template.fromStack(stack);
    const chosen = vpc.selectSubnets({ subnetGroupName: 'endpoints' }).subnets.map((s) => stack.resolve(s.subnetId));
    expect(chosen).toHaveLength(2);
    expect(only(t, 'AWS::EC2::VPCEndpoint').resource.Properties.SubnetIds).toEqual(chosen);
    expect(chosen).not.toContainEqual(stack.resolve(vpc.selectSubnets({ subnetGroupName: 'app' }).subnets[0].subnetId));

    const given = newStack();
    const vpcEndpoint = ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(given, 'Shared', { vpcEndpointId: 'vpce-05b5b5b5b5b5b5b5b', port: 443 });
    expect(() => privateApi(given, { vpc: importedVpc(given), vpcEndpoint, endpointSubnets: { subnetGroupName: 'endpoints' } })).toThrow(
      /^Test\/Api: invalid endpointSubnets .*: applies only to the endpoint the construct creates, not to a given vpcEndpoint$/,
    );
  });

  test('given peers replace the VPC CIDR, one described rule each', () => {
    const stack = newStack();
    privateApi(stack, { endpointPeers: [ec2.Peer.ipv4('10.0.4.0/24'), ec2.Peer.ipv6('fd00:10::/56')] });
    const group = Object.values<any>(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('execute-api endpoint') },
    }))[0];
    expect(group.Properties.SecurityGroupIngress).toEqual([
      { CidrIp: '10.0.4.0/24', Description: 'HTTPS to the execute-api endpoint from 10.0.4.0/24', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' },
      { CidrIpv6: 'fd00:10::/56', Description: 'HTTPS to the execute-api endpoint from fd00:10::/56', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' },
    ]);
  });

  test('the endpoint lets callers invoke only this account\'s APIs in this region', () => {
    const stack = newStack();
    privateApi(stack);
    const policy = only(Template.fromStack(stack), 'AWS::EC2::VPCEndpoint').resource.Properties.PolicyDocument;
    expect(policy.Statement).toEqual([{
      Sid: 'InvokeThisAccountsApis',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'execute-api:Invoke',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':*']] },
    }]);
  });
});

describe('private DNS is a decision (T-b5)', () => {
  const warnings = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('PrivateDnsOnEndpoint'));

  test('off by default: no endpoint with private DNS, no warning', () => {
    const stack = newStack();
    privateApi(stack);
    const t = Template.fromStack(stack);
    expect(Object.values<any>(t.findResources('AWS::EC2::VPCEndpoint')).filter((e) => e.Properties.PrivateDnsEnabled !== false)).toEqual([]);
    expect(warnings(stack)).toEqual([]);
  });

  test('privateDns: true turns it on and warns, on the endpoint, that public execute-api APIs become unreachable from the VPC', () => {
    const stack = newStack();
    privateApi(stack, { privateDns: true });
    expect(only(Template.fromStack(stack), 'AWS::EC2::VPCEndpoint').resource.Properties.PrivateDnsEnabled).toBe(true);
    const found = warnings(stack);
    expect(found).toHaveLength(1);
    expect(found[0].id).toBe('/Test/Api/Endpoint');
    expect(found[0].entry.data).toMatch(/PUBLIC \(REGIONAL or EDGE\) API Gateway APIs then fail with 403, and no other execute-api endpoint in this VPC can have private DNS.*\[cdk-apigateway-patterns:PrivateDnsOnEndpoint\]/);
  });

  // AWS rule: a VPC has one private DNS domain per service, so a second execute-api endpoint with private DNS fails
  // to create ("private-dns-enabled cannot be set because there is already a conflicting DNS domain for
  // *.execute-api.us-east-1.amazonaws.com in the VPC", https://github.com/fortinet/fortigate-autoscale-aws/issues/43).
  const CONFLICT = 'invalid privateDns true: Test/Other/Endpoint/Resource is an execute-api endpoint with private DNS in the same VPC';

  test('two private-DNS endpoints of the app in one VPC are refused at synth time, naming the other', () => {
    const stack = newStack();
    const vpc = importedVpc(stack);
    privateApi(stack, { vpc, privateDns: true });
    privateApi(stack, { vpc, privateDns: true }, true, 'Other');
    expect(() => Template.fromStack(stack)).toThrow(`Test/Api: ${CONFLICT}`);
  });

  test('an endpoint of the user\'s with aws-cdk-lib\'s default private DNS conflicts too; other VPCs, services or no private DNS do not', () => {
    const stack = newStack();
    const vpc = importedVpc(stack);
    new ec2.InterfaceVpcEndpoint(new Construct(stack, 'Other'), 'Endpoint', { vpc, service: ec2.InterfaceVpcEndpointAwsService.APIGATEWAY });
    privateApi(stack, { vpc, privateDns: true });
    expect(() => Template.fromStack(stack)).toThrow(`Test/Api: ${CONFLICT}`);

    const fine = newStack();
    const shared = importedVpc(fine);
    privateApi(fine, { vpc: shared, privateDns: true });
    privateApi(fine, { vpc: shared }, true, 'NoPrivateDns');
    privateApi(fine, { vpc: importedVpc(fine, 'OtherVpc', 'vpc-0bbbbbbbbbbbbbbbb'), privateDns: true }, true, 'OtherVpcApi');
    new ec2.InterfaceVpcEndpoint(fine, 'Sqs', { vpc: shared, service: ec2.InterfaceVpcEndpointAwsService.SQS });
    expect(() => Template.fromStack(fine)).not.toThrow();
    expect(Object.values<any>(Template.fromStack(fine).findResources('AWS::EC2::VPCEndpoint')).filter((e) => e.Properties.PrivateDnsEnabled)).toHaveLength(3);
  });
});

describe('a given endpoint (T-b12)', () => {
  test('an imported endpoint is used: no endpoint or security group is created, the API lists it', () => {
    const stack = newStack();
    const vpcEndpoint = ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'Shared', { vpcEndpointId: 'vpce-05b5b5b5b5b5b5b5b', port: 443 });
    const api = privateApi(stack, { vpc: importedVpc(stack), vpcEndpoint });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    t.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    expect(api.vpcEndpoint).toBe(vpcEndpoint);
    expect(api.endpointSecurityGroup).toBeUndefined();
    expect(only(t, 'AWS::ApiGateway::RestApi').resource.Properties.EndpointConfiguration.VpcEndpointIds).toEqual(['vpce-05b5b5b5b5b5b5b5b']);
  });
});

describe('the API\'s endpoint configuration and URL (T-b1, T-b6)', () => {
  test('PRIVATE only, dualstack, listing the created endpoint, the allowed ones and the domain\'s access endpoints', () => {
    const stack = newStack();
    const api = privateApi(stack, { allowedVpcEndpoints: ['arn:aws:ec2:eu-west-1:111122223333:vpc-endpoint/vpce-0c2c2c2c2c2c2c2c2'] });
    const t = Template.fromStack(stack);
    const endpoint = only(t, 'AWS::EC2::VPCEndpoint').id;
    expect(only(t, 'AWS::ApiGateway::RestApi').resource.Properties.EndpointConfiguration).toEqual({
      Types: ['PRIVATE'], IpAddressType: 'dualstack', VpcEndpointIds: [{ Ref: endpoint }, 'vpce-0c2c2c2c2c2c2c2c2'],
    });
    expect(api.allowedVpcEndpointIds.slice(1)).toEqual(['vpce-0c2c2c2c2c2c2c2c2']);
  });

  test('the escape hatch reads the endpoint list at construction time: a plain list, not one lazy token', () => {
    const stack = newStack();
    const api = privateApi(stack, { allowedVpcEndpoints: ['vpce-0c2c2c2c2c2c2c2c2'] });
    const config = (api.api.node.defaultChild as apigateway.CfnRestApi).endpointConfiguration as apigateway.CfnRestApi.EndpointConfigurationProperty;
    expect(Token.isUnresolved(config.vpcEndpointIds)).toBe(false);
    expect(config.vpcEndpointIds).toEqual(api.allowedVpcEndpointIds);
    expect(config.vpcEndpointIds?.[1]).toBe('vpce-0c2c2c2c2c2c2c2c2');
  });

  test('vpceInvokeUrl is https://{apiId}-{vpceId}.execute-api.{region}.{urlSuffix}/{stage}/ of the created endpoint', () => {
    const stack = newStack();
    const api = privateApi(stack);
    const t = Template.fromStack(stack);
    const restApi = only(t, 'AWS::ApiGateway::RestApi').id;
    const endpoint = only(t, 'AWS::EC2::VPCEndpoint').id;
    const stage = only(t, 'AWS::ApiGateway::Stage').id;
    expect(stack.resolve(api.vpceInvokeUrl)).toEqual({
      'Fn::Join': ['', ['https://', { Ref: restApi }, '-', { Ref: endpoint }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: stage }, '/']],
    });
  });

  test('T-b10: the same construct id as a public SecuredRestApi has neither VpcEndpointIds nor the endpoint-only policy', () => {
    const stack = newStack();
    const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam() });
    api.addRoute('GET', '/orders', new apigateway.MockIntegration());
    const props = only(Template.fromStack(stack), 'AWS::ApiGateway::RestApi').resource.Properties;
    expect(props.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
    expect(props.Policy).toBeUndefined();
  });
});

describe('VPC DNS settings known at synth time', () => {
  const vpcWith = (stack: Stack, dns: { enableDnsSupport?: boolean; enableDnsHostnames?: boolean }) =>
    new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }], ...dns });

  test('without DNS support: refused', () => {
    const stack = newStack();
    expect(() => privateApi(stack, { vpc: vpcWith(stack, { enableDnsSupport: false, enableDnsHostnames: false }) })).toThrow(PropValidationError);
    expect(() => privateApi(newStack(), { vpc: vpcWith(newStack(), { enableDnsSupport: false, enableDnsHostnames: false }) })).toThrow(
      'invalid vpc "Test/Vpc (enableDnsSupport: false)": must have DNS support',
    );
  });

  test('without DNS host names: fine for the endpoint-specific URL, refused with private DNS', () => {
    const ok = newStack();
    expect(() => privateApi(ok, { vpc: vpcWith(ok, { enableDnsHostnames: false }) })).not.toThrow();
    const bad = newStack();
    expect(() => privateApi(bad, { vpc: vpcWith(bad, { enableDnsHostnames: false }), privateDns: true })).toThrow(
      'Test/Api: invalid vpc "Test/Vpc (enableDnsHostnames: false)": must have DNS host names for private DNS and private hosted zones',
    );
  });
});
