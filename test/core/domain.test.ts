/**
 * The custom-domain checks of src/core/domain.ts as the WebSocket pattern applies them (the REST ones are tested in
 * test/rest/domains.test.ts). WebSocket custom domains are REGIONAL with TLS_1_2 only
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-ciphers.html: "API Gateway enforces a
 * security policy of TLS_1_2 for all WebSocket API endpoints"); mutual TLS exists for REST and HTTP API domains only
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html). An option the pattern
 * cannot apply fails the synth rather than being ignored.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { ApiAuthorization, CustomDomainOptions, WebSocketChatApi } from '../../src';
import { newStack } from '../support/fixtures';

const CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/5b0d7c2e-1f3a-4e6b-9c8d-0a1b2c3d4e5f';

function chat(stack: Stack, domain: Partial<CustomDomainOptions> = {}) {
  const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', CERT);
  return new WebSocketChatApi(stack, 'Chat', { authorization: ApiAuthorization.iam(), domain: { domainName: 'chat.example.com', certificate, ...domain } });
}

describe('a WebSocket custom domain', () => {
  test('basePath becomes the API mapping key, hostedZone an alias A record to the regional name', () => {
    const stack = newStack();
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com' });
    chat(stack, { basePath: 'chat', hostedZone: zone });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { ApiMappingKey: 'chat' });
    const domainId = Object.keys(template.findResources('AWS::ApiGatewayV2::DomainName'))[0];
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainNameConfigurations: [{ SecurityPolicy: 'TLS_1_2', EndpointType: 'REGIONAL', CertificateArn: CERT }] });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'chat.example.com.',
      Type: 'A',
      AliasTarget: { DNSName: { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] }, HostedZoneId: { 'Fn::GetAtt': [domainId, 'RegionalHostedZoneId'] } },
    });
  });

  test('without basePath or hostedZone: the root mapping and no record', () => {
    const stack = newStack();
    chat(stack);
    const template = Template.fromStack(stack);
    const [mapping] = Object.values<any>(template.findResources('AWS::ApiGatewayV2::ApiMapping'));
    expect(mapping.Properties.ApiMappingKey).toBeUndefined();
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  const cases: Array<[string, (s: Stack) => Partial<CustomDomainOptions>, string]> = [
    ['TLS_1_0', () => ({ securityPolicy: apigateway.SecurityPolicy.TLS_1_0 }), 'Test/Chat: invalid domain.securityPolicy "TLS_1_0": must be TLS_1_2: API Gateway enforces TLS_1_2 on WebSocket APIs'],
    ['an enhanced policy', () => ({ securityPolicy: apigateway.SecurityPolicy.TLS13_1_3_2025_09, endpointAccessMode: apigateway.EndpointAccessMode.STRICT }),
      'invalid domain.securityPolicy "SecurityPolicy_TLS13_1_3_2025_09": must be TLS_1_2'],
    ['an endpoint access mode', () => ({ endpointAccessMode: apigateway.EndpointAccessMode.BASIC }), 'invalid domain.endpointAccessMode "BASIC": applies only to REST domains'],
    ['mutual TLS', () => ({ mtls: { truststoreUri: 's3://chat-truststore/bundle.pem', truststoreVersion: '1' } }),
      'invalid domain.mtls "on a WebSocket domain": is not available: API Gateway offers mutual TLS on REST and HTTP API domains only'],
    ['an ownership verification certificate', (s) => ({ ownershipVerificationCertificate: acm.Certificate.fromCertificateArn(s, 'Own', CERT) }),
      'invalid domain.ownershipVerificationCertificate "on a WebSocket domain"'],
    ['a multi-level base path', () => ({ basePath: 'v1/chat' }), 'invalid domain.basePath "v1/chat": must be one segment'],
    ['a base path with a leading slash', () => ({ basePath: '/chat' }), 'invalid domain.basePath "/chat"'],
    ['an upper-case domain name', () => ({ domainName: 'Chat.example.com' }), 'invalid domain.domainName "Chat.example.com"'],
  ];
  test.each(cases)('refuses %s', (_name, domain, message) => {
    const stack = newStack();
    expect(() => chat(stack, domain(stack))).toThrow(message);
  });

  test('TLS_1_2 given explicitly is accepted', () => {
    const stack = newStack();
    expect(() => chat(stack, { securityPolicy: apigateway.SecurityPolicy.TLS_1_2 })).not.toThrow();
  });
});
