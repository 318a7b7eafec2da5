/**
 * Every custom-domain configuration of the REST patterns passes the compliance harness: the cdk-nag packs, Control
 * Tower's proactive controls (CT.APIGATEWAY.PR.6: SecurityPolicy TLS_1_2 on every domain), the template checker and
 * the deploy-readiness check (ByNameOrder: each mapping after its stage, aws-cdk#8983). MonetizedApi shares the REST
 * base's domain code; its compliance row is left out to keep this file under 30 s.
 */
import { Stack } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { ApiAuthorization, RestApiPattern, RestDomainOptions, SecuredRestApi } from '../../src';
import { complianceFindings, formatFindings } from '../support/compliance';
import { newStack } from '../support/fixtures';
import { REST_PATTERNS } from '../support/rest-patterns';

const ACCOUNT = '123456789012';
const certArn = (region: string) => `arn:aws:acm:${region}:${ACCOUNT}:certificate/0f6e2c1a-9b1e-4c4b-8a57-2f1f5d8e0a11`;
const zoneOf = (s: Stack) => route53.HostedZone.fromHostedZoneAttributes(s, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com' });
const route = (api: RestApiPattern) => api.addRoute('GET', '/orders', new apigateway.HttpIntegration('https://backend.example.com/orders'));

const regional = (s: Stack, extra: Partial<RestDomainOptions> = {}): RestDomainOptions => ({
  domainName: 'api.example.com', certificate: acm.Certificate.fromCertificateArn(s, 'Cert', certArn('eu-west-1')), ...extra,
});

const configurations: Array<[string, () => Stack]> = [
  ['REGIONAL root domain with alias records', () => {
    const s = newStack('Regional', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    route(new SecuredRestApi(s, 'Api', { authorization: ApiAuthorization.iam(), domain: regional(s, { hostedZone: zoneOf(s) }) }));
    return s;
  }],
  ['multi-level base path (ApiGatewayV2::ApiMapping)', () => {
    const s = newStack('MultiLevel', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    route(new SecuredRestApi(s, 'Api', { authorization: ApiAuthorization.iam(), domain: regional(s, { basePath: 'v1/orders' }) }));
    return s;
  }],
  ['EDGE domain with a certificate created in us-east-1', () => {
    const s = newStack('Edge', { env: { account: ACCOUNT, region: 'us-east-1' } });
    route(new SecuredRestApi(s, 'Api', { authorization: ApiAuthorization.iam(), endpointType: apigateway.EndpointType.EDGE, domain: { domainName: 'api.example.com', hostedZone: zoneOf(s) } }));
    return s;
  }],
  ['mutual TLS with an ownership certificate, two stages on named base paths', () => {
    const s = newStack('Mtls', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const api = new SecuredRestApi(s, 'Api', {
      authorization: ApiAuthorization.iam(),
      domain: {
        domainName: 'api.example.com',
        certificate: acm.Certificate.fromCertificateArn(s, 'Cert', certArn('eu-west-1')),
        basePath: 'orders',
        hostedZone: zoneOf(s),
        mtls: { truststoreUri: 's3://orders-truststore/bundle.pem', truststoreVersion: 'v3Xk9zQ' },
        ownershipVerificationCertificate: acm.Certificate.fromCertificateArn(s, 'Own', certArn('eu-west-1')),
      },
    });
    route(api);
    api.domains[0].addMapping(api.addStage('Dev', { stageName: 'dev' }).stage, { basePath: 'orders-dev' });
    return s;
  }],
  ...REST_PATTERNS.filter((p) => p.name === 'SecuredRestApi').map((p): [string, () => Stack] => [`${p.name} with a domain (environment-agnostic)`, () => {
    const s = newStack();
    route(p.build(s, { domain: { domainName: 'api.example.com', certificate: acm.Certificate.fromCertificateArn(s, 'Cert', certArn('eu-west-1')) } }));
    return s;
  }]),
];

describe('compliance of custom-domain configurations', () => {
  test.each(configurations)('%s', (_name, build) => {
    expect(formatFindings(complianceFindings(build()))).toEqual([]);
  });
});

test('an enhanced SecurityPolicy_* policy is flagged by Control Tower CT.APIGATEWAY.PR.6 and nothing else', () => {
  // CT.APIGATEWAY.PR.6 requires SecurityPolicy TLS_1_2 on API Gateway domains: hence the SecurityPolicyNotTls12 warning.
  const s = newStack('Enhanced', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  route(new SecuredRestApi(s, 'Api', {
    authorization: ApiAuthorization.iam(),
    domain: regional(s, { securityPolicy: apigateway.SecurityPolicy.TLS13_1_3_2025_09, endpointAccessMode: apigateway.EndpointAccessMode.STRICT }),
  }));
  expect(complianceFindings(s).map((f) => `${f.source} ${f.ruleId}`)).toEqual(['ControlTower CT.APIGATEWAY.PR.6']);
});

test('mutual TLS with a private-CA certificate and no ownership certificate fails the synth', () => {
  // API Gateway verifies the domain's ownership with a public ACM certificate when the serving one is private-CA or
  // imported (https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html; aws-cdk#17219).
  const s = newStack('Pca', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const certificateAuthority = acmpca.CertificateAuthority.fromCertificateAuthorityArn(s, 'Ca', `arn:aws:acm-pca:eu-west-1:${ACCOUNT}:certificate-authority/11111111-2222-3333-4444-555555555555`);
  const certificate = new acm.PrivateCertificate(s, 'Private', { domainName: 'api.example.com', certificateAuthority });
  expect(() => new SecuredRestApi(s, 'Api', {
    authorization: ApiAuthorization.iam(),
    domain: { domainName: 'api.example.com', certificate, mtls: { truststoreUri: 's3://orders-truststore/bundle.pem', truststoreVersion: '1' } },
  })).toThrow('Pca/Api/Domain: invalid domain.ownershipVerificationCertificate undefined: must be given for mutual TLS with a private-CA certificate');
});
