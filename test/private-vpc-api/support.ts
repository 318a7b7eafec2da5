/**
 * Test support for PrivateVpcApi: a builder, and an evaluator of the resource policies API Gateway applies to a
 * call through a VPC endpoint (principal `*` or accounts, `execute-api:Invoke`, and the four condition operators the
 * construct writes). It throws on anything else, so a test never passes on an element it silently ignored.
 *
 * Semantics, with their AWS sources:
 * - Explicit Deny wins, then any Allow, else implicit deny
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 * - In a condition block, operators are ANDed, keys within an operator are ANDed, and the values of one key are
 *   ORed; a negated operator (`StringNotEquals`, `NotIpAddress`) ANDs its negations. When the key is missing from
 *   the request, a positive operator does not match and a negated one matches
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html,
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 * - A call through an interface endpoint carries `aws:SourceVpce`, `aws:SourceVpc` and `aws:VpcSourceIp`, never
 *   `aws:SourceIp` (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
 * - API Gateway reads `execute-api:/*` as every method of every stage of the API; method resources are
 *   `execute-api:/{stage}/{METHOD}/{path}` (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html).
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { PrivateVpcApi, PrivateVpcApiProps } from '../../src';
import { wildcardMatch } from '../support/iam-policy';

/** The request context of one call. */
export interface CallContext {
  /** `execute-api:/{stage}/{METHOD}/{path}`. */
  readonly resource: string;
  readonly sourceVpce?: string;
  readonly sourceVpc?: string;
  readonly vpcSourceIp?: string;
  readonly sourceIp?: string;
  /** The caller's account (IAM-signed calls); anonymous otherwise. */
  readonly account?: string;
}

export type Decision = 'Allow' | 'Deny' | 'ImplicitDeny';

const KEYS: Record<string, keyof CallContext> = {
  'aws:sourcevpce': 'sourceVpce',
  'aws:sourcevpc': 'sourceVpc',
  'aws:vpcsourceip': 'vpcSourceIp',
  'aws:sourceip': 'sourceIp',
};

/** A call through endpoint `vpce` in VPC `vpc`, from address `ip`. */
export function throughEndpoint(vpce: string, vpc: string = 'vpc-0aaaaaaaaaaaaaaaa', resource: string = 'execute-api:/prod/GET/orders', ip: string = '10.0.1.25'): CallContext {
  return { resource, sourceVpce: vpce, sourceVpc: vpc, vpcSourceIp: ip };
}

/** Evaluates a resource policy (as in the template, intrinsics already substituted) for one call. */
export function evaluate(policy: any, call: CallContext): Decision {
  const statements: any[] = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  let allowed = false;
  for (const s of statements) {
    const extra = Object.keys(s).filter((k) => !['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Condition'].includes(k));
    if (extra.length) throw new Error(`unsupported statement elements ${extra.join(', ')}`);
    if (!principalMatches(s.Principal, call) || !listOf(s.Action).some((a) => wildcardMatch(a, 'execute-api:Invoke', true))) continue;
    if (!listOf(s.Resource).some((r) => wildcardMatch(r, call.resource))) continue;
    if (!conditionsMatch(s.Condition ?? {}, call)) continue;
    if (s.Effect === 'Deny') return 'Deny';
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

function listOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v) => typeof v === 'string')) throw new Error(`unresolved policy value ${JSON.stringify(value)}: substitute it first`);
  return list as string[];
}

function principalMatches(principal: any, call: CallContext): boolean {
  if (principal === '*' || principal?.AWS === '*') return true;
  const arns = listOf(principal?.AWS);
  return call.account !== undefined && arns.some((arn) => arn === `arn:aws:iam::${call.account}:root`);
}

function conditionsMatch(condition: Record<string, Record<string, unknown>>, call: CallContext): boolean {
  return Object.entries(condition).every(([operator, keys]) => Object.entries(keys).every(([key, values]) => {
    const field = KEYS[key.toLowerCase()];
    if (!field) throw new Error(`unsupported condition key ${key}`);
    const actual = call[field] as string | undefined;
    const list = listOf(values);
    switch (operator) {
      case 'StringEquals': return actual !== undefined && list.includes(actual);
      case 'StringNotEquals': return actual === undefined || !list.includes(actual);
      case 'IpAddress': return actual !== undefined && list.some((c) => inCidr(actual, c));
      case 'NotIpAddress': return actual === undefined || !list.some((c) => inCidr(actual, c));
      default: throw new Error(`unsupported condition operator ${operator}`);
    }
  }));
}

/** IPv4 CIDR membership: the first `bits` bits of both addresses agree. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits = '32'] = cidr.split('/');
  const toNumber = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const block = 2 ** (32 - Number(bits));
  return Math.floor(toNumber(ip) / block) === Math.floor(toNumber(base) / block);
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws', 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '123456789012', 'AWS::URLSuffix': 'amazonaws.com',
};

/** Replaces `{Ref: logicalId}` by the physical ids given (pseudo parameters by test values) and joins `Fn::Join`s. */
export function substitute(value: any, ids: Record<string, string>): any {
  if (Array.isArray(value)) return value.map((v) => substitute(v, ids));
  if (value && typeof value === 'object') {
    if (typeof value.Ref === 'string' && Object.keys(value).length === 1) {
      const id = ids[value.Ref] ?? PSEUDO[value.Ref];
      if (id === undefined) throw new Error(`no physical id for ${value.Ref}`);
      return id;
    }
    if (value['Fn::Join'] && Object.keys(value).length === 1) {
      const [separator, parts] = value['Fn::Join'];
      return substitute(parts, ids).join(separator);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, ids)]));
  }
  return value;
}

/** The one resource of a type in a template, with its logical id. */
export function only(template: Template, type: string): { id: string; resource: any } {
  const found = Object.entries(template.findResources(type));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return { id: found[0][0], resource: found[0][1] };
}

/** The API's policy with the created endpoint's `Ref` replaced by `vpceId`. */
export function apiPolicy(template: Template, vpceId: string = 'vpce-0a1a1a1a1a1a1a1a1'): any {
  const endpoint = Object.keys(template.findResources('AWS::EC2::VPCEndpoint'));
  const ids = Object.fromEntries(endpoint.map((id) => [id, vpceId]));
  return substitute(only(template, 'AWS::ApiGateway::RestApi').resource.Properties.Policy, ids);
}

/** An imported VPC with literal attributes (DNS settings unknown, as for any imported VPC). */
export function importedVpc(stack: Stack, id: string = 'Vpc', vpcId: string = 'vpc-0aaaaaaaaaaaaaaaa'): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, id, {
    vpcId,
    vpcCidrBlock: '10.0.0.0/16',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
  });
}

/** A PrivateVpcApi at `Test/{id}` in a quick-start VPC (unless `vpc` is given), with one route unless told not to. */
export function privateApi(stack: Stack, props: Partial<PrivateVpcApiProps> = {}, route: boolean = true, id: string = 'Api'): PrivateVpcApi {
  const vpc = props.vpc ?? PrivateVpcApi.quickStartVpc(stack, id === 'Api' ? 'Vpc' : `${id}Vpc`);
  const api = new PrivateVpcApi(stack, id, { ...props, vpc });
  if (route) api.addRoute('GET', '/orders', new apigateway.MockIntegration());
  return api;
}
