/**
 * Every PrivateVpcApi configuration through the compliance harness (cdk-nag packs, Control Tower guard rules, the
 * template checker and the deploy-readiness check): zero unacknowledged findings on the API and the quick-start VPC.
 * Resources the test creates as the user's (load balancers, hosted zone, an imported VPC) are not the library's.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { importedVpc } from './support';
import { ApiAuthorization, CacheSize, PrivateVpcApi } from '../../src';
import { complianceFindings, formatFindings } from '../support/compliance';
import { newStack } from '../support/fixtures';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0b0b0b0b-0b0b-0b0b-0b0b-0b0b0b0b0b0b';

/** Findings on the library's resources: the API and the quick-start VPC. */
function ours(stack: Stack): string[] {
  const prefixes = [`${stack.stackName}/Api/`, `${stack.stackName}/Vpc/`, `${stack.stackName}/Custom::VpcRestrictDefaultSG`];
  return formatFindings(complianceFindings(stack).filter((f) => prefixes.some((p) => f.resource.startsWith(p))));
}

function routes(api: PrivateVpcApi): void {
  api.addRoute('GET', '/orders', new apigateway.MockIntegration());
  api.addRoute('POST', '/orders', new apigateway.MockIntegration(), { requestSchema: { type: apigateway.JsonSchemaType.OBJECT } });
}

test('quick start: a new VPC and the defaults (IAM, created endpoint, endpoint-specific URL)', () => {
  const stack = newStack();
  const api = new PrivateVpcApi(stack, 'Api', { vpc: PrivateVpcApi.quickStartVpc(stack, 'Vpc') });
  routes(api);
  // The whole stack is the library's here.
  expect(formatFindings(complianceFindings(stack))).toEqual([]);
});

test('JWT authorization and a cache, in an environment-specific stack', () => {
  const stack = newStack('Env', { env: { account: '123456789012', region: 'eu-west-1' } });
  const api = new PrivateVpcApi(stack, 'Api', {
    vpc: PrivateVpcApi.quickStartVpc(stack, 'Vpc'),
    authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['orders'] }),
    stage: { cache: { size: CacheSize.GB_0_5 } },
  });
  routes(api);
  expect(formatFindings(complianceFindings(stack))).toEqual([]);
});

test('private DNS (warning acknowledged) and a private custom domain with its alias record', () => {
  const stack = newStack();
  const vpc = PrivateVpcApi.quickStartVpc(stack, 'Vpc');
  const zone = new route53.PrivateHostedZone(stack, 'Zone', { zoneName: 'internal.example.com', vpc });
  const api = new PrivateVpcApi(stack, 'Api', {
    vpc,
    privateDns: true,
    privateDomain: { domainName: 'orders.internal.example.com', certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT), hostedZone: zone },
  });
  Validations.of(api.vpcEndpoint).acknowledge({ id: 'cdk-apigateway-patterns:PrivateDnsOnEndpoint', reason: 'this VPC calls no public API Gateway API' });
  routes(api);
  expect(ours(stack)).toEqual([]);
});

test('an imported VPC and endpoint, consumer endpoints, VPCs and caller ranges', () => {
  const stack = newStack();
  const vpcEndpoint = ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'Shared', { vpcEndpointId: 'vpce-05b5b5b5b5b5b5b5b', port: 443 });
  const api = new PrivateVpcApi(stack, 'Api', {
    vpc: importedVpc(stack),
    vpcEndpoint,
    allowedVpcEndpoints: ['vpce-0c2c2c2c2c2c2c2c2'],
    allowedVpcs: ['vpc-0bbbbbbbbbbbbbbbb'],
    deniedVpcEndpoints: ['vpce-0d4d4d4d4d4d4d4d4'],
    allowedVpcSourceIps: ['10.0.0.0/16'],
  });
  routes(api);
  expect(ours(stack)).toEqual([]);
});

test('an imported VPC whose CIDR is a token: the endpoint group\'s unreadable-CIDR findings are acknowledged', () => {
  const stack = newStack();
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
    vpcId: 'vpc-0aaaaaaaaaaaaaaaa',
    vpcCidrBlock: new ec2.Vpc(stack, 'Source', { natGateways: 0 }).vpcCidrBlock,
    availabilityZones: ['eu-west-1a'],
    privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1'],
  });
  routes(new PrivateVpcApi(stack, 'Api', { vpc }));
  expect(ours(stack)).toEqual([]);
});

test('private integrations: internal NLB (VPC link) and internal ALB (VPC link V2)', () => {
  const stack = newStack();
  const vpc = PrivateVpcApi.quickStartVpc(stack, 'Vpc');
  const api = new PrivateVpcApi(stack, 'Api', { vpc });
  api.addRoute('GET', '/orders', api.networkLoadBalancerIntegration(new elbv2.NetworkLoadBalancer(stack, 'Nlb', { vpc })));
  api.addRoute('GET', '/users', api.applicationLoadBalancerIntegration(new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc })));
  expect(ours(stack)).toEqual([]);
});
