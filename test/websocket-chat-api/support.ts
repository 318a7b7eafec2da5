/** Helpers for the WebSocketChatApi tests: a chat in a new stack, and readers of its template. */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApiAuthorization, WebSocketChatApi, WebSocketChatApiProps } from '../../src';
import { newStack } from '../support/fixtures';

export const JWT = () => ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['chat'] });

export interface Built {
  readonly stack: Stack;
  readonly chat: WebSocketChatApi;
  readonly template: Template;
  readonly json: { Resources: Record<string, any> };
}

/** A chat with `props` (JWT on $connect unless given) in a new stack. */
export function build(props: Partial<WebSocketChatApiProps> = {}, stack: Stack = newStack()): Built {
  const chat = new WebSocketChatApi(stack, 'Chat', { authorization: JWT(), ...props });
  const template = Template.fromStack(stack);
  return { stack, chat, template, json: template.toJSON() as Built['json'] };
}

/** [logicalId, resource] of every resource of `type`. */
export function resources(json: Built['json'], type: string): Array<[string, any]> {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

/** The logical id of the one resource of `type` whose id is `prefix` and the 8-character hash CDK appends. */
export function logicalId(json: Built['json'], type: string, prefix: string): string {
  const ids = resources(json, type).map(([id]) => id).filter((id) => id.length === prefix.length + 8 && id.startsWith(prefix) && /^[0-9A-F]{8}$/.test(id.slice(prefix.length)));
  if (ids.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${ids.join(', ') || 'none'}`);
  return ids[0];
}

/** Logical ids `id` refers to (Ref, Fn::GetAtt) or depends on (DependsOn). */
function edges(json: Built['json'], id: string): string[] {
  const out = new Set<string>();
  const walk = (v: any) => {
    if (Array.isArray(v)) {v.forEach(walk);} else if (v && typeof v === 'object') {
      if (typeof v.Ref === 'string' && v.Ref in json.Resources) out.add(v.Ref);
      if (Array.isArray(v['Fn::GetAtt']) && v['Fn::GetAtt'][0] in json.Resources) out.add(v['Fn::GetAtt'][0]);
      Object.values(v).forEach(walk);
    }
  };
  const r = json.Resources[id];
  walk(r.Properties);
  for (const d of [r.DependsOn ?? []].flat()) out.add(d);
  return [...out];
}

/** True when CloudFormation creates `before` before `after` (a dependency path, explicit or by reference). */
export function createdBefore(json: Built['json'], before: string, after: string): boolean {
  const seen = new Set<string>();
  const stack = [after];
  while (stack.length > 0) {
    const id = stack.pop()!;
    for (const next of edges(json, id)) {
      if (next === before) return true;
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return false;
}

/** A template value with every intrinsic replaced by a placeholder, for parsers that take strings. */
export function placeholders(value: any): any {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && ('Ref' in value || 'Fn::GetAtt' in value)) return 'resolved-value';
  if (value && typeof value === 'object' && 'Fn::Join' in value) {
    const [sep, parts] = value['Fn::Join'];
    return parts.map((p: any) => (typeof p === 'string' ? p : p.Ref === 'AWS::URLSuffix' ? 'amazonaws.com' : p.Ref === 'AWS::Region' ? 'eu-west-1' : 'abc123defg')).join(sep);
  }
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, placeholders(v)]));
  return value;
}

/** The environment variables of the function whose logical id starts with `prefix`, intrinsics as placeholders. */
export function environmentOf(json: Built['json'], prefix: string): Record<string, string> {
  const id = logicalId(json, 'AWS::Lambda::Function', prefix);
  const env = placeholders(json.Resources[id].Properties.Environment?.Variables ?? {});
  // A queue's Ref is its URL.
  if (env.QUEUE_URL === 'resolved-value') env.QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/resolved-value';
  return env;
}

/** The statements of the managed policies attached to the role whose logical id starts with `rolePrefix`. */
export function roleStatements(json: Built['json'], rolePrefix: string): any[] {
  const role = json.Resources[logicalId(json, 'AWS::IAM::Role', rolePrefix)];
  const attached = new Set((role.Properties.ManagedPolicyArns ?? []).map((a: any) => a.Ref));
  return resources(json, 'AWS::IAM::ManagedPolicy')
    .filter(([id]) => attached.has(id))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

/** action -> resources (rendered as JSON) of a role's Allow statements, for the given service prefixes. */
export function grantedActions(json: Built['json'], rolePrefix: string, services: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of roleStatements(json, rolePrefix)) {
    if (s.Effect !== 'Allow') continue;
    for (const action of [s.Action].flat() as string[]) {
      if (!services.some((svc) => action.startsWith(`${svc}:`))) continue;
      (out[action] ??= []).push(...[s.Resource].flat().map((r: unknown) => JSON.stringify(r)));
    }
  }
  return out;
}
