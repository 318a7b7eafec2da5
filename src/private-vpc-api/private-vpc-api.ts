import { Aws } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { configureEndpoint } from './endpoint';
import { checkVpcIds, checkVpcSourceIps, endpointIdOf, policyProblems, privateApiStatements } from './policy';
import { PrivateDomain } from './private-domain';
import { PrivateIntegrations, VpcLinkIntegration } from './private-integrations';
import { PrivateIntegrationOptions, PrivateVpcApiProps } from './private-vpc-api-props';
import { QuickStartVpcOptions, createQuickStartVpc } from './quick-start-vpc';
import { ApiAuthorization } from '../core/authorization';
import { checkCount, checkOneOf, checkUnique, fail } from '../core/private/validation';
import { renderResourcePolicy } from '../rest/gateway';
import { RestApiPattern } from '../rest/rest-api-pattern';
import { RouteEntry } from '../rest/routes';

/**
 * A PRIVATE REST API reachable only through `execute-api` interface VPC endpoints: the endpoint is created in
 * your VPC (HTTPS from the VPC only, private DNS off unless asked) or given, the API lists the allowed endpoints
 * in `EndpointConfiguration.VpcEndpointIds`, and its inline resource policy denies every call that does not come
 * through them (or from the allowed VPCs). Routes, authorization (IAM by default), validation, caching, stages,
 * WAF and observability are the REST base's. Private integrations reach internal load balancers through VPC links;
 * a private custom domain maps the default stage.
 *
 * @example
 * const api = new PrivateVpcApi(this, 'Inventory', { vpc });
 * api.addRoute('GET', '/items', api.networkLoadBalancerIntegration(nlb));
 */
export class PrivateVpcApi extends RestApiPattern {
  /**
   * A VPC to start with: isolated subnets in two Availability Zones, DNS support and host names, flow logs to a
   * KMS-encrypted log group kept a year, and its default security group closed.
   */
  public static quickStartVpc(scope: Construct, id: string, options: QuickStartVpcOptions = {}): ec2.Vpc {
    return createQuickStartVpc(scope, id, options);
  }

  /** The VPC the endpoint is in. */
  public readonly vpc: ec2.IVpc;
  /** The `execute-api` interface endpoint (created, or the given `vpcEndpoint`). */
  public readonly vpcEndpoint: ec2.IInterfaceVpcEndpoint;
  /** The created endpoint's security group (undefined for a given endpoint). */
  public readonly endpointSecurityGroup?: ec2.ISecurityGroup;
  /** Every VPC endpoint id allowed to invoke the API (listed in `VpcEndpointIds` and in the policy). */
  public readonly allowedVpcEndpointIds: string[];
  /** The API's resource policy (inline on the RestApi). Add statements with `api.api.addToResourcePolicy`. */
  public readonly resourcePolicy: iam.PolicyDocument;
  /**
   * The endpoint-specific URL of the default stage, `https://{apiId}-{vpceId}.execute-api.{region}.{urlSuffix}/{stage}/`,
   * which resolves without private DNS.
   * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-test-invoke-url.html
   */
  public readonly vpceInvokeUrl: string;
  /** The private custom domain, if `privateDomain` was given. */
  public readonly privateDomain?: PrivateDomain;

  private readonly integrations: PrivateIntegrations;

  constructor(scope: Construct, id: string, props: PrivateVpcApiProps) {
    const endpointType = props.endpointType ?? apigateway.EndpointType.PRIVATE;
    const resourcePolicy = new iam.PolicyDocument();
    const authorization = props.authorization ?? ApiAuthorization.iam();
    super(scope, id, { ...props, authorization, endpointType, policy: resourcePolicy, vpcEndpoints: undefined });
    checkOneOf(this, 'endpointType', endpointType, [apigateway.EndpointType.PRIVATE]);
    this.vpc = props.vpc;
    this.resourcePolicy = resourcePolicy;
    refuseSourceIpRestrictions(this, props);

    const { endpoint, securityGroup } = configureEndpoint(this, {
      vpc: props.vpc,
      vpcEndpoint: props.vpcEndpoint,
      subnets: props.endpointSubnets,
      peers: props.endpointPeers,
      privateDns: props.privateDns ?? false,
      needsHostnames: props.privateDomain?.hostedZone !== undefined,
    });
    this.vpcEndpoint = endpoint;
    this.endpointSecurityGroup = securityGroup;

    const ids = (prop: string, values: string[] | undefined) => {
      checkCount(this, prop, values, { min: 1 });
      const result = (values ?? []).map((v) => endpointIdOf(this, prop, v));
      checkUnique(this, prop, result);
      return result;
    };
    const accessEndpoints = ids('privateDomain.accessEndpoints', props.privateDomain?.accessEndpoints);
    this.allowedVpcEndpointIds = unique([endpoint.vpcEndpointId, ...ids('allowedVpcEndpoints', props.allowedVpcEndpoints), ...accessEndpoints]);
    checkCount(this, 'allowedVpcs', props.allowedVpcs, { min: 1 });
    checkVpcIds(this, 'allowedVpcs', props.allowedVpcs ?? []);
    if (props.allowedVpcSourceIps) checkVpcSourceIps(this, 'allowedVpcSourceIps', props.allowedVpcSourceIps);
    const accounts = props.resourcePolicy?.allowedAccounts ?? [];
    resourcePolicy.addStatements(...privateApiStatements(this, {
      endpoints: this.allowedVpcEndpointIds,
      vpcs: props.allowedVpcs ?? [],
      vpcSourceIps: props.allowedVpcSourceIps ?? [],
      deniedEndpoints: ids('deniedVpcEndpoints', props.deniedVpcEndpoints),
      accounts,
    }));
    // Statements added later (api.api.addToResourcePolicy) are checked once the app is complete.
    this.node.addValidation({ validate: () => policyProblems(this, resourcePolicy) });

    // The endpoints exist only now: the RestApi lists them (EndpointConfiguration.VpcEndpointIds is valid only
    // with Types [PRIVATE]); the Deployment's logical id hashes the RestApi's properties, so a change redeploys.
    const cfnApi = this.api.node.defaultChild as apigateway.CfnRestApi;
    cfnApi.endpointConfiguration = {
      types: [apigateway.EndpointType.PRIVATE],
      // Private APIs support only dualstack (IPv4-only is refused).
      ipAddressType: 'dualstack',
      vpcEndpointIds: this.allowedVpcEndpointIds,
    };
    this.vpceInvokeUrl = `https://${this.api.restApiId}-${endpoint.vpcEndpointId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${this.stage.stageName}/`;

    if (props.privateDomain) {
      this.privateDomain = new PrivateDomain(this, 'Domain', {
        ...props.privateDomain,
        api: this.api,
        stage: this.stage,
        allowedEndpoints: this.allowedVpcEndpointIds,
        associatedEndpoints: unique([endpoint.vpcEndpointId, ...accessEndpoints]),
        recordTarget: endpoint instanceof ec2.InterfaceVpcEndpoint ? endpoint : undefined,
      });
    }
    this.integrations = new PrivateIntegrations(this, props.vpc);
  }

  /**
   * An integration with an internal Network Load Balancer through a REST VPC link (one link per load balancer,
   * created on first use). Pass it to `addRoute`; the route's path is appended to `options.url`.
   */
  public networkLoadBalancerIntegration(loadBalancer: elbv2.INetworkLoadBalancer, options: PrivateIntegrationOptions = {}): apigateway.Integration {
    return this.integrations.networkLoadBalancer(loadBalancer, options);
  }

  /**
   * An integration with an internal Application Load Balancer through a VPC link V2 (one per VPC, created on first
   * use, with a security group that reaches only the load balancers it serves). Pass it to `addRoute`.
   */
  public applicationLoadBalancerIntegration(
    loadBalancer: elbv2.IApplicationLoadBalancer, options: PrivateIntegrationOptions = {},
  ): apigateway.Integration {
    return this.integrations.applicationLoadBalancer(loadBalancer, options);
  }

  /** The VPC links created for private integrations. */
  public get vpcLinks(): Construct[] {
    return this.integrations.vpcLinks;
  }

  /** @internal A VPC link V2 integration names its load balancer on the method (not an L2 integration option). */
  protected _onRouteAdded(route: RouteEntry): void {
    if (route.integration instanceof VpcLinkIntegration && route.integration.integrationTarget) {
      const cfnMethod = route.cfnMethod.node.defaultChild as apigateway.CfnMethod;
      cfnMethod.addPropertyOverride('Integration.IntegrationTarget', route.integration.integrationTarget);
    }
  }
}

/**
 * `aws:SourceIp` never matches a call through a VPC endpoint: the base's source-address options are refused (after
 * the base's own checks of their entries, so a malformed entry gets the same message on every REST pattern).
 */
function refuseSourceIpRestrictions(scope: Construct, props: PrivateVpcApiProps): void {
  renderResourcePolicy(scope, props.resourcePolicy);
  for (const prop of ['allowedSourceCidrs', 'deniedSourceCidrs'] as const) {
    const value = props.resourcePolicy?.[prop];
    if (value !== undefined) {
      fail(scope, `resourcePolicy.${prop}`, value, 'is an aws:SourceIp condition, which never matches a call through a VPC endpoint: use allowedVpcSourceIps (aws:VpcSourceIp)');
    }
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
