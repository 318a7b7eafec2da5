/**
 * Bad input only PrivateVpcApi refuses (the shared REST table, test/validation/rest-bad-inputs.test.ts, runs over it
 * too): synth-time errors naming the construct path, the prop, the value and what is allowed.
 */
import { Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { privateApi } from './support';
import { PrivateVpcApiProps } from '../../src';
import { PropValidationError } from '../../src/core/private/validation';
import { newStack } from '../support/fixtures';

type Case = [name: string, props: (stack: Stack) => Partial<PrivateVpcApiProps>, message: string];

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0b0b0b0b-0b0b-0b0b-0b0b-0b0b0b0b0b0b';
const domain = (stack: Stack, o: object) => ({ privateDomain: { domainName: 'orders.internal.example.com', certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT), ...o } });
const noDnsVpc = (stack: Stack, dns: object) =>
  new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }], ...dns });
const manyEndpoints = Array.from({ length: 400 }, (_, i) => `vpce-0${i.toString(16).padStart(16, '0')}`);

const cases: Case[] = [
  ['REGIONAL endpoint type', () => ({ endpointType: apigateway.EndpointType.REGIONAL }), 'Test/Api: invalid endpointType "REGIONAL": must be one of "PRIVATE"'],
  ['EDGE endpoint type', () => ({ endpointType: apigateway.EndpointType.EDGE }), 'Test/Api: invalid endpointType "EDGE": must be one of "PRIVATE"'],
  ['empty allowed endpoint list', () => ({ allowedVpcEndpoints: [] }), 'Test/Api: invalid allowedVpcEndpoints "0 item(s)": must have at least 1 item(s)'],
  ['empty denied endpoint list', () => ({ deniedVpcEndpoints: [] }), 'Test/Api: invalid deniedVpcEndpoints "0 item(s)": must have at least 1 item(s)'],
  ['empty allowed VPC list', () => ({ allowedVpcs: [] }), 'Test/Api: invalid allowedVpcs "0 item(s)": must have at least 1 item(s)'],
  ['empty caller address list', () => ({ allowedVpcSourceIps: [] }), 'Test/Api: invalid allowedVpcSourceIps "0 item(s)": must have at least 1 item(s)'],
  ['empty domain access endpoints', (s) => domain(s, { accessEndpoints: [] }), 'Test/Api: invalid privateDomain.accessEndpoints "0 item(s)": must have at least 1 item(s)'],
  ['endpoint id malformed', () => ({ allowedVpcEndpoints: ['vpc-0c2c2c2c2c2c2c2c2'] }), 'Test/Api: invalid allowedVpcEndpoints "vpc-0c2c2c2c2c2c2c2c2": entries must be VPC endpoint ids'],
  ['endpoint ARN of another service', () => ({ allowedVpcEndpoints: ['arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0c2c2c2c2c2c2c2c2'] }), 'invalid allowedVpcEndpoints "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0c2c2c2c2c2c2c2c2"'],
  ['endpoint ARN from another region', () => ({ allowedVpcEndpoints: ['arn:aws:ec2:us-east-1:111122223333:vpc-endpoint/vpce-0c2c2c2c2c2c2c2c2'] }),
    'Test/Api: invalid allowedVpcEndpoints "arn:aws:ec2:us-east-1:111122223333:vpc-endpoint/vpce-0c2c2c2c2c2c2c2c2": must be an endpoint in the API\'s region eu-west-1'],
  ['denied endpoint ARN from another region', () => ({ deniedVpcEndpoints: ['arn:aws:ec2:us-east-1:111122223333:vpc-endpoint/vpce-0c2c2c2c2c2c2c2c2'] }), 'invalid deniedVpcEndpoints "arn:aws:ec2:us-east-1'],
  ['same endpoint allowed and denied', () => ({ allowedVpcEndpoints: ['vpce-0c2c2c2c2c2c2c2c2'], deniedVpcEndpoints: ['arn:aws:ec2:eu-west-1:111122223333:vpc-endpoint/vpce-0c2c2c2c2c2c2c2c2'] }),
    'Test/Api: invalid deniedVpcEndpoints "vpce-0c2c2c2c2c2c2c2c2": must not also be an allowed endpoint'],
  ['duplicate allowed endpoint', () => ({ allowedVpcEndpoints: ['vpce-0c2c2c2c2c2c2c2c2', 'vpce-0c2c2c2c2c2c2c2c2'] }), 'Test/Api: invalid allowedVpcEndpoints "vpce-0c2c2c2c2c2c2c2c2": must not contain duplicates'],
  ['policy over 8,192 characters', () => ({ allowedVpcEndpoints: manyEndpoints }), 'characters": must render to at most 8,192 characters (API Gateway quota): allow VPCs (allowedVpcs) instead of many endpoints'],
  ['VPC id malformed', () => ({ allowedVpcs: ['vpce-0c2c2c2c2c2c2c2c2'] }), 'Test/Api: invalid allowedVpcs "vpce-0c2c2c2c2c2c2c2c2": entries must be VPC ids'],
  ['caller range not a CIDR', () => ({ allowedVpcSourceIps: ['10.0.0.0/40'] }), 'Test/Api: invalid allowedVpcSourceIps "10.0.0.0/40": entries must be IPv4 or IPv6 addresses or CIDR ranges'],
  ['caller range /0', () => ({ allowedVpcSourceIps: ['0.0.0.0/0'] }), 'Test/Api: invalid allowedVpcSourceIps "0.0.0.0/0": must not be a /0 range'],
  ['aws:SourceIp allow list', () => ({ resourcePolicy: { allowedSourceCidrs: ['10.0.0.0/8'] } }),
    'Test/Api: invalid resourcePolicy.allowedSourceCidrs ["10.0.0.0/8"]: is an aws:SourceIp condition, which never matches a call through a VPC endpoint: use allowedVpcSourceIps (aws:VpcSourceIp)'],
  ['aws:SourceIp deny list', () => ({ resourcePolicy: { deniedSourceCidrs: ['10.9.0.0/16'] } }), 'Test/Api: invalid resourcePolicy.deniedSourceCidrs ["10.9.0.0/16"]: is an aws:SourceIp condition'],
  ['VPC without DNS support', (s) => ({ vpc: noDnsVpc(s, { enableDnsSupport: false, enableDnsHostnames: false }) }), 'Test/Api: invalid vpc "Test/Vpc (enableDnsSupport: false)": must have DNS support'],
  ['private DNS in a VPC without DNS host names', (s) => ({ vpc: noDnsVpc(s, { enableDnsHostnames: false }), privateDns: true }),
    'Test/Api: invalid vpc "Test/Vpc (enableDnsHostnames: false)": must have DNS host names'],
  ['no endpoint peers', () => ({ endpointPeers: [] }), 'Test/Api: invalid endpointPeers "0 item(s)": must have at least 1 item(s)'],
  ['private DNS on a given endpoint', (s) => ({ vpcEndpoint: ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(s, 'E', { vpcEndpointId: 'vpce-05b5b5b5b5b5b5b5b', port: 443 }), privateDns: true }),
    'Test/Api: invalid privateDns true: applies only to the endpoint the construct creates, not to a given vpcEndpoint'],
  ['domain name not qualified', (s) => domain(s, { domainName: 'orders' }), 'Test/Api: invalid privateDomain.domainName "orders": must be a fully qualified domain name'],
  ['base path with a leading slash', (s) => domain(s, { basePath: '/v1' }), 'Test/Api: invalid privateDomain.basePath "/v1": must be path segments without leading or trailing "/"'],
];

describe('PrivateVpcApi rejects bad props', () => {
  test.each(cases)('%s', (_name, props, message) => {
    const run = () => {
      const stack = newStack('Test', { env: { account: '123456789012', region: 'eu-west-1' } });
      privateApi(stack, props(stack));
    };
    expect(run).toThrow(PropValidationError);
    expect(run).toThrow(message);
  });

  test('a bad private integration URL', () => {
    const stack = newStack();
    const api = privateApi(stack);
    const nlb = new elbv2.NetworkLoadBalancer(stack, 'Nlb', { vpc: api.vpc });
    expect(() => api.networkLoadBalancerIntegration(nlb, { url: 'orders.internal:8080' })).toThrow(
      'Test/Api: invalid privateIntegration.url "orders.internal:8080": must be an http(s) URL with a host name, optional port and path, no query',
    );
  });

  test('unresolved tokens are skipped: a region-agnostic stack accepts any ARN region, a token endpoint id passes', () => {
    const stack = newStack();
    expect(() => privateApi(stack, { allowedVpcEndpoints: ['arn:aws:ec2:us-east-1:111122223333:vpc-endpoint/vpce-0c2c2c2c2c2c2c2c2'] })).not.toThrow();
    const other = newStack();
    const endpoint = new ec2.InterfaceVpcEndpoint(other, 'Consumer', { vpc: new ec2.Vpc(other, 'V2', { natGateways: 0 }), service: ec2.InterfaceVpcEndpointAwsService.APIGATEWAY });
    expect(() => privateApi(other, { allowedVpcEndpoints: [endpoint.vpcEndpointId] })).not.toThrow();
  });
});
