/**
 * A VPC for trying `PrivateVpcApi` out: isolated subnets in two Availability Zones (no internet route, no NAT
 * cost), DNS support and host names on (private DNS and private hosted zones need both), flow logs of all
 * traffic to a KMS-encrypted log group kept 365 days, and the default security group closed (no rule), so the
 * compliance packs find nothing to report on it.
 *
 * Closing the default security group is done by aws-cdk-lib's own custom resource
 * (`restrictDefaultSecurityGroup`, https://github.com/aws/aws-cdk/pull/25297), which is what cdk-nag's
 * VPCDefaultSecurityGroupClosed looks for; its singleton provider function is acknowledged in
 * `acknowledgeRestrictDefaultSgProvider`.
 */
import { Aws, CfnResource, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../core/private/acknowledgements';
import { createEncryptionKey } from '../core/private/encryption';
import { ManagedPolicyRole } from '../core/private/functions';
import { ipVersionOf } from '../core/private/network';
import { checkRange, fail } from '../core/private/validation';

/**
 * Options of `PrivateVpcApi.quickStartVpc`.
 */
export interface QuickStartVpcOptions {
  /**
   * Number of Availability Zones (an isolated subnet in each).
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * The VPC's IPv4 range.
   * @default 10.0.0.0/16
   */
  readonly cidr?: string;
  /**
   * How long flow logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/** Creates the quick-start VPC. */
export function createQuickStartVpc(scope: Construct, id: string, options: QuickStartVpcOptions = {}): ec2.Vpc {
  checkRange(scope, 'quickStartVpc.maxAzs', options.maxAzs, { min: 1, max: 6, integer: true });
  if (options.cidr !== undefined && !Token.isUnresolved(options.cidr) && (ipVersionOf(options.cidr) !== 'IPV4' || !/\/(1[6-9]|2[0-4])$/.test(options.cidr))) {
    fail(scope, 'quickStartVpc.cidr', options.cidr, 'must be an IPv4 CIDR block from /16 to /24 (VPC limits)');
  }
  const vpc = new ec2.Vpc(scope, id, {
    ipAddresses: ec2.IpAddresses.cidr(options.cidr ?? '10.0.0.0/16'),
    maxAzs: options.maxAzs ?? 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    enableDnsHostnames: true,
    enableDnsSupport: true,
    restrictDefaultSecurityGroup: true,
  });
  const key = createEncryptionKey(vpc, 'FlowLogKey', { description: `Flow logs of ${vpc.node.path}`, allowCloudWatchLogs: true });
  const logGroup = new logs.LogGroup(vpc, 'FlowLogGroup', {
    encryptionKey: key,
    retention: options.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // Flow logs may write only to this group, for this account (confused-deputy guard), through a managed policy.
  const role = new ManagedPolicyRole(vpc, 'FlowLogRole', {
    assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com').withConditions({ StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } }),
    description: `Flow logs of ${vpc.node.path} to their log group`,
  });
  vpc.addFlowLog('FlowLog', {
    destination: ec2.FlowLogDestination.toCloudWatchLogs(logGroup, role),
    trafficType: ec2.FlowLogTrafficType.ALL,
    maxAggregationInterval: ec2.FlowLogMaxAggregationInterval.ONE_MINUTE,
  });
  acknowledgeRestrictDefaultSgProvider(vpc);
  return vpc;
}

/**
 * aws-cdk-lib's provider that removes the default security group's rules is a function outside any VPC (Control
 * Tower CT.LAMBDA.PR.3): acknowledged on it, the one finding it raises.
 */
function acknowledgeRestrictDefaultSgProvider(vpc: ec2.Vpc): void {
  const provider = Stack.of(vpc).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
  const handler = provider?.node.tryFindChild('Handler');
  if (!(handler instanceof CfnResource)) return;
  acknowledge(handler, {
    id: 'CT.LAMBDA.PR.3',
    reason: 'aws-cdk-lib\'s custom resource that closes the VPC\'s default security group runs only during deployment, calls only the EC2 API to revoke that group\'s rules, and holds no data; inside the VPC it would need an EC2 endpoint or NAT',
  });
}
