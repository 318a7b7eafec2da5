/**
 * Reading CloudFormation values that hold intrinsic functions: which resource a `Ref`/`Fn::GetAtt` names
 * (followed through nested-stack parameters and outputs), a value rendered as text with placeholders, and a
 * conservative estimate of a value's length once CloudFormation has resolved it. Internal.
 */
import { ResourceRef, TemplateFile, TemplateSet } from './model';

/** A resource a value refers to, and the attribute read (undefined for `Ref`). */
export interface Target {
  readonly ref: ResourceRef;
  readonly attribute?: string;
}

/**
 * The length counted for an unresolved reference (a generated name, id or ARN), in characters: generated
 * physical names are `<stack name>-<logical id>-<random>` cut to the service's maximum, and ARNs add about 60
 * characters of prefix, so 128 is generous for names and typical for ARNs.
 */
export const UNRESOLVED_LENGTH = 128;

/** The longest value each pseudo parameter takes (e.g. `ap-southeast-4`, `aws-us-gov`, `amazonaws.com.cn`). */
const PSEUDO_LENGTH: Record<string, number> = {
  'AWS::AccountId': 12,
  'AWS::Region': 14,
  'AWS::Partition': 10,
  'AWS::URLSuffix': 16,
  'AWS::StackName': 128,
  'AWS::StackId': 230,
  'AWS::NoValue': 0,
};

/** The longest value `Ref` returns for types whose ids are short and fixed in form (API Gateway ids: 10 characters). */
const REF_LENGTH: Record<string, number> = {
  'AWS::ApiGateway::RestApi': 10,
  'AWS::ApiGateway::Resource': 10,
  'AWS::ApiGateway::Deployment': 10,
  'AWS::ApiGateway::Authorizer': 10,
  'AWS::ApiGateway::RequestValidator': 10,
  'AWS::ApiGatewayV2::Api': 10,
  'AWS::ApiGatewayV2::Deployment': 10,
  'AWS::Lambda::Function': 64,
};
/** Attributes that are such ids. */
const ID_ATTRIBUTES = new Set(['RestApiId', 'RootResourceId', 'ResourceId', 'ApiId', 'DeploymentId', 'AuthorizerId']);
/** Types whose `Ref` is the name property, exact when that name is a literal. */
const REF_IS_NAME: Record<string, string> = {
  'AWS::ApiGateway::Stage': 'StageName',
  'AWS::ApiGatewayV2::Stage': 'StageName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::IAM::Role': 'RoleName',
};

const MAX_DEPTH = 12;

export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `Fn::GetAtt` in its list or `Logical.Attribute` string form. */
export function getAttParts(value: unknown): [string, string | undefined] {
  if (Array.isArray(value)) return [String(value[0]), value[1] === undefined ? undefined : String(value[1])];
  const text = String(value);
  const dot = text.indexOf('.');
  return dot < 0 ? [text, undefined] : [text.slice(0, dot), text.slice(dot + 1)];
}

/** The value the parent template passes for a nested template's parameter. */
export function parameterValue(set: TemplateSet, file: TemplateFile, name: string): { file: TemplateFile; value: unknown } | undefined {
  if (!file.parent || !(name in (file.template.Parameters ?? {}))) return undefined;
  const value = set.resource(file.parent.file, file.parent.logicalId)?.resource.Properties?.Parameters?.[name];
  return value === undefined ? undefined : { file: file.parent.file, value };
}

/** The resource a `Ref` or `Fn::GetAtt` names, through nested-stack parameters and outputs. */
export function targetOf(set: TemplateSet, file: TemplateFile, value: unknown, depth = 0): Target | undefined {
  if (depth > MAX_DEPTH || !isObject(value)) return undefined;
  if (typeof value.Ref === 'string') {
    if (value.Ref.startsWith('AWS::')) return undefined;
    const ref = set.resource(file, value.Ref);
    if (ref) return { ref };
    const parameter = parameterValue(set, file, value.Ref);
    return parameter ? targetOf(set, parameter.file, parameter.value, depth + 1) : undefined;
  }
  if ('Fn::GetAtt' in value) {
    const [logicalId, attribute] = getAttParts(value['Fn::GetAtt']);
    const ref = set.resource(file, logicalId);
    if (!ref) return undefined;
    const output = /^Outputs\.(.+)$/.exec(attribute ?? '')?.[1];
    const child = output ? set.nestedTemplate(ref) : undefined;
    if (child && output) {
      const inner = targetOf(set, child, child.template.Outputs?.[output]?.Value, depth + 1);
      if (inner) return inner;
    }
    return { ref, attribute };
  }
  return undefined;
}

/** True when two targets are the same resource (attributes ignored). */
export function sameResource(a: Target | ResourceRef | undefined, b: Target | ResourceRef | undefined): boolean {
  const x = a && 'ref' in a ? a.ref : a;
  const y = b && 'ref' in b ? b.ref : b;
  return !!x && !!y && x.file === y.file && x.logicalId === y.logicalId;
}

/** A value rendered as text: references become `${file/logicalId[.attribute]}`, pseudo parameters `${AWS::X}`. */
export interface Rendered {
  readonly text: string;
  /** Resources the text refers to. */
  readonly targets: readonly Target[];
  /** Pseudo parameters the text contains. */
  readonly pseudo: readonly string[];
  /** Parts that could not be rendered (imports, conditions, parameters of a top-level stack...). */
  readonly unknown: number;
}

/** Renders a value as text, following references through nested stacks. */
export function render(set: TemplateSet, file: TemplateFile, value: unknown, depth = 0): Rendered {
  const out = { text: '', targets: [] as Target[], pseudo: [] as string[], unknown: 0 };
  const add = (r: Rendered) => {
    out.text += r.text;
    out.targets.push(...r.targets);
    out.pseudo.push(...r.pseudo);
    out.unknown += r.unknown;
  };
  const unknown = (): Rendered => ({ text: '${?}', targets: [], pseudo: [], unknown: 1 });
  if (depth > MAX_DEPTH) return unknown();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return { text: String(value), targets: [], pseudo: [], unknown: 0 };
  if (!isObject(value)) return unknown();
  if (typeof value.Ref === 'string' && value.Ref.startsWith('AWS::')) return { text: `\${${value.Ref}}`, targets: [], pseudo: [value.Ref], unknown: 0 };
  if (typeof value.Ref === 'string' || 'Fn::GetAtt' in value) {
    if (typeof value.Ref === 'string' && !set.resource(file, value.Ref)) {
      const parameter = parameterValue(set, file, value.Ref);
      return parameter ? render(set, parameter.file, parameter.value, depth + 1) : unknown();
    }
    const target = targetOf(set, file, value);
    if (!target) return unknown();
    const name = `${target.ref.file.name}/${target.ref.logicalId}${target.attribute ? `.${target.attribute}` : ''}`;
    return { text: `\${${name}}`, targets: [target], pseudo: [], unknown: 0 };
  }
  if (Array.isArray(value['Fn::Join']) && Array.isArray(value['Fn::Join'][1])) {
    const [separator, parts] = value['Fn::Join'] as [string, unknown[]];
    parts.forEach((part, i) => {
      if (i > 0) out.text += separator;
      add(render(set, file, part, depth + 1));
    });
    return out;
  }
  if ('Fn::Sub' in value) {
    const [template, variables] = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'] : [value['Fn::Sub'], {}];
    if (typeof template !== 'string') return unknown();
    let last = 0;
    for (const m of template.matchAll(/\$\{([^}]*)\}/g)) {
      out.text += template.slice(last, m.index);
      last = m.index! + m[0].length;
      const name = m[1];
      if (name.startsWith('!')) {
        out.text += `\${${name.slice(1)}}`;
      } else if (isObject(variables) && name in variables) {
        add(render(set, file, variables[name], depth + 1));
      } else {
        add(render(set, file, name.includes('.') ? { 'Fn::GetAtt': getAttParts(name) } : { Ref: name }, depth + 1));
      }
    }
    out.text += template.slice(last);
    return out;
  }
  return unknown();
}

/**
 * The length of a value once resolved, estimated conservatively: literal text exactly, pseudo parameters at
 * their longest, nested-stack parameters through the parent's value, API Gateway ids at 10 characters and
 * function names at 64 (their maximum), a `Ref` that returns a literal name property as that name, any other
 * reference as UNRESOLVED_LENGTH.
 */
export function estimatedLength(set: TemplateSet, file: TemplateFile, value: unknown, depth = 0): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  if (depth > MAX_DEPTH || !isObject(value)) return UNRESOLVED_LENGTH;
  if (typeof value.Ref === 'string' || 'Fn::GetAtt' in value) {
    if (value.Ref in PSEUDO_LENGTH) return PSEUDO_LENGTH[value.Ref];
    const parameter = typeof value.Ref === 'string' && !set.resource(file, value.Ref) ? parameterValue(set, file, value.Ref) : undefined;
    if (parameter) return estimatedLength(set, parameter.file, parameter.value, depth + 1);
    const target = targetOf(set, file, value);
    if (!target) return UNRESOLVED_LENGTH;
    const { Type: type, Properties: props } = target.ref.resource;
    if (target.attribute) return ID_ATTRIBUTES.has(target.attribute) ? 10 : UNRESOLVED_LENGTH;
    const name = props?.[REF_IS_NAME[type]];
    if (typeof name === 'string') return Buffer.byteLength(name);
    return REF_LENGTH[type] ?? UNRESOLVED_LENGTH;
  }
  if (Array.isArray(value['Fn::Join']) && Array.isArray(value['Fn::Join'][1])) {
    const [separator, parts] = value['Fn::Join'] as [string, unknown[]];
    return parts.reduce<number>((n, p) => n + estimatedLength(set, file, p, depth + 1), 0) + Math.max(0, parts.length - 1) * String(separator).length;
  }
  if ('Fn::Sub' in value) {
    const [template, variables] = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'] : [value['Fn::Sub'], {}];
    if (typeof template !== 'string') return UNRESOLVED_LENGTH;
    let n = Buffer.byteLength(template.replace(/\$\{[^}]*\}/g, ''));
    for (const m of template.matchAll(/\$\{([^}]*)\}/g)) {
      const name = m[1];
      if (name.startsWith('!')) n += name.length + 2;
      else if (isObject(variables) && name in variables) n += estimatedLength(set, file, variables[name], depth + 1);
      else n += name.includes('.') ? UNRESOLVED_LENGTH : estimatedLength(set, file, { Ref: name }, depth + 1);
    }
    return n;
  }
  if (Array.isArray(value['Fn::If'])) {
    const [, a, b] = value['Fn::If'];
    return Math.max(estimatedLength(set, file, a, depth + 1), estimatedLength(set, file, b, depth + 1));
  }
  return UNRESOLVED_LENGTH;
}

/** True for an object that is one intrinsic function or `Ref`. */
export function isIntrinsic(value: unknown): boolean {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/**
 * The length of a JSON document (a policy) as the service stores it, without whitespace: intrinsic values
 * count as strings of their estimated length.
 */
export function jsonLength(set: TemplateSet, file: TemplateFile, value: unknown): number {
  const substitute = (v: unknown): unknown => {
    if (isIntrinsic(v)) return 'x'.repeat(estimatedLength(set, file, v));
    if (Array.isArray(v)) return v.map(substitute);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x)]));
    return v;
  };
  return JSON.stringify(substitute(value)).length;
}
