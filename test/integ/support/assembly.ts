/**
 * Reading an integration test's synthesized assembly the way its assertion provider will at deploy time: each
 * probe invocation's FunctionName and Payload, resolved with stand-in values for what only CloudFormation knows,
 * then decoded as @aws-cdk/integ-tests-alpha decodes custom-resource parameters (lambda-handler/utils.js
 * `decodeParameters`: every parameter value is JSON-parsed) and as Lambda hands a payload to a handler (JSON).
 */

type Template = { Resources?: Record<string, any>; Outputs?: Record<string, any> };

/** Stand-ins: a resource's Ref is `R<logicalId>`, a GetAtt `G<logicalId><attribute>`, pseudo parameters literal. */
const PSEUDO: Record<string, string> = {
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '111111111111',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'IntegStack',
};

/** Resolves the intrinsics a test's parameters use; anything else fails, so a new kind is noticed. */
export function resolveValue(value: unknown, templates: Record<string, Template>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, templates));
  if (!value || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const v = value as Record<string, any>;
  if (keys.length === 1 && keys[0] === 'Ref') return PSEUDO[v.Ref] ?? `R${v.Ref}`;
  if (keys.length === 1 && keys[0] === 'Fn::GetAtt') return `G${v['Fn::GetAtt'][0]}${String(v['Fn::GetAtt'][1]).replace(/\W/g, '')}`;
  if (keys.length === 1 && keys[0] === 'Fn::Join') {
    const [sep, parts] = v['Fn::Join'];
    return (resolveValue(parts, templates) as unknown[]).map(String).join(sep);
  }
  if (keys.length === 1 && keys[0] === 'Fn::ImportValue') return resolveValue(exported(v['Fn::ImportValue'], templates), templates);
  if (keys.length === 1 && keys[0].startsWith('Fn::')) throw new Error(`unsupported intrinsic ${keys[0]} in an assertion parameter`);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveValue(x, templates)]));
}

function exported(name: string, templates: Record<string, Template>): unknown {
  for (const template of Object.values(templates)) {
    for (const output of Object.values(template.Outputs ?? {})) {
      if (output?.Export?.Name === name) return output.Value;
    }
  }
  throw new Error(`no stack exports ${name}`);
}

/** One probe invocation of an assertion stack. */
export interface ProbeInvocation {
  /** The assertion resource's logical id. */
  readonly id: string;
  /** The PROBE environment variable of the invoked function (`http`, `ws`...). */
  readonly probe: string;
  /** The event the probe receives. */
  readonly event: unknown;
  /** The probe function's timeout, in seconds (Lambda's default 3 when unset). */
  readonly probeTimeout: number;
  /**
   * The timeout of the function that invokes it (the custom resource's ServiceToken), in seconds: Lambda's Invoke
   * is synchronous, so the probe must return before its caller times out.
   */
  readonly callerTimeout: number;
}

/** Every Lambda invocation the assertion stacks make of a function that carries a PROBE variable. */
export function probeInvocations(templates: Record<string, Template>): ProbeInvocation[] {
  const functions = new Map<string, { probe: string; timeout: number }>();
  const timeouts = new Map<string, number>();
  for (const template of Object.values(templates)) {
    for (const [id, r] of Object.entries(template.Resources ?? {})) {
      if (r?.Type !== 'AWS::Lambda::Function') continue;
      const timeout = Number(r.Properties?.Timeout ?? 3);
      timeouts.set(id, timeout);
      const probe = r.Properties?.Environment?.Variables?.PROBE;
      if (typeof probe === 'string') functions.set(`R${id}`, { probe, timeout });
    }
  }
  const calls: ProbeInvocation[] = [];
  for (const template of Object.values(templates)) {
    for (const [id, r] of Object.entries(template.Resources ?? {})) {
      if (r?.Type !== 'Custom::DeployAssert@SdkCallLambdainvoke') continue;
      const params = resolveValue(r.Properties.parameters, templates) as Record<string, string>;
      const functionName = JSON.parse(params.FunctionName);
      const probe = functions.get(functionName);
      if (!probe) throw new Error(`${id} invokes ${functionName}, which is not a probe`);
      const caller = r.Properties.ServiceToken?.['Fn::GetAtt']?.[0];
      const callerTimeout = timeouts.get(caller);
      if (callerTimeout === undefined) throw new Error(`${id}: its ServiceToken is not a function of the assembly`);
      calls.push({ id, probe: probe.probe, event: JSON.parse(JSON.parse(params.Payload)), probeTimeout: probe.timeout, callerTimeout });
    }
  }
  return calls;
}
