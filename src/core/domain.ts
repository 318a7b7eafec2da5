/**
 * Custom-domain options shared by the REST and WebSocket patterns, and the checks every kind of API applies to them.
 */
import { Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { checkLength, checkPattern, fail, warn } from './private/validation';

/**
 * Mutual TLS on a custom domain: clients must present a certificate issued by a CA of the truststore.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html
 */
export interface MutualTlsOptions {
  /** The truststore (a PEM bundle of CA certificates) in S3, as `s3://bucket/key`. */
  readonly truststoreUri: string;
  /**
   * The S3 object version of the truststore. API Gateway reads the truststore when the domain is created or
   * updated, not when the object changes: pinning the version (of a versioned bucket) makes a new truststore a new
   * property value, which CloudFormation applies.
   */
  readonly truststoreVersion: string;
  /**
   * The truststore's bucket, when it is managed in this app: its versioning is checked.
   * @default - not checked
   */
  readonly truststoreBucket?: s3.IBucket;
}

/**
 * What every custom domain of the library is configured with, whatever the kind of API, apart from the certificate.
 */
export interface CustomDomainBaseOptions {
  /** The domain name, e.g. `api.example.com` (lower-case DNS name). */
  readonly domainName: string;
  /**
   * The Route 53 hosted zone of the domain: alias A and AAAA records are created in it (and the DNS validation
   * records of a certificate the library creates).
   * @default - no DNS records: point the name at the domain yourself
   */
  readonly hostedZone?: route53.IHostedZone;
  /**
   * The TLS security policy. `TLS_1_0` is refused; the enhanced `SecurityPolicy_*` policies need `endpointAccessMode`,
   * cannot be combined with mutual TLS, and fail Control Tower CT.APIGATEWAY.PR.6, which accepts `TLS_1_2` only
   * (warning `cdk-apigateway-patterns:SecurityPolicyNotTls12`).
   * @default apigateway.SecurityPolicy.TLS_1_2
   * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-custom-domain-tls-version.html
   */
  readonly securityPolicy?: apigateway.SecurityPolicy;
  /**
   * The endpoint access mode, required with (and only with) the enhanced `SecurityPolicy_*` policies. `STRICT` is
   * recommended for production.
   * @default - none (legacy policies)
   * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies.html#apigateway-security-policies-endpoint-access-mode
   */
  readonly endpointAccessMode?: apigateway.EndpointAccessMode;
  /**
   * Mutual TLS with a truststore in a versioned S3 bucket (REGIONAL domains only).
   * @default - no mutual TLS
   */
  readonly mtls?: MutualTlsOptions;
  /**
   * The certificate API Gateway uses to verify that you own the domain, required for mutual TLS with an imported or a
   * private-CA certificate.
   * @default - none
   */
  readonly ownershipVerificationCertificate?: acm.ICertificate;
  /**
   * The base path the API is mapped at: empty for the root, one segment (`orders`), or several (`v1/orders`, through an
   * API mapping: REGIONAL domains with TLS 1.2 only).
   * @default - the root of the domain
   */
  readonly basePath?: string;
}

/**
 * A custom domain name for an API, with its certificate (shared by the REST and WebSocket patterns).
 */
export interface CustomDomainOptions extends CustomDomainBaseOptions {
  /** An ACM certificate for it (in the API's region; us-east-1 for EDGE REST domains). */
  readonly certificate: acm.ICertificate;
}

/** A lower-case DNS name of labels of 1-63 characters, at most 253 in all (RFC 1035). */
const DNS_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** `s3://bucket/key`, with an S3 bucket name (3-63 lower-case letters, digits, `.` and `-`). */
const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;

/** A base path: one or more segments of the characters API Gateway allows, separated by `/`. */
const BASE_PATH = /^[A-Za-z0-9$\-_.+!*'()]+(\/[A-Za-z0-9$\-_.+!*'()]+)*$/;

/** Checks a custom domain name. */
export function validateDomainName(scope: IConstruct, prop: string, domainName: string): void {
  checkPattern(scope, prop, domainName, DNS_NAME, 'must be a lower-case DNS name such as api.example.com');
}

/** True for the enhanced (`SecurityPolicy_*`) policies. */
export function isEnhancedSecurityPolicy(policy: string | undefined): boolean {
  return policy !== undefined && !Token.isUnresolved(policy) && policy.startsWith('SecurityPolicy_');
}

/**
 * Checks the security policy and its endpoint access mode: `TLS_1_0` refused, enhanced policies only with an access
 * mode (API Gateway: "Endpoint access mode is required for the specified security policy"), an access mode only with
 * them, and a warning for every policy Control Tower CT.APIGATEWAY.PR.6 flags (anything but `TLS_1_2`).
 */
export function validateSecurityPolicy(scope: IConstruct, prefix: string, options: CustomDomainBaseOptions): void {
  const policy = options.securityPolicy;
  if (policy === undefined || Token.isUnresolved(policy)) return;
  if (policy === apigateway.SecurityPolicy.TLS_1_0) fail(scope, `${prefix}.securityPolicy`, policy, 'must not be TLS_1_0: use TLS_1_2 (the default) or an enhanced SecurityPolicy_* policy');
  const enhanced = isEnhancedSecurityPolicy(policy);
  if (enhanced && options.endpointAccessMode === undefined) {
    fail(scope, `${prefix}.securityPolicy`, policy, 'needs endpointAccessMode (STRICT or BASIC): enhanced SecurityPolicy_* policies require one');
  }
  if (!enhanced && options.endpointAccessMode !== undefined) {
    fail(scope, `${prefix}.endpointAccessMode`, options.endpointAccessMode, 'applies only to the enhanced SecurityPolicy_* policies');
  }
  if (policy !== apigateway.SecurityPolicy.TLS_1_2) {
    warn(scope, 'SecurityPolicyNotTls12', `${prefix}.securityPolicy ${policy}: AWS Control Tower CT.APIGATEWAY.PR.6 accepts only TLS_1_2 and flags this domain`);
  }
}

/** Checks mutual TLS options: an `s3://bucket/key` URI, a version, a versioned bucket when it is known. */
export function validateMutualTls(scope: IConstruct, prefix: string, mtls: MutualTlsOptions): void {
  checkPattern(scope, `${prefix}.mtls.truststoreUri`, mtls.truststoreUri, S3_URI, 'must be an S3 URI s3://bucket/key');
  checkLength(scope, `${prefix}.mtls.truststoreVersion`, mtls.truststoreVersion, { min: 1, max: 1024 });
  const bucket = mtls.truststoreBucket;
  if (!bucket) return;
  const uriBucket = Token.isUnresolved(mtls.truststoreUri) ? undefined : S3_URI.exec(mtls.truststoreUri)?.[1];
  if (uriBucket && !Token.isUnresolved(bucket.bucketName) && bucket.bucketName !== uriBucket) {
    fail(scope, `${prefix}.mtls.truststoreBucket`, bucket.bucketName, `must be the bucket of truststoreUri (${uriBucket})`);
  }
  const cfnBucket = bucket.node.defaultChild;
  if (cfnBucket instanceof s3.CfnBucket) {
    const versioning = cfnBucket.versioningConfiguration as s3.CfnBucket.VersioningConfigurationProperty | undefined;
    if (versioning?.status !== 'Enabled') {
      fail(scope, `${prefix}.mtls.truststoreBucket`, bucket.node.path, 'must have versioning enabled (versioned: true), so the truststore version can be pinned');
    }
  }
}

/** Checks a base path: segments of letters, digits and `$-_.+!*'()`, separated by `/`. */
export function validateBasePath(scope: IConstruct, prop: string, basePath: string | undefined): void {
  if (basePath === undefined || basePath === '') return;
  checkPattern(scope, prop, basePath, BASE_PATH, 'must be segments of letters, digits or $-_.+!*\'() separated by "/", without a leading or trailing "/"');
}

/**
 * Checks a WebSocket API's custom domain, whose options are the REST ones minus what API Gateway offers only there:
 * - the security policy is TLS_1_2: API Gateway enforces it on every WebSocket endpoint, and a v2 domain has no
 *   endpoint access mode (https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-ciphers.html);
 * - no mutual TLS, which API Gateway offers on REST and HTTP API domains only
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html), so neither an ownership
 *   verification certificate;
 * - the base path (the API mapping key) is one segment: multi-level mappings are for REST APIs
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html).
 * Options that would be silently ignored fail the synth instead.
 */
export function validateWebSocketDomain(scope: IConstruct, options: CustomDomainBaseOptions): void {
  validateDomainName(scope, 'domain.domainName', options.domainName);
  const policy = options.securityPolicy;
  if (policy !== undefined && !Token.isUnresolved(policy) && policy !== apigateway.SecurityPolicy.TLS_1_2) {
    fail(scope, 'domain.securityPolicy', policy, 'must be TLS_1_2: API Gateway enforces TLS_1_2 on WebSocket APIs');
  }
  if (options.endpointAccessMode !== undefined) {
    fail(scope, 'domain.endpointAccessMode', options.endpointAccessMode, 'applies only to REST domains with an enhanced SecurityPolicy_* policy');
  }
  if (options.mtls) fail(scope, 'domain.mtls', 'on a WebSocket domain', 'is not available: API Gateway offers mutual TLS on REST and HTTP API domains only');
  if (options.ownershipVerificationCertificate) {
    fail(scope, 'domain.ownershipVerificationCertificate', 'on a WebSocket domain', 'applies only to mutual TLS, which WebSocket domains do not have');
  }
  validateBasePath(scope, 'domain.basePath', options.basePath);
  if (options.basePath?.includes('/') && !Token.isUnresolved(options.basePath)) {
    fail(scope, 'domain.basePath', options.basePath, 'must be one segment: multi-level API mappings are for REST APIs');
  }
}

/**
 * The alias A record of a v2 (WebSocket) domain in its hosted zone, targeting the domain's regional name. The record
 * name is the literal domain name: Route 53 constructs append the zone's name to a token (`<Ref>.example.com.`).
 */
export function webSocketDomainAlias(scope: Construct, zone: route53.IHostedZone, domainName: string, domain: apigwv2.IDomainName): route53.ARecord {
  return new route53.ARecord(scope, 'DomainAlias', {
    zone,
    recordName: domainName,
    target: route53.RecordTarget.fromAlias(new targets.ApiGatewayv2DomainProperties(domain.regionalDomainName, domain.regionalHostedZoneId)),
  });
}
