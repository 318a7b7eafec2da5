/**
 * The private custom domain (T-b9): DomainNameV2 with CertificateArn, PRIVATE, TLS_1_2 and a non-empty policy
 * restricted to the allowed endpoints (a DomainNameV2 is created deny-all); one access association per endpoint of
 * this account; BasePathMappingV2 ordered after the stage it names; an alias record in the private hosted zone.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { apiPolicy, evaluate, only, privateApi, substitute, throughEndpoint } from './support';
import { PrivateDomainOptions, PrivateVpcApi } from '../../src';
import { newStack } from '../support/fixtures';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0b0b0b0b-0b0b-0b0b-0b0b-0b0b0b0b0b0b';
const SAME_ACCOUNT = 'vpce-0f6f6f6f6f6f6f6f6';
const CREATED = 'vpce-0a1a1a1a1a1a1a1a1';

function withDomain(stack: Stack, extra: Partial<PrivateDomainOptions> = {}): PrivateVpcApi {
  const vpc = PrivateVpcApi.quickStartVpc(stack, 'Vpc');
  const zone = new route53.PrivateHostedZone(stack, 'Zone', { zoneName: 'internal.example.com', vpc });
  return privateApi(stack, {
    vpc,
    privateDomain: {
      domainName: 'orders.internal.example.com',
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT),
      hostedZone: zone,
      basePath: 'v1',
      accessEndpoints: [SAME_ACCOUNT],
      ...extra,
    },
  });
}

describe('the private custom domain', () => {
  test('DomainNameV2: PRIVATE, CertificateArn (never RegionalCertificateArn), TLS_1_2, a policy allowing only the allowed endpoints', () => {
    const stack = newStack();
    const api = withDomain(stack);
    const t = Template.fromStack(stack);
    const endpoint = only(t, 'AWS::EC2::VPCEndpoint').id;
    const domain = only(t, 'AWS::ApiGateway::DomainNameV2').resource.Properties;
    expect(domain).toEqual(expect.objectContaining({
      DomainName: 'orders.internal.example.com',
      CertificateArn: CERT,
      EndpointConfiguration: { Types: ['PRIVATE'], IpAddressType: 'dualstack' },
      SecurityPolicy: 'TLS_1_2',
    }));
    expect(domain.RegionalCertificateArn).toBeUndefined();
    expect(domain.Policy.Statement.map((s: any) => [s.Effect, s.Resource, s.Condition])).toEqual([
      ['Allow', 'execute-api:/*', { StringEquals: { 'aws:SourceVpce': [{ Ref: endpoint }, SAME_ACCOUNT] } }],
      ['Deny', 'execute-api:/*', { StringNotEquals: { 'aws:SourceVpce': [{ Ref: endpoint }, SAME_ACCOUNT] } }],
    ]);
    const policy = substitute(domain.Policy, { [endpoint]: CREATED });
    expect(evaluate(policy, throughEndpoint(CREATED, undefined, 'execute-api:/v1/GET/orders'))).toBe('Allow');
    expect(evaluate(policy, throughEndpoint('vpce-0e3e3e3e3e3e3e3e3', undefined, 'execute-api:/v1/GET/orders'))).toBe('Deny');
    expect(api.privateDomain?.url).toBe('https://orders.internal.example.com/v1/');
  });

  test('one access association per endpoint of this account, and the API\'s own policy allows each of them', () => {
    const stack = newStack();
    withDomain(stack);
    const t = Template.fromStack(stack);
    const endpoint = only(t, 'AWS::EC2::VPCEndpoint').id;
    const domain = only(t, 'AWS::ApiGateway::DomainNameV2').id;
    const associations = Object.values<any>(t.findResources('AWS::ApiGateway::DomainNameAccessAssociation')).map((r) => r.Properties);
    expect(associations).toEqual([
      { DomainNameArn: { 'Fn::GetAtt': [domain, 'DomainNameArn'] }, AccessAssociationSource: { Ref: endpoint }, AccessAssociationSourceType: 'VPCE' },
      { DomainNameArn: { 'Fn::GetAtt': [domain, 'DomainNameArn'] }, AccessAssociationSource: SAME_ACCOUNT, AccessAssociationSourceType: 'VPCE' },
    ]);
    const policy = apiPolicy(t, CREATED);
    expect(evaluate(policy, throughEndpoint(CREATED))).toBe('Allow');
    expect(evaluate(policy, throughEndpoint(SAME_ACCOUNT))).toBe('Allow');
  });

  test('BasePathMappingV2 names the domain by ARN and the stage by its Ref, so it is created after the stage', () => {
    // AWS rule: a mapping created before its stage fails with "Invalid stage identifier specified"
    // (https://github.com/aws/serverless-application-model/issues/192).
    const stack = newStack();
    withDomain(stack);
    const t = Template.fromStack(stack);
    const mapping = only(t, 'AWS::ApiGateway::BasePathMappingV2').resource.Properties;
    expect(mapping).toEqual({
      DomainNameArn: { 'Fn::GetAtt': [only(t, 'AWS::ApiGateway::DomainNameV2').id, 'DomainNameArn'] },
      RestApiId: { Ref: only(t, 'AWS::ApiGateway::RestApi').id },
      Stage: { Ref: only(t, 'AWS::ApiGateway::Stage').id },
      BasePath: 'v1',
    });
  });

  test('an alias A record in the private hosted zone points the name at the endpoint\'s regional DNS name', () => {
    const stack = newStack();
    withDomain(stack);
    const t = Template.fromStack(stack);
    const endpoint = only(t, 'AWS::EC2::VPCEndpoint').id;
    const record = only(t, 'AWS::Route53::RecordSet').resource.Properties;
    expect(record.Name).toBe('orders.internal.example.com.');
    expect(record.Type).toBe('A');
    expect(JSON.stringify(record.AliasTarget)).toContain(`"Fn::GetAtt":["${endpoint}","DnsEntries"]`);
  });

  test('with a given endpoint and no hosted zone: association for it, no record; with a zone it is refused', () => {
    const stack = newStack();
    const vpcEndpoint = ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'Shared', { vpcEndpointId: 'vpce-05b5b5b5b5b5b5b5b', port: 443 });
    privateApi(stack, { vpcEndpoint, privateDomain: { domainName: 'orders.internal.example.com', certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT) } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(only(t, 'AWS::ApiGateway::DomainNameAccessAssociation').resource.Properties.AccessAssociationSource).toBe('vpce-05b5b5b5b5b5b5b5b');

    const bad = newStack();
    const zone = route53.PrivateHostedZone.fromPrivateHostedZoneId(bad, 'Zone', 'Z0123456789ABCDEFGHIJ');
    const shared = ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(bad, 'Shared', { vpcEndpointId: 'vpce-05b5b5b5b5b5b5b5b', port: 443 });
    expect(() => privateApi(bad, {
      vpcEndpoint: shared,
      privateDomain: { domainName: 'orders.internal.example.com', certificate: acm.Certificate.fromCertificateArn(bad, 'Cert', CERT), hostedZone: zone },
    })).toThrow('Test/Api: invalid privateDomain.hostedZone "Test/Zone": needs the endpoint the construct creates');
  });
});
