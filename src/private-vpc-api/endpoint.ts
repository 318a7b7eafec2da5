/**
 * The `execute-api` interface VPC endpoint of `PrivateVpcApi`: created in the user's VPC (or given), with a
 * security group admitting HTTPS only from the VPC's CIDR or the given peers, and private DNS off unless asked.
 * Internal.
 *
 * AWS rules it relies on (tests in test/private-vpc-api/endpoint.test.ts):
 * - With private DNS on an execute-api endpoint, every `*.execute-api.{region}.amazonaws.com` name resolves to the
 *   endpoint inside the VPC, so public APIs are unreachable from it; only one endpoint per service and VPC can have
 *   private DNS (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-apis.html,
 *   "If you turn on private DNS, you can't access the default endpoint for public APIs"); a second one is refused at
 *   synth time when the app has both.
 * - Private DNS and private hosted zones need the VPC's `enableDnsSupport` and `enableDnsHostnames`
 *   (https://docs.aws.amazon.com/vpc/latest/privatelink/manage-dns-names.html); without DNS support nothing in
 *   the VPC resolves through the Amazon-provided resolver.
 * - Interface endpoints accept traffic only as their security groups allow; HTTPS is TCP 443
 *   (https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html).
 */
import { Aws, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from '../core/private/acknowledgements';
import { fail, warn } from '../core/private/validation';

/** What the endpoint is built from. */
export interface EndpointSpec {
  readonly vpc: ec2.IVpc;
  readonly vpcEndpoint?: ec2.IInterfaceVpcEndpoint;
  readonly subnets?: ec2.SubnetSelection;
  readonly peers?: ec2.IPeer[];
  readonly privateDns: boolean;
  /** Whether a private hosted zone record (private custom domain) is asked for. */
  readonly needsHostnames: boolean;
}

/** The endpoint and, when created, its security group. */
export interface PrivateEndpoint {
  readonly endpoint: ec2.IInterfaceVpcEndpoint;
  readonly securityGroup?: ec2.ISecurityGroup;
}

/** Creates (or adopts) the endpoint. */
export function configureEndpoint(scope: Construct, spec: EndpointSpec): PrivateEndpoint {
  checkVpcDns(scope, spec);
  if (spec.vpcEndpoint) {
    for (const prop of ['endpointSubnets', 'endpointPeers', 'privateDns'] as const) {
      const given = { endpointSubnets: spec.subnets, endpointPeers: spec.peers, privateDns: spec.privateDns || undefined }[prop];
      if (given !== undefined) fail(scope, prop, given, 'applies only to the endpoint the construct creates, not to a given vpcEndpoint');
    }
    return { endpoint: spec.vpcEndpoint };
  }
  if (spec.peers !== undefined && spec.peers.length === 0) fail(scope, 'endpointPeers', '0 item(s)', 'must have at least 1 item(s): an endpoint nobody may reach serves no caller');
  const securityGroup = new ec2.SecurityGroup(scope, 'EndpointSecurityGroup', {
    vpc: spec.vpc,
    allowAllOutbound: false,
    description: `execute-api endpoint of ${scope.node.path}: HTTPS in only`,
  });
  if (spec.peers) {
    for (const peer of spec.peers) securityGroup.addIngressRule(peer, ec2.Port.tcp(443), `HTTPS to the execute-api endpoint from ${peer.uniqueId}`);
  } else {
    securityGroup.addIngressRule(ec2.Peer.ipv4(vpcCidrOf(spec.vpc)), ec2.Port.tcp(443), 'HTTPS to the execute-api endpoint from the VPC CIDR');
  }
  acknowledgeUnresolvedIngress(securityGroup);
  const endpoint = new ec2.InterfaceVpcEndpoint(scope, 'Endpoint', {
    vpc: spec.vpc,
    service: ec2.InterfaceVpcEndpointAwsService.APIGATEWAY,
    privateDnsEnabled: spec.privateDns,
    subnets: spec.subnets,
    securityGroups: [securityGroup],
    open: false,
  });
  // The endpoint lets its callers reach this account's APIs (and private domains) in this region only.
  endpoint.addToPolicy(new iam.PolicyStatement({
    sid: 'InvokeThisAccountsApis',
    principals: [new iam.AnyPrincipal()],
    actions: ['execute-api:Invoke'],
    resources: [`arn:${Aws.PARTITION}:execute-api:${Aws.REGION}:${Aws.ACCOUNT_ID}:*`],
  }));
  if (spec.privateDns) {
    warn(endpoint, 'PrivateDnsOnEndpoint',
      'privateDns: true makes every execute-api host name resolve to this endpoint inside the VPC: calls from the VPC to PUBLIC ' +
      '(REGIONAL or EDGE) API Gateway APIs then fail with 403, and no other execute-api endpoint in this VPC can have private DNS. ' +
      'Leave it off and call vpceInvokeUrl or a private custom domain instead');
    endpoint.node.addValidation({ validate: () => privateDnsConflicts(scope, endpoint) });
  }
  return { endpoint, securityGroup };
}

/**
 * Only one execute-api endpoint per VPC can have private DNS: creating the next one fails with "private-dns-enabled
 * cannot be set because there is already a conflicting DNS domain for *.execute-api.{region}.amazonaws.com in the VPC"
 * (https://github.com/fortinet/fortigate-autoscale-aws/issues/43). Checked over the whole app once it is complete.
 */
function privateDnsConflicts(scope: Construct, endpoint: ec2.InterfaceVpcEndpoint): string[] {
  const own = endpoint.node.defaultChild as ec2.CfnVPCEndpoint;
  const isExecuteApi = (c: ec2.CfnVPCEndpoint) => /\.execute-api"/.test(JSON.stringify(Stack.of(c).resolve(c.serviceName)));
  const others = scope.node.root.node.findAll()
    .filter((c): c is ec2.CfnVPCEndpoint => c instanceof ec2.CfnVPCEndpoint && c !== own)
    .filter((c) => c.vpcId === own.vpcId && c.privateDnsEnabled === true && isExecuteApi(c));
  return others.map((other) => `${scope.node.path}: invalid privateDns true: ${other.node.path} is an execute-api endpoint with private DNS ` +
    'in the same VPC, and a VPC can have only one: pass that endpoint as vpcEndpoint, or leave privateDns off');
}

/** The VPC's primary CIDR: the literal one a new `ec2.Vpc` was configured with, else its (imported) attribute. */
function vpcCidrOf(vpc: ec2.IVpc): string {
  const cfn = vpc.node.defaultChild;
  if (cfn instanceof ec2.CfnVPC && cfn.cidrBlock !== undefined && !Token.isUnresolved(cfn.cidrBlock)) return cfn.cidrBlock;
  return vpc.vpcCidrBlock;
}

/** The ingress rules' checks that cannot read a CIDR given as a CloudFormation attribute. */
const UNRESOLVED_INGRESS_RULES = [
  'AwsSolutions-EC23',
  ...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].flatMap((pack) => [`${pack}-EC2RestrictedCommonPorts`, `${pack}-EC2RestrictedSSH`]),
];

/**
 * cdk-nag's ingress rules fail ("Rule threw an error") on a CIDR they cannot resolve at synth time, such as an
 * imported VPC's `CidrBlock` attribute: acknowledged only then, on the endpoint's group, whose rules are TCP 443 only.
 */
function acknowledgeUnresolvedIngress(securityGroup: ec2.SecurityGroup): void {
  const cfn = securityGroup.node.defaultChild as ec2.CfnSecurityGroup;
  const ingress = Stack.of(securityGroup).resolve(cfn.securityGroupIngress) as Array<{ cidrIp?: unknown; cidrIpv6?: unknown }> | undefined;
  if (!(ingress ?? []).some((r) => typeof (r.cidrIp ?? r.cidrIpv6 ?? '') !== 'string')) return;
  for (const id of UNRESOLVED_INGRESS_RULES) {
    acknowledge(cfn, { id, reason: 'the execute-api endpoint group admits only TCP 443, from the VPC\'s own CIDR block (a CloudFormation attribute the rule cannot read at synth time)' });
  }
}

/** A VPC known at synth time to lack DNS support (or hostnames, when private DNS or a hosted zone needs them). */
function checkVpcDns(scope: Construct, spec: EndpointSpec): void {
  if (!(spec.vpc instanceof ec2.Vpc)) return;
  const vpc = spec.vpc;
  if (!Token.isUnresolved(vpc.dnsSupportEnabled) && vpc.dnsSupportEnabled === false) {
    fail(scope, 'vpc', `${vpc.node.path} (enableDnsSupport: false)`, 'must have DNS support: callers resolve the endpoint and API host names through the VPC resolver');
  }
  if ((spec.privateDns || spec.needsHostnames) && !Token.isUnresolved(vpc.dnsHostnamesEnabled) && vpc.dnsHostnamesEnabled === false) {
    fail(scope, 'vpc', `${vpc.node.path} (enableDnsHostnames: false)`, 'must have DNS host names for private DNS and private hosted zones');
  }
}
