/**
 * Resolves CloudFormation intrinsic functions of a loaded assembly to the values the local stand-ins have:
 * `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::Base64`,
 * pseudo parameters (fixed values), nested-stack parameters (resolved in the parent) and nested-stack outputs
 * (`Fn::GetAtt [Stack, Outputs.X]`). Physical ids follow CloudFormation's shapes (a table name, a queue URL, a
 * 10-character API id, ARNs in the fixed region and account).
 *
 * Anything else (conditions, `Fn::ImportValue`, SSM parameters, an attribute of a resource type not listed
 * here) throws a `NotModelled` error naming where it was met: the fronts refuse to start rather than guess.
 *
 * Sources: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html and
 * the "Return values" section of each resource type's page.
 */
import { createHash } from 'node:crypto';
import { LoadedStack, TemplateResource } from './assembly';

/** Something the assembly uses that the local fronts do not model. */
export class NotModelled extends Error {
  constructor(where: string, what: string) {
    super(`${where}: ${what} is not modelled by the local fronts`);
    this.name = 'NotModelled';
  }
}

/** The fixed environment the assembly is resolved in. */
export interface LocalEnvironment {
  readonly region: string;
  readonly account: string;
  readonly partition: string;
  readonly urlSuffix: string;
}

export const LOCAL_ENVIRONMENT: LocalEnvironment = { region: 'eu-west-1', account: '123456789012', partition: 'aws', urlSuffix: 'amazonaws.com' };

/** What `Ref` and `Fn::GetAtt` return for a resource. */
export interface PhysicalResource {
  readonly ref: string;
  readonly attributes: Record<string, string>;
}

/** Stand-ins may give some resources their own values (a queue URL on the local SQS, for instance). */
export type PhysicalOverride = (resource: TemplateResource, defaults: PhysicalResource) => PhysicalResource | undefined;

/** A short, stable, lower-case id from a seed (API Gateway ids are 10 characters of [a-z0-9]). */
export function stableId(seed: string, length: number = 10): string {
  const digest = createHash('sha256').update(seed).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(digest.subarray(0, length), (b) => alphabet[b % alphabet.length]).join('');
}

/** A CloudFormation-style generated name: `{stack}-{logicalId}-{SUFFIX}`, at most `max` characters. */
export function generatedName(stack: LoadedStack, logicalId: string, max: number = 64): string {
  const suffix = stableId(`${stack.path}/${logicalId}`, 12).toUpperCase();
  const head = `${stack.stackName}-${logicalId}`.slice(0, max - suffix.length - 1);
  return `${head}-${suffix}`;
}

/** `Ref: AWS::NoValue`: the property is removed. */
export const NO_VALUE = Symbol('AWS::NoValue');

const PSEUDO = ['AWS::Region', 'AWS::AccountId', 'AWS::Partition', 'AWS::URLSuffix', 'AWS::StackName', 'AWS::StackId', 'AWS::NoValue'];

export class Resolver {
  private readonly physical = new Map<TemplateResource, PhysicalResource>();

  constructor(
    public readonly env: LocalEnvironment = LOCAL_ENVIRONMENT,
    private readonly override?: PhysicalOverride,
    /** Every stack of the assembly, for Fn::ImportValue. */
    private readonly stacks: readonly LoadedStack[] = [],
  ) {}

  /** `arn:{partition}:{service}:{region}:{account}:{resource}`. */
  public arn(service: string, resource: string, options: { region?: string; account?: string } = {}): string {
    return `arn:${this.env.partition}:${service}:${options.region ?? this.env.region}:${options.account ?? this.env.account}:${resource}`;
  }

  /** The physical values of a resource (computed once). */
  public physicalOf(resource: TemplateResource): PhysicalResource {
    let p = this.physical.get(resource);
    if (!p) {
      const defaults = this.defaults(resource);
      p = this.override?.(resource, defaults) ?? defaults;
      this.physical.set(resource, p);
    }
    return p;
  }

  /** Resolves `value` in `stack`; `where` names the place for error messages. */
  public resolve(stack: LoadedStack, value: unknown, where: string): any {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v, i) => this.resolve(stack, v, `${where}[${i}]`)).filter((v) => v !== NO_VALUE);
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition')) {
      return this.intrinsic(stack, keys[0], (value as any)[keys[0]], where);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = this.resolve(stack, v, `${where}.${k}`);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  /** Resolves `value` and requires a string. */
  public resolveString(stack: LoadedStack, value: unknown, where: string): string {
    const r = this.resolve(stack, value, where);
    if (typeof r !== 'string' && typeof r !== 'number' && typeof r !== 'boolean') throw new NotModelled(where, `a non-string value ${JSON.stringify(r)}`);
    return String(r);
  }

  /** The resource a `Ref`/`Fn::GetAtt` names, or the referenced parameter's resolution. */
  public resource(stack: LoadedStack, logicalId: string, where: string): TemplateResource {
    const r = stack.resources.get(logicalId);
    if (!r) throw new NotModelled(where, `a reference to ${logicalId}, which is not a resource of ${stack.path}`);
    return r;
  }

  private intrinsic(stack: LoadedStack, fn: string, arg: any, where: string): any {
    switch (fn) {
      case 'Ref':
        return this.ref(stack, String(arg), where);
      case 'Fn::GetAtt': {
        const [id, ...rest] = Array.isArray(arg) ? arg : String(arg).split('.');
        return this.getAtt(stack, String(id), rest.join('.'), where);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg;
        const list = this.resolve(stack, parts, where);
        if (!Array.isArray(list)) throw new NotModelled(where, 'Fn::Join over a non-list');
        return list.map((p: unknown) => String(p)).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg;
        const items = this.resolve(stack, list, where);
        const i = Number(this.resolve(stack, index, where));
        if (!Array.isArray(items) || i < 0 || i >= items.length) throw new NotModelled(where, `Fn::Select ${i} out of range`);
        return items[i];
      }
      case 'Fn::Split': {
        const [sep, source] = arg;
        return this.resolveString(stack, source, where).split(sep);
      }
      case 'Fn::Sub':
        return this.sub(stack, arg, where);
      case 'Fn::ImportValue':
        return this.importValue(this.resolveString(stack, arg, where), where);
      case 'Fn::Base64':
        return Buffer.from(this.resolveString(stack, arg, where)).toString('base64');
      case 'Fn::FindInMap': {
        const [map, top, second] = (arg as unknown[]).map((a) => this.resolveString(stack, a, where));
        const v = stack.template.Mappings?.[map]?.[top]?.[second];
        if (v === undefined) throw new NotModelled(where, `Fn::FindInMap ${map}.${top}.${second} (no such entry)`);
        return v;
      }
      default:
        throw new NotModelled(where, `the intrinsic ${fn}`);
    }
  }

  /** An export of another stack of the assembly (`Outputs.X.Export.Name`). */
  private importValue(name: string, where: string): any {
    for (const stack of this.stacks) {
      for (const output of Object.values<any>(stack.template.Outputs ?? {})) {
        if (output.Export && this.resolve(stack, output.Export.Name, where) === name) return this.resolve(stack, output.Value, `${where} (export ${name})`);
      }
    }
    throw new NotModelled(where, `Fn::ImportValue of ${name}, which no stack of the assembly exports`);
  }

  private sub(stack: LoadedStack, arg: any, where: string): string {
    const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
    const local = this.resolve(stack, vars ?? {}, where) as Record<string, unknown>;
    return String(text).replace(/\$\{([^}]+)\}/g, (_whole, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (name in local) return String(local[name]);
      const dot = name.indexOf('.');
      if (dot > 0 && !PSEUDO.includes(name)) return this.getAtt(stack, name.slice(0, dot), name.slice(dot + 1), where);
      return String(this.ref(stack, name, where));
    });
  }

  private ref(stack: LoadedStack, name: string, where: string): any {
    switch (name) {
      case 'AWS::Region':
        return this.env.region;
      case 'AWS::AccountId':
        return this.env.account;
      case 'AWS::Partition':
        return this.env.partition;
      case 'AWS::URLSuffix':
        return this.env.urlSuffix;
      case 'AWS::StackName':
        return stack.stackName;
      case 'AWS::StackId':
        return this.arn('cloudformation', `stack/${stack.stackName}/${stableId(stack.path, 8)}`);
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        break;
    }
    if (name.startsWith('AWS::')) throw new NotModelled(where, `the pseudo parameter ${name}`);
    const parameter = stack.template.Parameters?.[name];
    if (parameter) return this.parameter(stack, name, parameter, where);
    return this.physicalOf(this.resource(stack, name, where)).ref;
  }

  private parameter(stack: LoadedStack, name: string, parameter: any, where: string): any {
    if (stack.parent) {
      const resource = stack.parent.stack.resources.get(stack.parent.logicalId)!;
      const given = resource.properties.Parameters?.[name];
      if (given !== undefined) return this.resolve(stack.parent.stack, given, `${where} (parameter ${name} of ${stack.path})`);
    }
    if (String(parameter.Type).startsWith('AWS::SSM::Parameter')) throw new NotModelled(where, `the SSM parameter ${name}`);
    if (parameter.Default !== undefined) return parameter.Default;
    throw new NotModelled(where, `the parameter ${name} without a value`);
  }

  private getAtt(stack: LoadedStack, logicalId: string, attribute: string, where: string): any {
    const resource = this.resource(stack, logicalId, where);
    if (resource.type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) {
      const nested = stack.nested.find((n) => n.parent?.logicalId === logicalId);
      const output = nested?.template.Outputs?.[attribute.slice('Outputs.'.length)];
      if (!nested || !output) throw new NotModelled(where, `the output ${attribute} of ${logicalId}`);
      return this.resolve(nested, output.Value, `${where} (${nested.path} ${attribute})`);
    }
    const value = this.physicalOf(resource).attributes[attribute];
    if (value === undefined) throw new NotModelled(where, `the attribute ${attribute} of ${resource.type} ${logicalId}`);
    return value;
  }

  /** CloudFormation's return values for the resource types the fronts meet. */
  private defaults(r: TemplateResource): PhysicalResource {
    const p = r.properties;
    const where = `${r.stack.path}/${r.logicalId}`;
    const literal = (v: unknown, fallback: () => string) => (v === undefined ? fallback() : this.resolveString(r.stack, v, where));
    const id = (n: number = 10) => stableId(`${r.stack.path}/${r.logicalId}`, n);
    switch (r.type) {
      case 'AWS::DynamoDB::Table': {
        const name = literal(p.TableName, () => generatedName(r.stack, r.logicalId, 255));
        const arn = this.arn('dynamodb', `table/${name}`);
        return { ref: name, attributes: { Arn: arn, StreamArn: `${arn}/stream/1970-01-01T00:00:00.000` } };
      }
      case 'AWS::SQS::Queue': {
        const name = literal(p.QueueName, () => generatedName(r.stack, r.logicalId, 80));
        const url = `https://sqs.${this.env.region}.${this.env.urlSuffix}/${this.env.account}/${name}`;
        return { ref: url, attributes: { Arn: this.arn('sqs', name), QueueName: name, QueueUrl: url } };
      }
      case 'AWS::Lambda::Function': {
        const name = literal(p.FunctionName, () => generatedName(r.stack, r.logicalId, 64));
        return { ref: name, attributes: { Arn: this.arn('lambda', `function:${name}`) } };
      }
      case 'AWS::Lambda::LayerVersion': {
        const name = literal(p.LayerName, () => generatedName(r.stack, r.logicalId, 64));
        return { ref: this.arn('lambda', `layer:${name}:1`), attributes: { LayerVersionArn: this.arn('lambda', `layer:${name}:1`) } };
      }
      case 'AWS::IAM::Role': {
        const name = literal(p.RoleName, () => generatedName(r.stack, r.logicalId, 64));
        return { ref: name, attributes: { Arn: `arn:${this.env.partition}:iam::${this.env.account}:role${p.Path ?? '/'}${name}`, RoleId: `AROA${id(17).toUpperCase()}` } };
      }
      case 'AWS::IAM::ManagedPolicy': {
        const name = literal(p.ManagedPolicyName, () => generatedName(r.stack, r.logicalId, 128));
        const arn = `arn:${this.env.partition}:iam::${this.env.account}:policy/${name}`;
        return { ref: arn, attributes: { PolicyArn: arn } };
      }
      case 'AWS::KMS::Key': {
        const keyId = `${id(8)}-${id(4)}-${id(4)}-${id(4)}-${id(12)}`;
        return { ref: keyId, attributes: { Arn: this.arn('kms', `key/${keyId}`), KeyId: keyId } };
      }
      case 'AWS::Logs::LogGroup': {
        const name = literal(p.LogGroupName, () => generatedName(r.stack, r.logicalId, 512));
        return { ref: name, attributes: { Arn: this.arn('logs', `log-group:${name}:*`) } };
      }
      case 'AWS::SNS::Topic': {
        const name = literal(p.TopicName, () => generatedName(r.stack, r.logicalId, 256));
        return { ref: this.arn('sns', name), attributes: { TopicArn: this.arn('sns', name), TopicName: name } };
      }
      case 'AWS::ApiGatewayV2::Api': {
        const apiId = id();
        const scheme = p.ProtocolType === 'WEBSOCKET' ? 'wss' : 'https';
        return { ref: apiId, attributes: { ApiId: apiId, ApiEndpoint: `${scheme}://${apiId}.execute-api.${this.env.region}.${this.env.urlSuffix}` } };
      }
      case 'AWS::ApiGatewayV2::Stage':
      case 'AWS::ApiGateway::Stage':
        return { ref: literal(p.StageName, () => id()), attributes: {} };
      case 'AWS::ApiGateway::RestApi': {
        const apiId = id();
        return { ref: apiId, attributes: { RestApiId: apiId, RootResourceId: stableId(`${apiId}/root`) } };
      }
      case 'AWS::ApiGateway::Model':
        return { ref: literal(p.Name, () => r.logicalId), attributes: {} };
      case 'AWS::ApiGateway::ClientCertificate':
        return { ref: id(6), attributes: { ClientCertificateId: id(6) } };
      case 'AWS::ApiGatewayV2::Route':
      case 'AWS::ApiGatewayV2::Integration':
      case 'AWS::ApiGatewayV2::Authorizer':
      case 'AWS::ApiGateway::Resource':
      case 'AWS::ApiGateway::Method':
      case 'AWS::ApiGateway::Authorizer':
      case 'AWS::ApiGateway::RequestValidator':
      case 'AWS::ApiGateway::Deployment':
      case 'AWS::ApiGateway::GatewayResponse':
        return { ref: id(6), attributes: { [r.type.endsWith('Authorizer') ? 'AuthorizerId' : 'Id']: id(6) } };
      // MonetizedApi: usage plans are not enforced locally (README, "Try it"), but functions name them and the report bucket.
      case 'AWS::ApiGateway::UsagePlan':
        return { ref: id(6), attributes: { Id: id(6) } };
      case 'AWS::S3::Bucket': {
        const name = literal(p.BucketName, () => generatedName(r.stack, r.logicalId, 63).toLowerCase());
        return { ref: name, attributes: { Arn: `arn:${this.env.partition}:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com` } };
      }
      case 'AWS::Events::Rule': {
        const name = literal(p.Name, () => generatedName(r.stack, r.logicalId, 64));
        return { ref: name, attributes: { Arn: this.arn('events', `rule/${name}`) } };
      }
      // The canary guard (src/runtime/canary/guard.ts) answers its props' PercentTraffic when it is created (docs/canary.md).
      case 'Custom::ApiCanaryGuard':
        return { ref: id(), attributes: { PercentTraffic: literal(p.PercentTraffic, () => '0') } };
      case 'AWS::WAFv2::WebACL':
        return { ref: id(), attributes: { Arn: this.arn('wafv2', `regional/webacl/${r.logicalId}/${id()}`), Id: id() } };
      default:
        return {
          get ref(): string {
            throw new NotModelled(where, `a reference to a resource of type ${r.type}`);
          },
          attributes: {},
        };
    }
  }
}
