/**
 * Custom domains of the REST patterns: `addDomainName(id, options)` and the `domain` prop.
 *
 * Each test names the API Gateway, Route 53 or CloudFormation rule it relies on:
 * - https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-custom-domains.html (REGIONAL/EDGE, certificates)
 * - https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-edge-optimized-custom-domain-name.html
 *   ("the certificate must be in the US East (N. Virginia) Region")
 * - https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html (multi-level mappings:
 *   REGIONAL, TLS 1.2, AWS::ApiGatewayV2::ApiMapping)
 * - https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html (truststore, versions,
 *   ownership verification certificate)
 * - aws-cdk#11095 (empty base path beside named ones), #22416 (rename), #8983 (mapping before its stage).
 * Compliance of these configurations: test/rest/domain-compliance.test.ts.
 */
import { CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ApiAuthorization, SecuredRestApiProps, RestDomainOptions, SecuredRestApi } from '../../src';
import { newStack } from '../support/fixtures';

const REGION = 'eu-west-1';
const ENV = { account: '123456789012', region: REGION };
const certArn = (region: string) => `arn:aws:acm:${region}:123456789012:certificate/0f6e2c1a-9b1e-4c4b-8a57-2f1f5d8e0a11`;

function envStack(id = 'Test', region = REGION): Stack {
  return newStack(id, { env: { ...ENV, region } });
}

function zoneOf(stack: Stack): route53.IHostedZone {
  return route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com' });
}

function certificate(stack: Stack, region = REGION, id = 'Cert'): acm.ICertificate {
  return acm.Certificate.fromCertificateArn(stack, id, certArn(region));
}

function build(stack: Stack, props: Partial<SecuredRestApiProps> = {}, id = 'Api') {
  const api = new SecuredRestApi(stack, id, { authorization: ApiAuthorization.iam(), ...props });
  api.addRoute('GET', '/orders', new apigateway.HttpIntegration('https://backend.example.com/orders'));
  return api;
}

function resourcesOf(stack: Stack): Record<string, any> {
  return Template.fromStack(stack).toJSON().Resources;
}

function ofType(resources: Record<string, any>, type: string): Array<[string, any]> {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

function stageId(stack: Stack, api: SecuredRestApi, index = 0): string {
  return stack.resolve((api.stages[index].stage.node.defaultChild as apigateway.CfnStage).logicalId);
}

describe('a REGIONAL domain (the default for a REGIONAL API)', () => {
  const stack = envStack();
  const api = build(stack, { domain: { domainName: 'api.example.com', certificate: certificate(stack), hostedZone: zoneOf(stack) } });
  const resources = resourcesOf(stack);
  const template = Template.fromStack(stack);
  const [domainId, domain] = ofType(resources, 'AWS::ApiGateway::DomainName')[0];

  test('regional certificate, TLS_1_2 by default, dual stack, a logical id derived from the domain name', () => {
    // CT.APIGATEWAY.PR.6 accepts only TLS_1_2; a REGIONAL domain reads RegionalCertificateArn, an EDGE one CertificateArn.
    expect(domain.Properties).toEqual({
      DomainName: 'api.example.com',
      RegionalCertificateArn: certArn(REGION),
      EndpointConfiguration: { Types: ['REGIONAL'], IpAddressType: 'dualstack' },
      SecurityPolicy: 'TLS_1_2',
    });
    expect(domainId).toMatch(/^Domainapiexamplecom[0-9a-f]{8}$/);
  });

  test('A and AAAA alias records target the regional name and hosted zone', () => {
    // Route 53 alias to a REGIONAL domain: RegionalDomainName / RegionalHostedZoneId (EDGE uses Distribution*).
    for (const type of ['A', 'AAAA']) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'api.example.com.',
        Type: type,
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        AliasTarget: {
          DNSName: { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] },
          HostedZoneId: { 'Fn::GetAtt': [domainId, 'RegionalHostedZoneId'] },
        },
      });
    }
    expect(ofType(resources, 'AWS::Route53::RecordSet').map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^DomainAliasAAAAapiexamplecom[0-9a-f]{8}$/), expect.stringMatching(/^DomainAliasAapiexamplecom[0-9a-f]{8}$/),
    ]);
  });

  test('a root base path mapping to the default stage, by Ref, after the stage', () => {
    // CreateBasePathMapping fails with "Invalid stage identifier specified" before the stage exists (aws-cdk#8983).
    const mappings = ofType(resources, 'AWS::ApiGateway::BasePathMapping');
    expect(mappings).toHaveLength(1);
    const [mappingId, mapping] = mappings[0];
    const restApiId = stack.resolve((api.api.node.defaultChild as apigateway.CfnRestApi).logicalId);
    expect(mapping.Properties).toEqual({ DomainName: { Ref: domainId }, RestApiId: { Ref: restApiId }, Stage: { Ref: stageId(stack, api) } });
    expect(mapping.DependsOn).toEqual(expect.arrayContaining([stageId(stack, api)]));
    expect(mappingId).toMatch(/^DomainMappingapiexamplecom[0-9a-f]{8}$/);
  });

  test('the default execute-api endpoint is turned off, so callers cannot bypass the domain', () => {
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-disable-default-endpoint.html
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
  });
});

describe('endpoint types and certificates', () => {
  test('an EDGE domain reads CertificateArn and its alias records target the distribution', () => {
    // EDGE custom domains are CloudFront distributions: the alias target is DistributionDomainName /
    // DistributionHostedZoneId ("RegionalHostedZoneId does not exist" otherwise, aws/chalice#1728).
    const stack = envStack();
    build(stack, { endpointType: apigateway.EndpointType.EDGE, domain: { domainName: 'api.example.com', certificate: certificate(stack, 'us-east-1'), hostedZone: zoneOf(stack) } });
    const resources = resourcesOf(stack);
    const [domainId, domain] = ofType(resources, 'AWS::ApiGateway::DomainName')[0];
    expect(domain.Properties).toEqual(expect.objectContaining({ CertificateArn: certArn('us-east-1'), EndpointConfiguration: { Types: ['EDGE'], IpAddressType: 'dualstack' } }));
    expect(domain.Properties.RegionalCertificateArn).toBeUndefined();
    for (const [, record] of ofType(resources, 'AWS::Route53::RecordSet')) {
      expect(record.Properties.AliasTarget).toEqual({
        DNSName: { 'Fn::GetAtt': [domainId, 'DistributionDomainName'] },
        HostedZoneId: { 'Fn::GetAtt': [domainId, 'DistributionHostedZoneId'] },
      });
    }
  });

  test('endpointType on the domain may differ from the API\'s (a REGIONAL domain in front of an EDGE API)', () => {
    const stack = envStack();
    build(stack, { endpointType: apigateway.EndpointType.EDGE, domain: { domainName: 'api.example.com', certificate: certificate(stack), endpointType: apigateway.EndpointType.REGIONAL } });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::DomainName', { RegionalCertificateArn: certArn(REGION), EndpointConfiguration: { Types: ['REGIONAL'] } });
  });

  test('without a certificate, one is created with DNS validation in the hosted zone', () => {
    // ACM DNS validation writes a CNAME into the zone (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html).
    const stack = envStack();
    build(stack, { domain: { domainName: 'api.example.com', hostedZone: zoneOf(stack) } });
    const resources = resourcesOf(stack);
    const [certId, cert] = ofType(resources, 'AWS::CertificateManager::Certificate')[0];
    expect(cert.Properties).toEqual(expect.objectContaining({
      DomainName: 'api.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'api.example.com', HostedZoneId: 'Z0123456789ABCDEFGHIJ' }],
    }));
    expect(ofType(resources, 'AWS::ApiGateway::DomainName')[0][1].Properties.RegionalCertificateArn).toEqual({ Ref: certId });
  });

  test('an EDGE domain in a us-east-1 stack may create its certificate; in an unknown region it warns', () => {
    const east = envStack('East', 'us-east-1');
    build(east, { endpointType: apigateway.EndpointType.EDGE, domain: { domainName: 'api.example.com', hostedZone: zoneOf(east) } });
    Template.fromStack(east).resourceCountIs('AWS::CertificateManager::Certificate', 1);

    const agnostic = newStack('Agnostic');
    build(agnostic, { endpointType: apigateway.EndpointType.EDGE, domain: { domainName: 'api.example.com', hostedZone: zoneOf(agnostic) } });
    Annotations.fromStack(agnostic).hasWarning('/Agnostic/Api/Domain', Match.stringLikeRegexp('cdk-apigateway-patterns:EdgeCertificateRegion'));
  });

  test('a certificate created in a us-east-1 stack is accepted for EDGE (cross-region reference), one from eu-west-1 is not', () => {
    const east = newStack('Certs', { env: { ...ENV, region: 'us-east-1' }, crossRegionReferences: true });
    const eastCert = new acm.Certificate(east, 'Cert', { domainName: 'api.example.com', validation: acm.CertificateValidation.fromDns(zoneOf(east)) });
    const stack = new Stack(east.node.root as any, 'Api', { env: ENV, crossRegionReferences: true });
    expect(() => build(stack, { endpointType: apigateway.EndpointType.EDGE, domain: { domainName: 'api.example.com', certificate: eastCert } })).not.toThrow();

    const west = new Stack(east.node.root as any, 'West', { env: ENV, crossRegionReferences: true });
    const westCert = new acm.Certificate(west, 'Cert', { domainName: 'api.example.com', validation: acm.CertificateValidation.fromDns(zoneOf(west)) });
    const other = new Stack(east.node.root as any, 'Other', { env: ENV, crossRegionReferences: true });
    expect(() => build(other, { endpointType: apigateway.EndpointType.EDGE, domain: { domainName: 'api.example.com', certificate: westCert } }))
      .toThrow('Other/Api/Domain: invalid domain.certificate "a certificate in eu-west-1": must be in us-east-1');
  });
});

describe('base path mappings', () => {
  function twoStages(stack: Stack) {
    const api = build(stack);
    const dev = api.addStage('Dev', { stageName: 'dev' });
    return { api, dev };
  }

  test('named base paths for several stages and APIs on one domain', () => {
    const stack = envStack();
    const { api, dev } = twoStages(stack);
    const domain = api.addDomainName('Orders', { domainName: 'api.example.com', certificate: certificate(stack), basePath: 'orders' });
    domain.addMapping(dev.stage, { basePath: 'orders-dev' });
    const other = build(stack, {}, 'Billing');
    domain.addMapping(other.stage, { basePath: 'billing' });
    expect(domain.basePaths).toEqual(['orders', 'orders-dev', 'billing']);
    const mappings = ofType(resourcesOf(stack), 'AWS::ApiGateway::BasePathMapping').map(([, m]) => m.Properties);
    expect(mappings).toEqual([
      expect.objectContaining({ BasePath: 'orders', Stage: { Ref: stageId(stack, api, 0) } }),
      expect.objectContaining({ BasePath: 'orders-dev', Stage: { Ref: stageId(stack, api, 1) } }),
      expect.objectContaining({ BasePath: 'billing', Stage: { Ref: stageId(stack, other, 0) } }),
    ]);
  });

  test('a multi-level base path is an AWS::ApiGatewayV2::ApiMapping, after its stage', () => {
    // API Gateway V1 base path mappings refuse "/" (aws-cdk#14822): multi-level mappings are ApiGatewayV2 ApiMappings.
    const stack = envStack();
    const api = build(stack, { domain: { domainName: 'api.example.com', certificate: certificate(stack), basePath: 'v1/orders' } });
    const resources = resourcesOf(stack);
    expect(ofType(resources, 'AWS::ApiGateway::BasePathMapping')).toEqual([]);
    const [[, mapping]] = ofType(resources, 'AWS::ApiGatewayV2::ApiMapping');
    expect(mapping.Properties).toEqual(expect.objectContaining({ ApiMappingKey: 'v1/orders', Stage: { Ref: stageId(stack, api) } }));
    expect(mapping.DependsOn).toEqual(expect.arrayContaining([stageId(stack, api)]));
  });

  test('mapping logical ids depend on the domain and base path, not on the API (renaming the API updates in place)', () => {
    // aws-cdk#22416: a new logical id creates the new mapping at the same key before deleting the old one: conflict.
    const ids = (apiId: string) => {
      const stack = envStack();
      build(stack, { domain: { domainName: 'api.example.com', certificate: certificate(stack), basePath: 'orders' } }, apiId);
      const resources = resourcesOf(stack);
      return ['AWS::ApiGateway::BasePathMapping', 'AWS::ApiGateway::DomainName', 'AWS::Route53::RecordSet']
        .flatMap((type) => ofType(resources, type).map(([id]) => id));
    };
    const before = ids('Orders');
    expect(before).toHaveLength(2);
    expect(ids('OrdersApi')).toEqual(before);
    const stack = envStack();
    build(stack, { domain: { domainName: 'api.example.com', certificate: certificate(stack), basePath: 'sales' } });
    expect(ofType(resourcesOf(stack), 'AWS::ApiGateway::BasePathMapping')[0][0]).not.toEqual(before[0]);
  });

  test('disableExecuteApiEndpoint: false keeps the default endpoint', () => {
    const stack = envStack();
    build(stack, { domain: { domainName: 'api.example.com', certificate: certificate(stack), disableExecuteApiEndpoint: false } });
    const [[, restApi]] = ofType(resourcesOf(stack), 'AWS::ApiGateway::RestApi');
    expect(restApi.Properties.DisableExecuteApiEndpoint).toBeUndefined();
  });

  test('an API without a domain keeps its default endpoint', () => {
    const stack = envStack();
    build(stack);
    const [[, restApi]] = ofType(resourcesOf(stack), 'AWS::ApiGateway::RestApi');
    expect(restApi.Properties.DisableExecuteApiEndpoint).toBeUndefined();
    expect(ofType(resourcesOf(stack), 'AWS::ApiGateway::DomainName')).toEqual([]);
  });
});

describe('security policy and mutual TLS', () => {
  test('an enhanced SecurityPolicy_* policy with its access mode is accepted, with the CT.APIGATEWAY.PR.6 warning', () => {
    // "Endpoint access mode is required for the specified security policy" (serverless#13332); Control Tower
    // CT.APIGATEWAY.PR.6 requires SecurityPolicy TLS_1_2.
    const stack = envStack();
    build(stack, {
      domain: {
        domainName: 'api.example.com',
        certificate: certificate(stack),
        securityPolicy: apigateway.SecurityPolicy.TLS13_1_3_2025_09,
        endpointAccessMode: apigateway.EndpointAccessMode.STRICT,
      },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::DomainName', { SecurityPolicy: 'SecurityPolicy_TLS13_1_3_2025_09', EndpointAccessMode: 'STRICT' });
    Annotations.fromStack(stack).hasWarning('/Test/Api/Domain', Match.stringLikeRegexp('CT.APIGATEWAY.PR.6.*SecurityPolicyNotTls12'));
  });

  test('mutual TLS pins the truststore version and reads a versioned bucket', () => {
    const stack = envStack();
    const bucket = new s3.Bucket(stack, 'Truststore', { bucketName: 'orders-truststore', versioned: true });
    build(stack, {
      domain: {
        domainName: 'api.example.com',
        certificate: certificate(stack),
        mtls: { truststoreUri: 's3://orders-truststore/ca/bundle.pem', truststoreVersion: 'v3Xk9zQ', truststoreBucket: bucket },
      },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      MutualTlsAuthentication: { TruststoreUri: 's3://orders-truststore/ca/bundle.pem', TruststoreVersion: 'v3Xk9zQ' },
    });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
    // A given (not created here) certificate might be imported or private-CA: API Gateway then needs an ownership one.
    Annotations.fromStack(stack).hasWarning('/Test/Api/Domain', Match.stringLikeRegexp('MtlsOwnershipVerification'));
  });

  test('an ownership verification certificate is written as its ARN', () => {
    const stack = envStack();
    build(stack, {
      domain: {
        domainName: 'api.example.com',
        certificate: certificate(stack),
        mtls: { truststoreUri: 's3://orders-truststore/bundle.pem', truststoreVersion: '1' },
        ownershipVerificationCertificate: certificate(stack, REGION, 'Ownership'),
      },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::DomainName', { OwnershipVerificationCertificateArn: certArn(REGION) });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('MtlsOwnershipVerification'))).toEqual([]);
  });
});

describe('bad input fails at synth time', () => {
  type Case = [string, (stack: Stack) => Partial<SecuredRestApiProps>, string];
  const domain = (stack: Stack, extra: Partial<RestDomainOptions> = {}): Partial<SecuredRestApiProps> =>
    ({ domain: { domainName: 'api.example.com', certificate: certificate(stack), ...extra } });
  const cases: Case[] = [
    ['an upper-case domain name', (s) => domain(s, { domainName: 'API.example.com' }),
      'Test/Api/Domain: invalid domain.domainName "API.example.com": must be a lower-case DNS name'],
    ['a domain name with an empty label', (s) => domain(s, { domainName: 'api..example.com' }), 'invalid domain.domainName "api..example.com"'],
    ['a label of 64 characters', (s) => domain(s, { domainName: `${'a'.repeat(64)}.example.com` }), 'invalid domain.domainName'],
    ['TLS_1_0', (s) => domain(s, { securityPolicy: apigateway.SecurityPolicy.TLS_1_0 }),
      'Test/Api/Domain: invalid domain.securityPolicy "TLS_1_0": must not be TLS_1_0'],
    ['an enhanced policy without an access mode', (s) => domain(s, { securityPolicy: apigateway.SecurityPolicy.TLS13_1_3_2025_09 }),
      'invalid domain.securityPolicy "SecurityPolicy_TLS13_1_3_2025_09": needs endpointAccessMode'],
    ['an access mode with TLS_1_2', (s) => domain(s, { endpointAccessMode: apigateway.EndpointAccessMode.STRICT }),
      'invalid domain.endpointAccessMode "STRICT": applies only to the enhanced SecurityPolicy_* policies'],
    ['an _EDGE policy on a REGIONAL domain', (s) => domain(s, { securityPolicy: apigateway.SecurityPolicy.TLS13_2025_EDGE, endpointAccessMode: apigateway.EndpointAccessMode.STRICT }),
      'must not be an *_EDGE policy on a REGIONAL domain'],
    ['a REGIONAL policy on an EDGE domain', (s) => ({
      endpointType: apigateway.EndpointType.EDGE,
      domain: { domainName: 'api.example.com', certificate: certificate(s, 'us-east-1'), securityPolicy: apigateway.SecurityPolicy.TLS13_1_3_2025_09, endpointAccessMode: apigateway.EndpointAccessMode.STRICT },
    }), 'must be one of the *_EDGE policies on an EDGE domain'],
    ['a REGIONAL certificate from another region', (s) => domain(s, { certificate: certificate(s, 'us-east-1', 'East') }),
      'Test/Api/Domain: invalid domain.certificate "a certificate in us-east-1": must be in eu-west-1: a REGIONAL domain needs a certificate of its own region'],
    ['an EDGE certificate outside us-east-1', (s) => ({ ...domain(s), endpointType: apigateway.EndpointType.EDGE }),
      'Test/Api/Domain: invalid domain.certificate "a certificate in eu-west-1": must be in us-east-1: EDGE domains use CloudFront'],
    ['an EDGE domain created in eu-west-1', (s) => ({ endpointType: apigateway.EndpointType.EDGE, domain: { domainName: 'api.example.com', hostedZone: zoneOf(s) } }),
      'invalid domain.certificate undefined: must be given for an EDGE domain in eu-west-1'],
    ['neither certificate nor hosted zone', () => ({ domain: { domainName: 'api.example.com' } }),
      'invalid domain.certificate undefined: must be given when there is no hostedZone'],
    ['an mTLS URI over https', (s) => domain(s, { mtls: { truststoreUri: 'https://orders-truststore.s3.amazonaws.com/bundle.pem', truststoreVersion: '1' } }),
      'invalid domain.mtls.truststoreUri "https://orders-truststore.s3.amazonaws.com/bundle.pem": must be an S3 URI s3://bucket/key'],
    ['an mTLS URI without a key', (s) => domain(s, { mtls: { truststoreUri: 's3://orders-truststore', truststoreVersion: '1' } }),
      'invalid domain.mtls.truststoreUri "s3://orders-truststore"'],
    ['an mTLS URI with an upper-case bucket', (s) => domain(s, { mtls: { truststoreUri: 's3://Orders/bundle.pem', truststoreVersion: '1' } }),
      'invalid domain.mtls.truststoreUri "s3://Orders/bundle.pem"'],
    ['an empty truststore version', (s) => domain(s, { mtls: { truststoreUri: 's3://orders-truststore/bundle.pem', truststoreVersion: '' } }),
      'invalid domain.mtls.truststoreVersion'],
    ['an unversioned truststore bucket', (s) => domain(s, {
      mtls: { truststoreUri: 's3://orders-truststore/bundle.pem', truststoreVersion: '1', truststoreBucket: new s3.Bucket(s, 'Trust', { bucketName: 'orders-truststore' }) },
    }), 'invalid domain.mtls.truststoreBucket "Test/Trust": must have versioning enabled'],
    ['a truststore bucket that is not the URI\'s', (s) => domain(s, {
      mtls: { truststoreUri: 's3://orders-truststore/bundle.pem', truststoreVersion: '1', truststoreBucket: s3.Bucket.fromBucketName(s, 'Trust', 'other-bucket') },
    }), 'invalid domain.mtls.truststoreBucket "other-bucket": must be the bucket of truststoreUri (orders-truststore)'],
    ['mTLS on an EDGE domain', (s) => ({
      endpointType: apigateway.EndpointType.EDGE,
      domain: { domainName: 'api.example.com', certificate: certificate(s, 'us-east-1'), mtls: { truststoreUri: 's3://orders-truststore/bundle.pem', truststoreVersion: '1' } },
    }), 'invalid domain.mtls "on an EDGE domain": needs a REGIONAL domain'],
    ['mTLS with an enhanced policy', (s) => domain(s, {
      securityPolicy: apigateway.SecurityPolicy.TLS13_1_3_2025_09,
      endpointAccessMode: apigateway.EndpointAccessMode.STRICT,
      mtls: { truststoreUri: 's3://orders-truststore/bundle.pem', truststoreVersion: '1' },
    }), 'cannot be combined with an enhanced SecurityPolicy_* policy'],
    ['a base path with a leading slash', (s) => domain(s, { basePath: '/orders' }), 'invalid domain.basePath "/orders"'],
    ['a base path with a space', (s) => domain(s, { basePath: 'my orders' }), 'invalid domain.basePath "my orders"'],
    ['a multi-level base path on an EDGE domain', (s) => ({
      endpointType: apigateway.EndpointType.EDGE, domain: { domainName: 'api.example.com', certificate: certificate(s, 'us-east-1'), basePath: 'v1/orders' },
    }), 'invalid domain.basePath "v1/orders": must be one segment on an EDGE domain'],
    ['a multi-level base path with an enhanced policy', (s) => domain(s, {
      basePath: 'v1/orders', securityPolicy: apigateway.SecurityPolicy.TLS13_1_2_PFS_PQ_2025_09, endpointAccessMode: apigateway.EndpointAccessMode.BASIC,
    }), 'must be one segment with security policy SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09: multi-level base paths need TLS_1_2'],
    ['a public domain on a PRIVATE API', (s) => ({ ...domain(s), endpointType: apigateway.EndpointType.PRIVATE }),
      'invalid domain "api.example.com": is a public custom domain, which a PRIVATE API cannot have'],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    const stack = envStack();
    expect(() => build(stack, props(stack))).toThrow(message);
  });

  test('a root mapping beside named ones is refused, in either order (aws-cdk#11095)', () => {
    // "Only one base path mapping is allowed if the base path is empty."
    const stack = envStack();
    const api = build(stack);
    const root = api.addDomainName('Root', { domainName: 'api.example.com', certificate: certificate(stack) });
    expect(() => root.addMapping(api.addStage('Dev', { stageName: 'dev' }).stage, { basePath: 'dev' }))
      .toThrow('Test/Api/Root: invalid domain.basePath "dev": must not mix a root mapping with named ones on one domain (the root is mapped)');
    const named = api.addDomainName('Named', { domainName: 'orders.example.com', certificate: certificate(stack, REGION, 'C2'), basePath: 'orders' });
    expect(() => named.addMapping(api.stage)).toThrow('invalid domain.basePath "": must not mix a root mapping with named ones on one domain (orders is mapped)');
    expect(() => named.addMapping(api.stage, { basePath: 'orders' })).toThrow('invalid domain.basePath "orders": must be unique on the domain');
  });

  test('unresolved tokens are skipped', () => {
    const stack = envStack();
    const name = new CfnParameter(stack, 'Name').valueAsString;
    const uri = new CfnParameter(stack, 'Uri').valueAsString;
    expect(() => build(stack, { domain: { domainName: name, certificate: certificate(stack), mtls: { truststoreUri: uri, truststoreVersion: '1' }, ownershipVerificationCertificate: certificate(stack, REGION, 'O') } }))
      .not.toThrow();
  });
});
