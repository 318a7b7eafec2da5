/**
 * The properties of the REST patterns' shared base.
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RestDomainOptions } from './domain-options';
import { CorsSettings, ResourcePolicyOptions } from './gateway';
import { RouteShardingOptions } from './sharding';
import { ApiAuthorization } from '../core/authorization';
import { FirewallOptions } from '../core/firewall';
import { ObservabilityOptions } from '../core/observability-options';
import { StageSettings } from '../rest/stage-settings';

/**
 * Properties shared by the REST patterns.
 */
export interface RestApiPatternProps {
  /**
   * API name.
   * @default - a name derived from the construct path
   */
  readonly apiName?: string;
  /**
   * API description.
   * @default - none
   */
  readonly description?: string;
  /**
   * Stage settings: name, variables, throttling, cache, logging.
   * @default - stage `prod`, ERROR logging, 1,000 rps / 2,000 burst, no cache
   */
  readonly stage?: StageSettings;
  /**
   * Logs, alarms, dashboard and tracing.
   * @default - see `ObservabilityOptions`
   */
  readonly observability?: ObservabilityOptions;
  /**
   * CORS with an explicit origin list.
   * @default - no CORS
   */
  readonly cors?: CorsSettings;
  /**
   * A resource policy restricting callers by source address or account.
   * @default - no resource policy
   */
  readonly resourcePolicy?: ResourcePolicyOptions;
  /**
   * The WAF web ACL associated with the stage: managed rule groups, a rate-based rule, IP and geo lists, logging.
   * @default - the `FirewallOptions` defaults
   */
  readonly firewall?: FirewallOptions;
  /**
   * Associate a WAF web ACL with the stage. Switch it off only when another web ACL protects the API (for
   * example one managed by AWS Firewall Manager).
   * @default true
   */
  readonly firewallEnabled?: boolean;
  /**
   * Create the account-level CloudWatch Logs role of API Gateway (once per app and environment). Switch it off
   * when your account is already configured.
   * @default true
   */
  readonly accountLogging?: boolean;
  /**
   * Attach a backend client certificate to the stage, so backends can verify calls come from API Gateway.
   * @default true
   */
  readonly clientCertificate?: boolean;
  /**
   * VPC for the library's own Lambda functions (such as the JWT authorizer), in its private subnets with egress.
   * @default - no VPC; the "Lambda in VPC" findings are acknowledged on each function, with the reason
   */
  readonly lambdaVpc?: ec2.IVpc;
  /**
   * A custom domain mapped to the default stage (see `addDomainName` for more domains and mappings). The API's default
   * `execute-api` endpoint is then turned off, unless `domain.disableExecuteApiEndpoint` is false.
   * @default - no custom domain
   */
  readonly domain?: RestDomainOptions;
  /**
   * How routes are spread over nested stacks once the API outgrows its own stack. Sharding is automatic: the
   * first `routesInParent` routes stay in the API's stack, later ones go into nested stacks.
   * @default - the `RouteShardingOptions` defaults (100 routes in the API's stack, then 10 nested stacks)
   */
  readonly routeSharding?: RouteShardingOptions;
}

/**
 * What a REST pattern passes to the shared base.
 */
export interface RestApiPatternBaseProps extends RestApiPatternProps {
  /** Default authorization of every route. */
  readonly authorization: ApiAuthorization;
  /** REGIONAL, EDGE or PRIVATE. */
  readonly endpointType: apigateway.EndpointType;
  /**
   * A resource policy the pattern builds itself (PrivateVpcApi); takes precedence over `resourcePolicy`.
   * @default - rendered from `resourcePolicy`
   */
  readonly policy?: iam.PolicyDocument;
  /**
   * VPC endpoints of the API's endpoint configuration (PRIVATE APIs: `{apiId}-{vpceId}` invoke URLs resolve through
   * them).
   * @default - none
   */
  readonly vpcEndpoints?: ec2.IVpcEndpoint[];
}

