/**
 * The properties of `PrivateVpcApi`, its private custom domain and its private integrations.
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { ApiAuthorization } from '../core/authorization';
import { RestApiPatternProps } from '../rest/rest-api-pattern-props';

/**
 * Properties of `PrivateVpcApi`.
 */
export interface PrivateVpcApiProps extends RestApiPatternProps {
  /**
   * The VPC whose workloads call the API: the `execute-api` interface endpoint is created in it (unless
   * `vpcEndpoint` is given). Use `PrivateVpcApi.quickStartVpc()` for a new VPC with flow logs.
   */
  readonly vpc: ec2.IVpc;
  /**
   * Default authorization of every route (a route may override it).
   * @default ApiAuthorization.iam()
   */
  readonly authorization?: ApiAuthorization;
  /**
   * Only `PRIVATE` is accepted (for a public API use `SecuredRestApi`).
   * @default apigateway.EndpointType.PRIVATE
   */
  readonly endpointType?: apigateway.EndpointType;
  /**
   * An existing `execute-api` interface endpoint to use instead of creating one (for example one shared by a
   * networking account: `ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes`).
   * @default - an endpoint is created in `vpc`
   */
  readonly vpcEndpoint?: ec2.IInterfaceVpcEndpoint;
  /**
   * Subnets of the created endpoint's network interfaces.
   * @default - the VPC's private subnets, one per Availability Zone
   */
  readonly endpointSubnets?: ec2.SubnetSelection;
  /**
   * Who may open HTTPS connections to the created endpoint (its security group admits TCP 443 from these only).
   * @default - the VPC's primary IPv4 CIDR block
   */
  readonly endpointPeers?: ec2.IPeer[];
  /**
   * Turn on private DNS on the created endpoint, so `https://{apiId}.execute-api.{region}.amazonaws.com` resolves
   * to it inside the VPC. Then EVERY call from the VPC to any `execute-api` host name goes to the endpoint: public
   * (REGIONAL and EDGE) APIs become unreachable from the VPC, and only one such endpoint can exist per VPC. Raises
   * the warning `cdk-apigateway-patterns:PrivateDnsOnEndpoint`.
   * @default false - call the endpoint-specific URL `vpceInvokeUrl` or the private custom domain
   * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-apis.html
   */
  readonly privateDns?: boolean;
  /**
   * Further VPC endpoints whose callers may invoke the API (for example endpoints of consumer accounts), as ids
   * (`vpce-0123...`) or ARNs (`arn:aws:ec2:{region}:{account}:vpc-endpoint/vpce-0123...`, same region as the API).
   * They are listed in the API's `EndpointConfiguration.VpcEndpointIds` and in its resource policy.
   * @default - only the created (or given) endpoint
   */
  readonly allowedVpcEndpoints?: string[];
  /**
   * VPC endpoints that are always denied, even when their VPC is in `allowedVpcs`.
   * @default - none
   */
  readonly deniedVpcEndpoints?: string[];
  /**
   * VPCs (`vpc-0123...`) from which callers may invoke the API through any of their endpoints
   * (`aws:SourceVpc`), in addition to the allowed endpoints.
   * @default - none: only the allowed endpoints
   */
  readonly allowedVpcs?: string[];
  /**
   * Caller addresses (IPv4 or IPv6 CIDR ranges inside the VPCs) that may invoke the API, checked on
   * `aws:VpcSourceIp` (`aws:SourceIp` never matches a call through a VPC endpoint).
   * @default - any address inside the allowed endpoints' VPCs
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-vpcsourceip
   */
  readonly allowedVpcSourceIps?: string[];
  /**
   * A private custom domain (`AWS::ApiGateway::DomainNameV2`) mapped to the default stage.
   * @default - no custom domain
   */
  readonly privateDomain?: PrivateDomainOptions;
}

/**
 * A custom domain name for a private API, reachable only through the allowed VPC endpoints.
 */
export interface PrivateDomainOptions {
  /** The domain name, e.g. `orders.internal.example.com`. */
  readonly domainName: string;
  /** An ACM certificate covering `domainName`, in the API's region. */
  readonly certificate: acm.ICertificate;
  /**
   * A private hosted zone of the VPC in which an alias record for `domainName` is created, pointing at the
   * endpoint created by the construct.
   * @default - no DNS record (create it yourself)
   */
  readonly hostedZone?: route53.IHostedZone;
  /**
   * The base path under which the default stage is mapped.
   * @default - the root of the domain
   */
  readonly basePath?: string;
  /**
   * Further VPC endpoints of THIS account to associate with the domain (one domain name access association each);
   * they are added to the allowed endpoints. Consumers in other accounts create their association themselves after
   * the domain is shared with AWS RAM (see the README).
   * @default - only the created (or given) endpoint
   */
  readonly accessEndpoints?: string[];
}

/**
 * How a private integration calls its backend through a VPC link.
 */
export interface PrivateIntegrationOptions {
  /**
   * The URL API Gateway calls: its host name is sent as `Host` (and checked against the backend's TLS
   * certificate for https), its path is the backend path. Path parameters `{x}` are filled from
   * `integration.request.path.x`.
   * @default - `http://{load balancer DNS name}` plus the route's path
   */
  readonly url?: string;
  /**
   * HTTP method of the call to the backend.
   * @default - the route's method (ANY for ANY routes)
   */
  readonly httpMethod?: string;
  /**
   * Pass requests and responses through unchanged (HTTP_PROXY), or use mapping templates (HTTP).
   * @default true
   */
  readonly proxy?: boolean;
  /**
   * Further integration options (timeout, request parameters, templates...). The connection type and VPC link
   * are set by the construct.
   * @default - none
   */
  readonly options?: apigateway.IntegrationOptions;
  /**
   * Subnets of the VPC link V2 (Application Load Balancers only).
   * @default - the load balancer VPC's private subnets
   */
  readonly vpcLinkSubnets?: ec2.SubnetSelection;
}
