/**
 * Private integrations of `PrivateVpcApi`: routes whose backend lives inside a VPC, reached through a VPC link.
 *
 * - Network Load Balancer: a REST VPC link (`AWS::ApiGateway::VpcLink`) with exactly one target. `TargetArns` is
 *   "Update requires: Replacement" and takes one NLB ("More than one target arn specified for vpc link"), so there
 *   is one link per load balancer, its construct id derived from the load balancer's: another load balancer gets
 *   another link instead of an in-place change that CloudFormation cannot make.
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-vpclink.html,
 *   https://github.com/hashicorp/terraform-provider-aws/issues/2512)
 * - Application Load Balancer: a VPC link V2 (`AWS::ApiGatewayV2::VpcLink`, one per VPC and API) and an
 *   integration with `ConnectionType: VPC_LINK` and `IntegrationTarget` = the load balancer's ARN: "IntegrationTarget
 *   is required for VpcLinkV2" (https://github.com/hashicorp/terraform-provider-aws/issues/45230; the put-integration
 *   example of https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-private-integration.html).
 *   aws-cdk-lib 2.276 has no `AlbIntegration` (aws-cdk#36247 is not in it) and its `IntegrationOptions` no
 *   `integrationTarget`: the target is written on the method as a property override, and added to the deployment
 *   hash so a change redeploys the stage.
 * - An internet-facing load balancer is refused when its scheme is known at synth time: a private API's backend
 *   belongs inside the VPC (and ECS patterns create public NLBs by default, aws-cdk#33224).
 *
 * Internal: PrivateVpcApi's `networkLoadBalancerIntegration` / `applicationLoadBalancerIntegration` use it.
 */
import { Names, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { PrivateIntegrationOptions } from './private-vpc-api-props';
import { checkPattern, fail } from '../core/private/validation';
import { pathParameterNames } from '../rest/routes';

const URL = /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[^\s?#]*)?$/;

/** What a VPC-link integration needs to render a method's integration. */
interface VpcLinkIntegrationSpec {
  readonly vpcLink: apigateway.IVpcLink;
  readonly baseUrl: string;
  readonly options: PrivateIntegrationOptions;
  /** The load balancer ARN of a VPC link V2 integration. */
  readonly integrationTarget?: string;
}

/**
 * An HTTP(_PROXY) integration through a VPC link: the route's path is appended to the base URL and its path
 * parameters are mapped, so one integration serves every route of a backend.
 */
export class VpcLinkIntegration extends apigateway.Integration {
  constructor(private readonly spec: VpcLinkIntegrationSpec) {
    super({
      type: (spec.options.proxy ?? true) ? apigateway.IntegrationType.HTTP_PROXY : apigateway.IntegrationType.HTTP,
      // Each method's own (see bind); the L2 requires one here.
      integrationHttpMethod: spec.options.httpMethod ?? 'ANY',
      options: { ...spec.options.options, connectionType: apigateway.ConnectionType.VPC_LINK, vpcLink: spec.vpcLink },
    });
  }

  /** The load balancer ARN written as `Integration.IntegrationTarget` (VPC link V2 only). */
  public get integrationTarget(): string | undefined {
    return this.spec.integrationTarget;
  }

  public bind(method: apigateway.Method): apigateway.IntegrationConfig {
    const { spec } = this;
    const path = method.resource.path;
    const mapped = Object.fromEntries(pathParameterNames(path).map((n) => [`integration.request.path.${n}`, `method.request.path.${n}`]));
    const requestParameters = { ...mapped, ...spec.options.options?.requestParameters };
    const type = (spec.options.proxy ?? true) ? apigateway.IntegrationType.HTTP_PROXY : apigateway.IntegrationType.HTTP;
    const uri = `${spec.baseUrl.replace(/\/$/, '')}${path === '/' ? '/' : path}`;
    return {
      type,
      uri,
      integrationHttpMethod: spec.options.httpMethod ?? method.httpMethod,
      options: {
        ...spec.options.options,
        connectionType: apigateway.ConnectionType.VPC_LINK,
        vpcLink: spec.vpcLink,
        requestParameters: Object.keys(requestParameters).length ? requestParameters : undefined,
      },
      // The target is not an L2 integration option: without this, changing it would not redeploy the stage.
      deploymentToken: JSON.stringify({ integrationTarget: spec.integrationTarget, uri }),
    };
  }
}

/** The VPC links of one API and the integrations through them. */
export class PrivateIntegrations {
  private readonly restLinks = new Map<string, apigateway.VpcLink>();
  private readonly v2Links = new Map<string, { link: apigwv2.VpcLink; securityGroup: ec2.SecurityGroup; ref: apigateway.IVpcLink }>();

  constructor(private readonly scope: Construct, private readonly defaultVpc: ec2.IVpc) {}

  /** Every VPC link created so far (REST links for NLBs, then V2 links for ALBs). */
  public get vpcLinks(): Construct[] {
    return [...this.restLinks.values(), ...[...this.v2Links.values()].map((v) => v.link)];
  }

  /** An integration with an internal Network Load Balancer through a REST VPC link (one per load balancer). */
  public networkLoadBalancer(loadBalancer: elbv2.INetworkLoadBalancer, options: PrivateIntegrationOptions): apigateway.Integration {
    refuseInternetFacing(this.scope, 'networkLoadBalancerIntegration', loadBalancer);
    const baseUrl = checkedUrl(this.scope, options.url, loadBalancer.loadBalancerDnsName);
    const key = Names.nodeUniqueId(loadBalancer.node);
    let link = this.restLinks.get(key);
    if (!link) {
      link = new apigateway.VpcLink(this.scope, `VpcLink${key}`, {
        targets: [loadBalancer],
        description: `VPC link of ${this.scope.node.path} to ${loadBalancer.node.path}`,
      });
      this.restLinks.set(key, link);
    }
    return new VpcLinkIntegration({ vpcLink: link, baseUrl, options });
  }

  /**
   * An integration with an internal Application Load Balancer through a VPC link V2 (one per VPC), whose security
   * group may reach only that load balancer on the URL's port; the load balancer admits the link on that port.
   */
  public applicationLoadBalancer(loadBalancer: elbv2.IApplicationLoadBalancer, options: PrivateIntegrationOptions): apigateway.Integration {
    refuseInternetFacing(this.scope, 'applicationLoadBalancerIntegration', loadBalancer);
    const baseUrl = checkedUrl(this.scope, options.url, loadBalancer.loadBalancerDnsName);
    const vpc = loadBalancer.vpc ?? this.defaultVpc;
    const key = Names.nodeUniqueId(vpc.node);
    let entry = this.v2Links.get(key);
    if (!entry) {
      const securityGroup = new ec2.SecurityGroup(this.scope, `VpcLinkV2SecurityGroup${key}`, {
        vpc,
        allowAllOutbound: false,
        description: `VPC link V2 of ${this.scope.node.path}: reaches only its Application Load Balancers`,
      });
      const link = new apigwv2.VpcLink(this.scope, `VpcLinkV2${key}`, {
        vpc,
        subnets: options.vpcLinkSubnets ?? { subnets: vpc.selectSubnets().subnets },
        securityGroups: [securityGroup],
      });
      // The REST integration names the V2 link by id, as a REST VPC link reference.
      const ref = apigateway.VpcLink.fromVpcLinkId(this.scope, `VpcLinkV2Ref${key}`, link.vpcLinkId);
      entry = { link, securityGroup, ref };
      this.v2Links.set(key, entry);
    }
    const port = portOf(baseUrl);
    entry.securityGroup.connections.allowTo(loadBalancer, ec2.Port.tcp(port), `API Gateway VPC link V2 to ${loadBalancer.node.path} on ${port}`);
    return new VpcLinkIntegration({ vpcLink: entry.ref, baseUrl, options, integrationTarget: loadBalancer.loadBalancerArn });
  }
}

/** The base URL: the given one (checked) or `http://{DNS name}`. */
function checkedUrl(scope: Construct, url: string | undefined, dnsName: string): string {
  if (url === undefined) return `http://${dnsName}`;
  checkPattern(scope, 'privateIntegration.url', url, URL, 'must be an http(s) URL with a host name, optional port and path, no query');
  return url;
}

/** The TCP port a base URL names (its explicit port, else 443 for https and 80 for http). */
export function portOf(url: string): number {
  if (Token.isUnresolved(url)) return 80;
  const match = /^(https?):\/\/(?:\$\{Token\[[^\]]+\]\}|[^/:]+)(?::(\d+))?/.exec(url);
  if (match?.[2]) return Number(match[2]);
  return match?.[1] === 'https' ? 443 : 80;
}

/** Refuses a load balancer whose scheme is known to be internet-facing. */
function refuseInternetFacing(scope: Construct, prop: string, loadBalancer: elbv2.ILoadBalancerV2): void {
  const cfn = loadBalancer.node.defaultChild as elbv2.CfnLoadBalancer | undefined;
  const scheme = cfn instanceof elbv2.CfnLoadBalancer ? cfn.scheme : undefined;
  if (scheme === undefined || Token.isUnresolved(scheme)) return;
  if (scheme !== 'internal') {
    fail(scope, prop, `${loadBalancer.node.path} (${scheme})`, 'must be an internal load balancer: a private API\'s backend stays inside the VPC');
  }
}
