/**
 * Private integrations (T-b11): internal NLBs through a REST VPC link with exactly one target (one link per load
 * balancer, its id derived from the load balancer's), internal ALBs through a VPC link V2 with IntegrationTarget,
 * public load balancers refused.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { only, privateApi } from './support';
import { PrivateVpcApi } from '../../src';
import { portOf } from '../../src/private-vpc-api/private-integrations';
import { newStack } from '../support/fixtures';

function setup(): { stack: Stack; vpc: ec2.Vpc; api: PrivateVpcApi } {
  const stack = newStack();
  const vpc = PrivateVpcApi.quickStartVpc(stack, 'Vpc');
  return { stack, vpc, api: privateApi(stack, { vpc }, false) };
}

const methods = (t: Template) => Object.values<any>(t.findResources('AWS::ApiGateway::Method')).filter((m) => m.Properties.HttpMethod !== 'OPTIONS');

describe('Network Load Balancer through a REST VPC link', () => {
  test('one VpcLink with exactly one target for an internal NLB, shared by its routes; path and parameters mapped', () => {
    const { stack, vpc, api } = setup();
    const nlb = new elbv2.NetworkLoadBalancer(stack, 'Orders', { vpc });
    const backend = api.networkLoadBalancerIntegration(nlb);
    api.addRoute('GET', '/orders', backend);
    api.addRoute('GET', '/orders/{id}', backend);
    const t = Template.fromStack(stack);
    const link = only(t, 'AWS::ApiGateway::VpcLink');
    const lb = only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(lb.resource.Properties.Scheme).toBe('internal');
    expect(link.resource.Properties.TargetArns).toEqual([{ Ref: lb.id }]);
    // The link's id is derived from the load balancer's: another load balancer gets another link (TargetArns cannot change in place).
    expect(link.id).toMatch(/^ApiVpcLinkTestOrders/);
    const byPath = Object.fromEntries(methods(t).map((m) => [m.Properties.Integration.Uri['Fn::Join'][1].slice(-1)[0], m.Properties.Integration]));
    expect(Object.keys(byPath).sort()).toEqual(['/orders', '/orders/{id}']);
    expect(byPath['/orders/{id}']).toEqual(expect.objectContaining({
      Type: 'HTTP_PROXY',
      ConnectionType: 'VPC_LINK',
      ConnectionId: { Ref: link.id },
      IntegrationHttpMethod: 'GET',
      RequestParameters: { 'integration.request.path.id': 'method.request.path.id' },
      Uri: { 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [lb.id, 'DNSName'] }, '/orders/{id}']] },
    }));
  });

  test('a second NLB gets a second link; a given url is the base of every route path', () => {
    const { stack, vpc, api } = setup();
    const a = new elbv2.NetworkLoadBalancer(stack, 'A', { vpc });
    const b = new elbv2.NetworkLoadBalancer(stack, 'B', { vpc });
    api.addRoute('GET', '/a', api.networkLoadBalancerIntegration(a, { url: 'https://a.internal.example.com:8443' }));
    api.addRoute('GET', '/b', api.networkLoadBalancerIntegration(b));
    const t = Template.fromStack(stack);
    const links = Object.values<any>(t.findResources('AWS::ApiGateway::VpcLink'));
    expect(links.map((l) => l.Properties.TargetArns.length)).toEqual([1, 1]);
    expect(api.vpcLinks).toHaveLength(2);
    expect(methods(t).map((m) => m.Properties.Integration.Uri)).toContain('https://a.internal.example.com:8443/a');
  });

  test('an internet-facing NLB is refused', () => {
    const { stack, vpc, api } = setup();
    const nlb = new elbv2.NetworkLoadBalancer(stack, 'Public', { vpc, internetFacing: true, vpcSubnets: { subnets: vpc.isolatedSubnets } });
    expect(() => api.networkLoadBalancerIntegration(nlb)).toThrow(
      'Test/Api: invalid networkLoadBalancerIntegration "Test/Public (internet-facing)": must be an internal load balancer',
    );
  });
});

describe('Application Load Balancer through a VPC link V2', () => {
  test('AWS::ApiGatewayV2::VpcLink in the VPC, method with ConnectionType VPC_LINK and IntegrationTarget = the load balancer', () => {
    const { stack, vpc, api } = setup();
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Web', { vpc });
    api.addRoute('POST', '/orders', api.applicationLoadBalancerIntegration(alb, { url: 'https://orders.internal.example.com' }));
    const t = Template.fromStack(stack);
    const link = only(t, 'AWS::ApiGatewayV2::VpcLink');
    const lb = only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(link.resource.Properties.SubnetIds).toHaveLength(2);
    const integration = methods(t)[0].Properties.Integration;
    expect(integration).toEqual(expect.objectContaining({
      Type: 'HTTP_PROXY',
      ConnectionType: 'VPC_LINK',
      ConnectionId: { Ref: link.id },
      IntegrationTarget: { Ref: lb.id },
      Uri: 'https://orders.internal.example.com/orders',
      IntegrationHttpMethod: 'POST',
    }));
  });

  test('the link\'s security group reaches only the load balancer on the URL\'s port, which admits it there', () => {
    const { stack, vpc, api } = setup();
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Web', { vpc });
    api.addRoute('GET', '/orders', api.applicationLoadBalancerIntegration(alb, { url: 'https://orders.internal.example.com' }));
    const t = Template.fromStack(stack);
    const groups = t.findResources('AWS::EC2::SecurityGroup');
    const linkGroup = Object.keys(groups).find((id) => id.includes('VpcLinkV2SecurityGroup'))!;
    const albGroup = Object.keys(groups).find((id) => id.startsWith('WebSecurityGroup'))!;
    const egress = Object.values<any>(t.findResources('AWS::EC2::SecurityGroupEgress')).map((r) => r.Properties);
    const ingress = Object.values<any>(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    expect(egress).toEqual([expect.objectContaining({ GroupId: { 'Fn::GetAtt': [linkGroup, 'GroupId'] }, DestinationSecurityGroupId: { 'Fn::GetAtt': [albGroup, 'GroupId'] }, FromPort: 443, ToPort: 443 })]);
    expect(ingress).toEqual([expect.objectContaining({ GroupId: { 'Fn::GetAtt': [albGroup, 'GroupId'] }, SourceSecurityGroupId: { 'Fn::GetAtt': [linkGroup, 'GroupId'] }, FromPort: 443, ToPort: 443 })]);
  });

  test('changing the target load balancer redeploys the stage', () => {
    const deploymentId = (name: string) => {
      const { stack, vpc, api } = setup();
      const alb = new elbv2.ApplicationLoadBalancer(stack, name, { vpc });
      api.addRoute('GET', '/orders', api.applicationLoadBalancerIntegration(alb));
      return only(Template.fromStack(stack), 'AWS::ApiGateway::Deployment').id;
    };
    expect(deploymentId('Blue')).not.toBe(deploymentId('Green'));
    expect(deploymentId('Blue')).toBe(deploymentId('Blue'));
  });

  test('an internet-facing ALB is refused', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const api = privateApi(stack, { vpc }, false);
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Public', { vpc, internetFacing: true });
    expect(() => api.applicationLoadBalancerIntegration(alb)).toThrow('invalid applicationLoadBalancerIntegration "Test/Public (internet-facing)"');
  });
});

test('routes sharded into nested stacks keep their VPC link and IntegrationTarget (passed in as stack parameters)', () => {
  const stack = newStack();
  const vpc = PrivateVpcApi.quickStartVpc(stack, 'Vpc');
  const api = privateApi(stack, { vpc, routeSharding: { routesInParent: 1, shards: 1 } }, false);
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Web', { vpc });
  const backend = api.applicationLoadBalancerIntegration(alb);
  api.addRoute('GET', '/a', backend);
  api.addRoute('GET', '/b', backend);
  const sharded = api.routeStacks.flatMap((s) => methods(Template.fromStack(s)));
  expect(sharded).toHaveLength(1);
  const integration = sharded[0].Properties.Integration;
  expect(integration.ConnectionType).toBe('VPC_LINK');
  expect(integration.IntegrationTarget).toEqual({ Ref: expect.stringMatching(/Web.*Ref/) });
  expect(integration.ConnectionId).toEqual({ Ref: expect.stringMatching(/VpcLinkV2.*Ref/) });
});

test('the port a base URL names', () => {
  expect([portOf('http://a.example'), portOf('https://a.example'), portOf('https://a.example:8443/x'), portOf('http://a.example:8080')]).toEqual([80, 443, 8443, 8080]);
});
