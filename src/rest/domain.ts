/**
 * A custom domain of REST APIs: the `AWS::ApiGateway::DomainName` (REGIONAL or EDGE, TLS 1.2 by default, optional
 * mutual TLS), its certificate, alias A and AAAA records, and base path mappings to stages of one or several APIs.
 *
 * - EDGE domains serve through CloudFront: their certificate must be in us-east-1 and their alias target is the
 *   distribution (`DistributionDomainName`/`DistributionHostedZoneId`, not the regional ones: "RegionalHostedZoneId does
 *   not exist", aws/chalice#1728).
 * - Mapping logical ids derive from the domain and the base path, not from the API, so renaming or replacing a mapped
 *   API updates the mapping in place instead of creating a second mapping at the same key first (aws-cdk#22416).
 * - A root mapping and named ones cannot share a domain ("Only one base path mapping is allowed if the base path is
 *   empty", aws-cdk#11095); multi-level base paths (`v1/orders`) exist only as `AWS::ApiGatewayV2::ApiMapping`, for
 *   REGIONAL domains with TLS 1.2 (aws-cdk#14822).
 * - Every mapping depends on its stage ("Invalid stage identifier specified" otherwise, aws-cdk#8983).
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-custom-domains.html
 */
import { createHash } from 'node:crypto';
import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { RestDomainMappingOptions, RestDomainOptions } from './domain-options';
import {
  isEnhancedSecurityPolicy, validateBasePath, validateDomainName, validateMutualTls, validateSecurityPolicy,
} from '../core/domain';
import { checkOneOf, fail, warn } from '../core/private/validation';

/** The region EDGE certificates must be in (CloudFront). */
const EDGE_CERTIFICATE_REGION = 'us-east-1';

/**
 * A custom domain name of REST APIs. Create it with `api.addDomainName()` (or the `domain` prop), which maps the API's
 * stage; map more APIs or stages with `addMapping()`.
 */
export class RestDomain extends Construct {
  /** The domain name. Escape hatch: `domain.node.defaultChild` is the `CfnDomainName`. */
  public readonly domain: apigateway.DomainName;
  /** The certificate, given or created. */
  public readonly certificate: acm.ICertificate;
  /** The alias records (A and AAAA), when a hosted zone is given. */
  public readonly records: route53.RecordSet[] = [];
  /** REGIONAL or EDGE. */
  public readonly endpointType: apigateway.EndpointType;
  /** The security policy. */
  public readonly securityPolicy: apigateway.SecurityPolicy;

  private readonly mappings = new Map<string, CfnResource>();
  private readonly name: string;

  constructor(scope: Construct, id: string, props: RestDomainOptions) {
    super(scope, id);
    validateDomainName(this, 'domain.domainName', props.domainName);
    this.name = props.domainName;
    this.endpointType = props.endpointType ?? apigateway.EndpointType.REGIONAL;
    checkOneOf(this, 'domain.endpointType', this.endpointType, [apigateway.EndpointType.REGIONAL, apigateway.EndpointType.EDGE]);
    this.securityPolicy = props.securityPolicy ?? apigateway.SecurityPolicy.TLS_1_2;
    validateSecurityPolicy(this, 'domain', { ...props, securityPolicy: this.securityPolicy });
    this.checkPolicyEndpointType();
    this.certificate = this.certificateOf(props);
    if (props.mtls) this.checkMutualTls(props);

    this.domain = new apigateway.DomainName(this, 'Resource', {
      domainName: props.domainName,
      certificate: this.certificate,
      endpointType: this.endpointType,
      securityPolicy: this.securityPolicy,
      endpointAccessMode: props.endpointAccessMode,
    });
    const cfn = this.domain.node.defaultChild as apigateway.CfnDomainName;
    // Dual stack, so that the AAAA record resolves (the default IP address type of public domains is IPv4).
    cfn.endpointConfiguration = { types: [this.endpointType], ipAddressType: 'dualstack' };
    if (props.mtls) cfn.mutualTlsAuthentication = { truststoreUri: props.mtls.truststoreUri, truststoreVersion: props.mtls.truststoreVersion };
    if (props.ownershipVerificationCertificate) cfn.ownershipVerificationCertificateArn = props.ownershipVerificationCertificate.certificateArn;
    pinLogicalId(cfn, 'Domain', this.name);

    if (props.hostedZone) {
      const target = route53.RecordTarget.fromAlias(new targets.ApiGatewayDomain(this.domain));
      this.records.push(
        new route53.ARecord(this, 'AliasA', { zone: props.hostedZone, recordName: props.domainName, target }),
        new route53.AaaaRecord(this, 'AliasAAAA', { zone: props.hostedZone, recordName: props.domainName, target }),
      );
      this.records.forEach((r, i) => pinLogicalId(r.node.defaultChild as CfnResource, i === 0 ? 'DomainAliasA' : 'DomainAliasAAAA', this.name));
    }
  }

  /** The domain name, as a token the domain's resource resolves. */
  public get domainName(): string {
    return this.domain.domainName;
  }

  /**
   * Maps a stage (of this or another REST API) at a base path of the domain, after the stage exists.
   * Returns the `AWS::ApiGateway::BasePathMapping` (root or one segment) or `AWS::ApiGatewayV2::ApiMapping` (several).
   */
  public addMapping(stage: apigateway.IStage, options: RestDomainMappingOptions = {}): CfnResource {
    const basePath = options.basePath ?? '';
    validateBasePath(this, 'domain.basePath', basePath);
    if (this.mappings.has(basePath)) fail(this, 'domain.basePath', basePath, 'must be unique on the domain: another mapping uses it');
    const named = [...this.mappings.keys()].filter((p) => p !== '');
    if ((basePath === '' && named.length > 0) || (basePath !== '' && this.mappings.has(''))) {
      fail(this, 'domain.basePath', basePath === '' ? '' : basePath,
        `must not mix a root mapping with named ones on one domain (${basePath === '' ? named.join(', ') : 'the root'} is mapped): ` +
        'API Gateway allows only one mapping when the base path is empty (aws-cdk#11095)');
    }
    const multiLevel = basePath.includes('/');
    if (multiLevel && this.endpointType !== apigateway.EndpointType.REGIONAL) {
      fail(this, 'domain.basePath', basePath, 'must be one segment on an EDGE domain: multi-level base paths need a REGIONAL domain');
    }
    if (multiLevel && this.securityPolicy !== apigateway.SecurityPolicy.TLS_1_2) {
      fail(this, 'domain.basePath', basePath, `must be one segment with security policy ${this.securityPolicy}: multi-level base paths need TLS_1_2`);
    }
    const id = basePath === '' ? 'RootMapping' : `Mapping${basePath.replace(/[^A-Za-z0-9]/g, '')}${createHash('sha256').update(basePath).digest('hex').slice(0, 8)}`;
    const [domainName, apiId, stageName] = [this.domain.domainName, stage.restApi.restApiId, stage.stageName];
    const mapping: CfnResource = multiLevel
      ? new apigatewayv2.CfnApiMapping(this, id, { domainName, apiId, stage: stageName, apiMappingKey: basePath })
      : new apigateway.CfnBasePathMapping(this, id, { domainName, restApiId: apiId, stage: stageName, basePath: basePath || undefined });
    mapping.node.addDependency(stage);
    pinLogicalId(mapping, 'DomainMapping', this.name, basePath);
    this.mappings.set(basePath, mapping);
    return mapping;
  }

  /** The base paths mapped so far (`''` for the root). */
  public get basePaths(): string[] {
    return [...this.mappings.keys()];
  }

  /** Enhanced `_EDGE` policies are for EDGE domains, the other enhanced ones for REGIONAL domains. */
  private checkPolicyEndpointType(): void {
    const policy = this.securityPolicy;
    if (!isEnhancedSecurityPolicy(policy)) return;
    const edgePolicy = policy.endsWith('_EDGE');
    const edge = this.endpointType === apigateway.EndpointType.EDGE;
    if (edgePolicy !== edge) {
      fail(this, 'domain.securityPolicy', policy, edge ? 'must be one of the *_EDGE policies on an EDGE domain' : 'must not be an *_EDGE policy on a REGIONAL domain');
    }
  }

  /** The given certificate (region checked when known), or one created with DNS validation. */
  private certificateOf(props: RestDomainOptions): acm.ICertificate {
    const wanted = this.endpointType === apigateway.EndpointType.EDGE ? EDGE_CERTIFICATE_REGION : Stack.of(this).region;
    const why = this.endpointType === apigateway.EndpointType.EDGE ? 'EDGE domains use CloudFront, which reads certificates in us-east-1' : 'a REGIONAL domain needs a certificate of its own region';
    if (props.certificate) {
      const region = certificateRegion(props.certificate);
      if (region && !Token.isUnresolved(wanted) && region !== wanted) fail(this, 'domain.certificate', `a certificate in ${region}`, `must be in ${wanted}: ${why}`);
      return props.certificate;
    }
    if (!props.hostedZone) fail(this, 'domain.certificate', undefined, 'must be given when there is no hostedZone to validate a new certificate in');
    const here = Stack.of(this).region;
    if (this.endpointType === apigateway.EndpointType.EDGE) {
      if (!Token.isUnresolved(here) && here !== EDGE_CERTIFICATE_REGION) {
        fail(this, 'domain.certificate', undefined, `must be given for an EDGE domain in ${here}: create it in a us-east-1 stack (crossRegionReferences) and pass it`);
      }
      if (Token.isUnresolved(here)) {
        warn(this, 'EdgeCertificateRegion', 'the certificate of this EDGE domain is created in the stack\'s region, unknown at synth time: deploy the stack to us-east-1, or pass a us-east-1 certificate');
      }
    }
    return new acm.Certificate(this, 'Certificate', { domainName: props.domainName, validation: acm.CertificateValidation.fromDns(props.hostedZone) });
  }

  /** Mutual TLS: REGIONAL, a legacy TLS 1.2 policy, and an ownership certificate for imported or private-CA ones. */
  private checkMutualTls(props: RestDomainOptions): void {
    validateMutualTls(this, 'domain', props.mtls!);
    if (this.endpointType !== apigateway.EndpointType.REGIONAL) fail(this, 'domain.mtls', 'on an EDGE domain', 'needs a REGIONAL domain: API Gateway offers mutual TLS on regional custom domains only');
    if (isEnhancedSecurityPolicy(this.securityPolicy)) fail(this, 'domain.mtls', `with ${this.securityPolicy}`, 'cannot be combined with an enhanced SecurityPolicy_* policy: use TLS_1_2');
    if (props.ownershipVerificationCertificate) return;
    if (this.certificate instanceof acm.PrivateCertificate) {
      fail(this, 'domain.ownershipVerificationCertificate', undefined, 'must be given for mutual TLS with a private-CA certificate: API Gateway verifies ownership of the domain with a public ACM certificate');
    }
    if (!(this.certificate instanceof acm.Certificate)) {
      warn(this, 'MtlsOwnershipVerification',
        'mutual TLS with a certificate not issued here: if it was imported into ACM or issued by a private CA, API Gateway needs ownershipVerificationCertificate (a public ACM certificate for the domain)');
    }
  }
}

/**
 * Gives a domain's resource a logical id derived from the domain name (and the base path) instead of the construct path,
 * so renaming or moving the API, or the construct, updates it in place: a new logical id would create a second domain,
 * record or mapping with the same name or key before deleting the first, which API Gateway and Route 53 refuse
 * (aws-cdk#22416). Kept as is when the domain name is a token.
 */
function pinLogicalId(resource: CfnResource, kind: string, domainName: string, basePath?: string): void {
  if (Token.isUnresolved(domainName)) return;
  const key = basePath === undefined ? domainName : `${domainName}/${basePath}`;
  const readable = key.replace(/[^A-Za-z0-9]/g, '').slice(0, 120);
  resource.overrideLogicalId(`${kind}${readable}${createHash('sha256').update(key).digest('hex').slice(0, 8)}`);
}

/** The region of a certificate: from a literal ARN, or the stack of a certificate created in the app. */
function certificateRegion(certificate: acm.ICertificate): string | undefined {
  const arn = certificate.certificateArn;
  if (!Token.isUnresolved(arn)) return /^arn:[^:]+:acm:([^:]+):/.exec(arn)?.[1];
  if (certificate instanceof acm.Certificate || certificate instanceof acm.PrivateCertificate) {
    const region = Stack.of(certificate).region;
    return Token.isUnresolved(region) ? undefined : region;
  }
  return undefined;
}
