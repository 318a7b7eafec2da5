/**
 * The resource policies of `PrivateVpcApi`: the API's (deny-by-default, allowed VPC endpoints and VPCs) and its
 * private custom domain's. Internal.
 *
 * AWS rules they rely on, each tested in test/private-vpc-api/policy.test.ts:
 * - A PRIVATE REST API without a resource policy fails its first deployment ("Private REST API doesn't have a
 *   resource policy attached to it"): the policy is inline on the RestApi, so it exists before any Deployment
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-create.html).
 * - Calls through an interface endpoint carry `aws:SourceVpce` and `aws:SourceVpc`, and the caller's address in
 *   `aws:VpcSourceIp`; `aws:SourceIp` is absent for them, so an `aws:SourceIp` condition never matches
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip).
 * - An explicit Deny wins over every Allow; a negated operator (`StringNotEquals`) whose key is missing from the
 *   request matches (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 * - A REST API resource policy holds at most 8,192 characters (docs/limits.md).
 * - A DomainNameV2 is created with a deny-all policy: its `Policy` must allow the endpoints
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-custom-domains-tutorial.html).
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { ipVersionOf } from '../core/private/network';
import { checkCount, checkUnique, fail } from '../core/private/validation';

/** API Gateway's limit on a REST API resource policy, in characters (docs/limits.md). */
export const POLICY_LIMIT = 8192;
/** The length counted for an unresolved id in a policy (a `vpce-` id has 22 characters, a `vpc-` id 21). */
const UNRESOLVED_ID_LENGTH = 22;

const ENDPOINT_ID = /^vpce-[0-9a-f]{8,17}$/;
const ENDPOINT_ARN = /^arn:aws[a-z-]*:ec2:([a-z0-9-]+):(\d{12}):vpc-endpoint\/(vpce-[0-9a-f]{8,17})$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;

/** Who may call a private API. */
export interface PrivateAccess {
  /** Endpoint ids (tokens allowed): `aws:SourceVpce`. */
  readonly endpoints: string[];
  /** VPC ids: `aws:SourceVpc`. */
  readonly vpcs: string[];
  /** Caller CIDR ranges: `aws:VpcSourceIp`. */
  readonly vpcSourceIps: string[];
  /** Endpoint ids always denied. */
  readonly deniedEndpoints: string[];
  /** Accounts whose principals may call (IAM authorization); empty for any principal. */
  readonly accounts: string[];
}

/**
 * The endpoint id of an id or ARN; an ARN must be in the API's region (VPC endpoints are regional), when both
 * regions are known at synth time.
 */
export function endpointIdOf(scope: IConstruct, prop: string, value: string): string {
  if (Token.isUnresolved(value)) return value;
  if (ENDPOINT_ID.test(value)) return value;
  const arn = ENDPOINT_ARN.exec(value);
  if (!arn) fail(scope, prop, value, 'entries must be VPC endpoint ids (vpce-0123abcd...) or their ARNs (arn:aws:ec2:{region}:{account}:vpc-endpoint/vpce-...)');
  const region = Stack.of(scope).region;
  if (!Token.isUnresolved(region) && arn[1] !== region) {
    fail(scope, prop, value, `must be an endpoint in the API's region ${region}: a private API is reached only through endpoints of its region`);
  }
  return arn[3];
}

/** Checks VPC ids. */
export function checkVpcIds(scope: IConstruct, prop: string, values: string[]): void {
  for (const v of values) {
    if (!Token.isUnresolved(v) && !VPC_ID.test(v)) fail(scope, prop, v, 'entries must be VPC ids (vpc-0123abcd...)');
  }
}

/** Checks `aws:VpcSourceIp` ranges. */
export function checkVpcSourceIps(scope: IConstruct, prop: string, values: string[]): void {
  checkCount(scope, prop, values, { min: 1 });
  for (const c of values) {
    if (Token.isUnresolved(c)) continue;
    if (!ipVersionOf(c)) fail(scope, prop, c, 'entries must be IPv4 or IPv6 addresses or CIDR ranges');
    if (/\/0$/.test(c)) fail(scope, prop, c, 'must not be a /0 range (use no restriction instead)');
  }
}

const INVOKE = { actions: ['execute-api:Invoke'], resources: ['execute-api:/*'] };

/**
 * The API's resource policy: Allow `execute-api:Invoke` only through the allowed endpoints (or from the allowed
 * VPCs), one Deny for every other source, a Deny outside the allowed caller addresses and a Deny of blocked
 * endpoints. Never a bare Allow.
 */
export function privateApiStatements(scope: IConstruct, access: PrivateAccess): iam.PolicyStatement[] {
  checkCount(scope, 'allowed VPC endpoints', access.endpoints, { min: 1 });
  checkUnique(scope, 'allowedVpcEndpoints', access.endpoints);
  checkUnique(scope, 'allowedVpcs', access.vpcs);
  checkUnique(scope, 'deniedVpcEndpoints', access.deniedEndpoints);
  for (const denied of access.deniedEndpoints) {
    if (!Token.isUnresolved(denied) && access.endpoints.includes(denied)) {
      fail(scope, 'deniedVpcEndpoints', denied, 'must not also be an allowed endpoint (the created or given endpoint, allowedVpcEndpoints or privateDomain.accessEndpoints)');
    }
  }
  const principals = access.accounts.length ? access.accounts.map((a) => new iam.AccountPrincipal(a)) : [new iam.AnyPrincipal()];
  const statements = [
    new iam.PolicyStatement({ sid: 'AllowThroughAllowedEndpoints', principals, ...INVOKE, conditions: { StringEquals: { 'aws:SourceVpce': access.endpoints } } }),
  ];
  const outside: Record<string, string[]> = { 'aws:SourceVpce': access.endpoints };
  if (access.vpcs.length) {
    statements.push(new iam.PolicyStatement({ sid: 'AllowFromAllowedVpcs', principals, ...INVOKE, conditions: { StringEquals: { 'aws:SourceVpc': access.vpcs } } }));
    outside['aws:SourceVpc'] = access.vpcs;
  }
  const deny = (sid: string, conditions: Record<string, unknown>) =>
    new iam.PolicyStatement({ sid, effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], ...INVOKE, conditions });
  statements.push(deny('DenyOutsideAllowedSources', { StringNotEquals: outside }));
  if (access.vpcSourceIps.length) statements.push(deny('DenyOutsideAllowedVpcSourceIps', { NotIpAddress: { 'aws:VpcSourceIp': access.vpcSourceIps } }));
  if (access.deniedEndpoints.length) statements.push(deny('DenyBlockedEndpoints', { StringEquals: { 'aws:SourceVpce': access.deniedEndpoints } }));
  const size = policyLength(scope, new iam.PolicyDocument({ statements }));
  if (size > POLICY_LIMIT) fail(scope, 'resource policy', `${size} characters`, 'must render to at most 8,192 characters (API Gateway quota): allow VPCs (allowedVpcs) instead of many endpoints');
  return statements;
}

/** The private custom domain's policy: invoke only through the allowed endpoints (it is created deny-all). */
export function privateDomainPolicy(endpoints: string[]): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({ sid: 'AllowThroughAllowedEndpoints', principals: [new iam.AnyPrincipal()], ...INVOKE, conditions: { StringEquals: { 'aws:SourceVpce': endpoints } } }),
      new iam.PolicyStatement({
        sid: 'DenyOutsideAllowedEndpoints',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        ...INVOKE,
        conditions: { StringNotEquals: { 'aws:SourceVpce': endpoints } },
      }),
    ],
  });
}

/** The policy's length as API Gateway counts it (compact JSON), unresolved ids at a vpce id's length. */
export function policyLength(scope: IConstruct, document: iam.PolicyDocument): number {
  const resolved = Stack.of(scope).resolve(document.toJSON());
  return JSON.stringify(resolved, (_key, value) => (isIntrinsic(value) ? estimate(value) : value)).length;
}

/** An intrinsic as text of its longest likely length: joins joined, the partition at 10, other values as ids. */
function estimate(value: any): string {
  if (typeof value === 'string') return value;
  if (value?.['Fn::Join']) {
    const [separator, parts] = value['Fn::Join'] as [string, unknown[]];
    return parts.map(estimate).join(separator);
  }
  if (value?.Ref === 'AWS::Partition') return 'aws-us-gov';
  return 'x'.repeat(UNRESOLVED_ID_LENGTH);
}

/** Problems of the final policy (statements may be added after construction): `aws:SourceIp` conditions, size. */
export function policyProblems(scope: IConstruct, document: iam.PolicyDocument): string[] {
  const problems: string[] = [];
  const json = Stack.of(scope).resolve(document.toJSON());
  if (JSON.stringify(json).includes('"aws:SourceIp"')) {
    problems.push(`${scope.node.path}: invalid resource policy condition "aws:SourceIp": never matches a call through a VPC endpoint; use aws:VpcSourceIp (allowedVpcSourceIps)`);
  }
  const size = policyLength(scope, document);
  if (size > POLICY_LIMIT) problems.push(`${scope.node.path}: invalid resource policy "${size} characters": must render to at most 8,192 characters (API Gateway quota)`);
  return problems;
}

function isIntrinsic(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}
