/**
 * Stands up a synthesized cloud assembly on 127.0.0.1, with no hand-written wiring: DynamoDB tables (dynalite),
 * SQS queues and their Lambda event source mappings, the functions the APIs use (each in its own process, from
 * its code asset, with its environment as rendered), and a front per API (WebSocket and REST). Intrinsics
 * resolve to the stand-ins: a table name to the dynalite table, a queue URL to the local SQS, an API's
 * execute-api URL (its callback URL too) to its local front, pseudo parameters to fixed values. Whatever the
 * assembly uses that is not modelled makes `startLocalCloud` throw, naming it.
 *
 * `overrides` replace rendered environment values of named functions (the playground points the JWT issuer at
 * its local one); each is listed in `overridden`, and tests that prove the wiring use none.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudAssembly, TemplateResource, allResources, allStacks, loadAssembly } from './assembly';
import { ControlPlane, runCustomResources } from './deploy';
import { LocalDynamoDb } from './dynamo';
import { FrontContext, InvocationDenied } from './front-context';
import { FunctionDefinition, InvocationResult, LocalFunction, defineFunction } from './functions';
import { RolePolicies, roleKey } from './iam';
import { LOCAL_ENVIRONMENT, NotModelled, Resolver, stableId } from './intrinsics';
import { LambdaPermissions } from './lambda-permissions';
import { RestFront, RestFrontOptions } from './rest-front';
import { restModels } from './rest-model';
import { runtimeModules } from './runtime-modules';
import { IssuedCredential } from './sigv4';
import { LocalSqs } from './sqs';
import { synthesized } from './synth';
import { WebSocketFront } from './websocket-front';
import { webSocketModels } from './websocket-model';
import { LoopbackCertificate, loopbackCertificate } from '../tls';

/** An explicit replacement of rendered environment values, printed by whoever uses it. */
export interface EnvironmentOverride {
  /** Functions whose rendered environment has this variable. */
  readonly whenVariable: string;
  readonly variables: Record<string, string>;
  readonly reason: string;
}

export interface LocalCloudOptions {
  readonly overrides?: EnvironmentOverride[];
  /** CA certificates the functions trust (local HTTPS stand-ins such as a JWKS). */
  readonly extraCaCerts?: string;
  /** Print function output to stderr. @default false */
  readonly echoLogs?: boolean;
  /** Multiplies SQS visibility timeouts. @default 1 */
  readonly sqsTimeScale?: number;
  /** Fixed ports for the WebSocket fronts, in order. @default - any free port */
  readonly webSocketPorts?: number[];
  /** Fixed ports for the REST fronts, in order. @default - any free port */
  readonly restPorts?: number[];
  /** Local stand-ins for Cognito user pools and HTTP backends of REST APIs. @default - none */
  readonly rest?: RestFrontOptions;
  /**
   * REST methods the fronts do not model answer 501, and a stage canary is served by the synthesized model (listed
   * in `overridden`), instead of refusing to start. @default false
   */
  readonly tolerateUnmodelledMethods?: boolean;
}

export class LocalCloud implements FrontContext {
  public readonly region = LOCAL_ENVIRONMENT.region;
  public readonly account = LOCAL_ENVIRONMENT.account;
  public readonly resolver: Resolver;
  public readonly credentials = new Map<string, IssuedCredential>();
  public readonly functions = new Map<string, LocalFunction>();
  public readonly webSockets: WebSocketFront[] = [];
  public readonly rest: RestFront[] = [];
  public readonly dynamo: LocalDynamoDb;
  public readonly sqs: LocalSqs;
  /** Lines describing every environment value replaced by an override. */
  public readonly overridden: string[] = [];
  public readonly logs: string[] = [];
  /** The custom resources run at start (the deploy-time steps). */
  public deployed: string[] = [];
  public readonly controlPlane: ControlPlane;
  private tls?: LoopbackCertificate;
  private caFile?: string;
  private modules?: string;
  private readonly rewrites = new Map<string, string>();
  private readonly scratch: string[] = [];
  private roles!: RolePolicies;
  private permissions!: LambdaPermissions;
  private readonly definitions = new Map<TemplateResource, FunctionDefinition>();

  constructor(
    public readonly assembly: CloudAssembly,
    private readonly options: LocalCloudOptions = {},
  ) {
    const allow = (c: IssuedCredential, action: string, resource: string) => this.allows(c, action, resource);
    this.sqs = new LocalSqs(this.region, this.credentials, allow, options.sqsTimeScale);
    this.dynamo = new LocalDynamoDb(this.region, this.credentials, allow);
    this.controlPlane = new ControlPlane(this, () => this.rest);
    this.resolver = new Resolver(LOCAL_ENVIRONMENT, (resource, defaults) => {
      if (resource.type !== 'AWS::SQS::Queue') return undefined;
      const name = defaults.attributes.QueueName;
      const url = `${this.sqs.endpoint}/${this.account}/${name}`;
      return { ref: url, attributes: { ...defaults.attributes, QueueUrl: url } };
    }, allStacks(assembly));
  }

  public log(line: string): void {
    this.logs.push(line);
  }

  /** Whether the role behind `credential` allows `action` on `resource` (fails closed where it cannot tell). */
  public allows(credential: IssuedCredential, action: string, resource: string): boolean {
    if (!credential.roleKey) return false;
    try {
      return this.roles.allows(credential.roleKey, action, resource);
    } catch (e) {
      this.log(`IAM: ${(e as Error).message}; denied`);
      return false;
    }
  }

  public async invoke(functionArn: string, sourceArn: string, event: unknown): Promise<InvocationResult | InvocationDenied> {
    const fn = this.functions.get(functionArn);
    if (!fn) return { denied: `${functionArn} is not a function the local cloud runs` };
    if (!this.permissions.allows(fn.definition, 'apigateway.amazonaws.com', sourceArn, this.account)) {
      const denied = `Execution failed due to configuration error: Invalid permissions on Lambda function ${fn.definition.name} for ${sourceArn}`;
      this.log(denied);
      return { denied };
    }
    return fn.invoke(event);
  }

  /** Maps an origin of the assembly (`https://{apiId}.execute-api...`) to a local one, in rendered values. */
  public mapOrigin(from: string, to: string): void {
    this.rewrites.set(from, to);
  }

  /** Rendered value -> the value the stand-ins need (execute-api URLs to the local fronts). */
  public rewrite(value: string): string {
    let out = value;
    for (const [from, to] of this.rewrites) out = out.split(from).join(to);
    return out;
  }

  /** The function of the assembly with this ARN, defined (not started) once. */
  public defineByArn(arn: string, where: string): FunctionDefinition {
    const resource = allResources(this.assembly, 'AWS::Lambda::Function').find((r) => this.resolver.physicalOf(r).attributes.Arn === arn);
    if (!resource) throw new NotModelled(where, `the function ${arn}, which is not a function of the assembly`);
    return this.define(resource);
  }

  public define(resource: TemplateResource): FunctionDefinition {
    let d = this.definitions.get(resource);
    if (!d) {
      d = defineFunction(this.assembly, this.resolver, resource, (v) => this.rewrite(v), this.scratch);
      d = this.applyOverrides(d);
      this.definitions.set(resource, d);
      const credential: IssuedCredential = {
        accessKeyId: `ASIA${stableId(`${resource.stack.path}/${resource.logicalId}`, 16).toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: randomBytes(48).toString('base64'),
        owner: `${resource.stack.path}/${resource.logicalId}`,
        roleKey: d.roleLogicalId ? roleKey({ ...resource, logicalId: d.roleLogicalId }) : undefined,
      };
      this.credentials.set(credential.accessKeyId, credential);
      const endpoints = {
        AWS_ENDPOINT_URL_DYNAMODB: this.dynamo.endpoint,
        AWS_ENDPOINT_URL_SQS: this.sqs.endpoint,
        AWS_ENDPOINT_URL_API_GATEWAY: this.controlPlane.endpoint,
      };
      if (!this.modules) {
        this.modules = runtimeModules();
        this.scratch.push(path.dirname(this.modules));
      }
      const runtime = { region: this.region, credentials: credential, endpoints, extraCaCerts: this.caFile, runtimeModules: this.modules };
      const fn = new LocalFunction(d, runtime, this.options.echoLogs);
      this.functions.set(d.arn, fn);
    }
    return d;
  }

  /** The local function whose logical id starts with `prefix` (exactly one). */
  public fn(prefix: string): LocalFunction {
    const found = [...this.functions.values()].filter((f) => f.definition.resource.logicalId.startsWith(prefix));
    if (found.length !== 1) throw new Error(`${found.length} local functions start with ${prefix}`);
    return found[0];
  }

  public async start(): Promise<void> {
    // Queue URLs name the local SQS port: start the stand-ins before resolving anything.
    await Promise.all([this.dynamo.start(), this.sqs.start(), this.controlPlane.start()]);
    // Functions trust the given CAs and the cloud's own (the custom resources' response URL).
    this.tls = loopbackCertificate();
    this.caFile = path.join(this.tls.dir, 'trusted.pem');
    fs.writeFileSync(this.caFile, [this.options.extraCaCerts && fs.readFileSync(this.options.extraCaCerts, 'utf8'), this.tls.cert.toString()].filter(Boolean).join('\n'));
    this.roles = new RolePolicies(this.assembly, this.resolver);
    this.permissions = new LambdaPermissions(this.assembly, this.resolver);
    for (const t of allResources(this.assembly, 'AWS::DynamoDB::Table')) {
      const p = this.resolver.physicalOf(t);
      await this.dynamo.createTable(t, p.ref, p.attributes.Arn, this.resolver.resolve(t.stack, t.properties, `${t.stack.path}/${t.logicalId}`));
    }
    for (const q of allResources(this.assembly, 'AWS::SQS::Queue')) {
      const where = `${q.stack.path}/${q.logicalId}`;
      const redrive = q.properties.RedrivePolicy ? this.resolver.resolve(q.stack, q.properties.RedrivePolicy, where) : undefined;
      const p = this.resolver.physicalOf(q);
      const dlq = redrive && { deadLetterTargetArn: String(redrive.deadLetterTargetArn), maxReceiveCount: Number(redrive.maxReceiveCount) };
      this.sqs.addQueue(q, p.attributes.QueueName, p.attributes.Arn, dlq);
    }
    const ports = [...(this.options.webSocketPorts ?? [])];
    for (const model of webSocketModels(this.assembly, this.resolver)) {
      const front = new WebSocketFront(model, this);
      await front.start(ports.shift());
      this.webSockets.push(front);
      const host = `${model.apiId}.execute-api.${this.region}.${this.resolver.env.urlSuffix}`;
      this.mapOrigin(`https://${host}`, front.origin);
      this.mapOrigin(`wss://${host}`, front.origin.replace(/^http/, 'ws'));
      for (const route of model.routes.values()) {
        this.defineByArn(route.functionArn, `${route.resource.stack.path}/${route.resource.logicalId}`);
        if (route.authorizer) this.defineByArn(route.authorizer.functionArn, `${route.authorizer.resource.stack.path}/${route.authorizer.resource.logicalId}`);
      }
    }
    const restPorts = [...(this.options.restPorts ?? [])];
    for (const model of restModels(this.assembly, this.resolver, this.options.tolerateUnmodelledMethods)) {
      const front = new RestFront(model, this, this.options.rest);
      await front.start(restPorts.shift());
      this.rest.push(front);
      for (const stage of model.stages) if (stage.canary) this.overridden.push(`${model.resource.stack.path}/${model.resource.logicalId}: ${stage.canary}`);
      this.mapOrigin(`https://${model.apiId}.execute-api.${this.region}.${this.resolver.env.urlSuffix}`, front.origin);
      for (const m of model.methods) {
        const at = `${m.resource.stack.path}/${m.resource.logicalId}`;
        if (m.integration?.type === 'AWS_PROXY') this.defineByArn(m.integration.functionArn, at);
        if (m.authorizer?.functionArn) this.defineByArn(m.authorizer.functionArn, at);
      }
    }
    this.startEventSourceMappings();
    await Promise.all([...this.functions.values()].map((f) => f.start()));
    this.deployed = await runCustomResources(this, this.tls);
  }

  public async close(): Promise<void> {
    await Promise.all([...this.webSockets, ...this.rest].map((f) => f.close()));
    await Promise.all([...this.functions.values()].map((f) => f.stop()));
    await Promise.all([this.sqs.close(), this.dynamo.close(), this.controlPlane.close()].map((p) => p.catch(() => undefined)));
    this.tls?.dispose();
    for (const dir of this.scratch) fs.rmSync(dir, { recursive: true, force: true });
    if (synthesized.delete(this.assembly.dir)) fs.rmSync(this.assembly.dir, { recursive: true, force: true });
  }

  private applyOverrides(d: FunctionDefinition): FunctionDefinition {
    const environment = { ...d.environment };
    for (const o of this.options.overrides ?? []) {
      if (!(o.whenVariable in d.environment)) continue;
      for (const [key, value] of Object.entries(o.variables)) {
        this.overridden.push(`${d.resource.stack.path}/${d.resource.logicalId} ${key}: ${JSON.stringify(environment[key] ?? null)} -> ${JSON.stringify(value)} (${o.reason})`);
        environment[key] = value;
      }
    }
    return { ...d, environment };
  }

  private startEventSourceMappings(): void {
    for (const m of allResources(this.assembly, 'AWS::Lambda::EventSourceMapping')) {
      const where = `${m.stack.path}/${m.logicalId}`;
      const p = this.resolver.resolve(m.stack, m.properties, where);
      if (p.Enabled === false) continue;
      if (p.FilterCriteria) throw new NotModelled(where, 'FilterCriteria');
      const queue = this.sqs.queues.get(String(p.EventSourceArn));
      if (!queue) throw new NotModelled(where, `the event source ${p.EventSourceArn} (only SQS queues of the assembly)`);
      const target = allResources(this.assembly, 'AWS::Lambda::Function').find((f) => {
        const physical = this.resolver.physicalOf(f);
        return physical.ref === p.FunctionName || physical.attributes.Arn === p.FunctionName;
      });
      if (!target) throw new NotModelled(where, `the function ${p.FunctionName}, which is not a function of the assembly`);
      const fn = this.functions.get(this.define(target).arn)!;
      this.sqs.addMapping({
        queue,
        target: fn,
        batchSize: Number(p.BatchSize ?? 10),
        reportBatchItemFailures: ((p.FunctionResponseTypes ?? []) as string[]).includes('ReportBatchItemFailures'),
        concurrency: Math.min(5, Number(p.ScalingConfig?.MaximumConcurrency ?? 5)),
      });
    }
  }
}

/** Loads the assembly in `dir` and starts it. */
export async function startLocalCloud(dir: string, options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const cloud = new LocalCloud(loadAssembly(dir), options);
  try {
    await cloud.start();
  } catch (e) {
    await cloud.close().catch(() => undefined);
    throw e;
  }
  return cloud;
}
