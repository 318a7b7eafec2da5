/**
 * The options of a REST API's custom domain (`addDomainName`, the `domain` prop).
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { RestStage } from './rest-stage';
import { CustomDomainBaseOptions } from '../core/domain';

/**
 * A custom domain of a REST pattern: REGIONAL or EDGE, TLS 1.2 by default, alias records, base path mappings.
 * A `CustomDomainOptions` (the options the WebSocket pattern takes too) is a valid `RestDomainOptions`.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-custom-domains.html
 */
export interface RestDomainOptions extends CustomDomainBaseOptions {
  /**
   * An ACM certificate for the domain: in the API's region for a REGIONAL domain, in us-east-1 for an EDGE one
   * (checked when the regions are known).
   * @default - a certificate is created, validated through DNS in `hostedZone` (required then)
   */
  readonly certificate?: acm.ICertificate;
  /**
   * REGIONAL or EDGE. EDGE domains serve through CloudFront and need a us-east-1 certificate; multi-level base paths and
   * mutual TLS need REGIONAL.
   * @default - the API's endpoint type
   */
  readonly endpointType?: apigateway.EndpointType;
  /**
   * The stage of this API the domain maps at `basePath`.
   * @default - the API's default stage
   */
  readonly stage?: RestStage;
  /**
   * Turn off the API's default `execute-api` endpoint, so that callers go through the domain (with mutual TLS, the
   * default endpoint would bypass it).
   * @default true
   */
  readonly disableExecuteApiEndpoint?: boolean;
}

/**
 * A base path mapping of a domain to a stage.
 */
export interface RestDomainMappingOptions {
  /**
   * The base path: empty for the root, one segment, or several (`v1/orders`: REGIONAL domains with TLS 1.2 only).
   * A root mapping and named ones cannot share a domain.
   * @default - the root of the domain
   */
  readonly basePath?: string;
}
