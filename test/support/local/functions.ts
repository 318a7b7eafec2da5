/**
 * Local Lambda functions, built from an `AWS::Lambda::Function` of the assembly: the code asset the template
 * names (the bundled `index.js` in the assembly's asset directory, or inline `ZipFile` code), its layers
 * (copied in order into one local directory standing for `/opt`), its handler, timeout and memory, and its
 * environment variables as rendered, resolved by the Resolver. Each function runs in its own child process
 * (./function-worker.js) with exactly that environment plus the variables the Lambda runtime itself sets;
 * `/opt/...` values point at the local layer copy. The sandbox (./sandbox.js) lets it reach the loopback
 * interface only.
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html (reserved variables),
 * https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html (layers extracted to /opt, later layers win),
 * https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html (Node.js paths on NODE_PATH).
 */
import { ChildProcess, execFileSync, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudAssembly, TemplateResource, objectKeyOf } from './assembly';
import { NotModelled, Resolver } from './intrinsics';

/** Variables the Lambda runtime sets itself: a template may not set them (CreateFunction refuses). */
export const RESERVED_VARIABLES = [
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
];

/** The definition of a local function, all values resolved. */
export interface FunctionDefinition {
  readonly resource: TemplateResource;
  readonly name: string;
  readonly arn: string;
  readonly codeDir: string;
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** The environment as rendered (after the stand-in rewrites). */
  readonly environment: Record<string, string>;
  /** The local directory standing for `/opt`, when the function has layers. */
  readonly optDir?: string;
  /** The IAM role (`Role` of the template), for callers that check its policies. */
  readonly roleLogicalId?: string;
}

/** What an invocation returns: the handler's result, or the error the runtime reports. */
export type InvocationResult = { readonly result: any } | { readonly error: { readonly errorType: string; readonly errorMessage: string } };

function unzipTo(file: string, where: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-code-'));
  try {
    execFileSync('unzip', ['-q', file, '-d', dir], { stdio: 'ignore' });
  } catch {
    throw new NotModelled(where, `the zip asset ${file} (unzip failed)`);
  }
  return dir;
}

/** The local directory of a code or layer asset the template names by S3 key (or inline code). */
export function codeDirectory(assembly: CloudAssembly, code: any, where: string, scratch: string[]): string {
  if (typeof code?.ZipFile === 'string') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-inline-'));
    fs.writeFileSync(path.join(dir, 'index.js'), code.ZipFile);
    scratch.push(dir);
    return dir;
  }
  const key = objectKeyOf(code?.S3Key);
  const asset = key ? assembly.assetsByObjectKey.get(key) : undefined;
  if (!asset) throw new NotModelled(where, `code ${JSON.stringify(code)} that is not an asset of the assembly`);
  if (fs.statSync(asset.sourcePath).isDirectory()) return asset.sourcePath;
  const dir = unzipTo(asset.sourcePath, where);
  scratch.push(dir);
  return dir;
}

/** Builds the definition of `resource` (an AWS::Lambda::Function); `rewrite` maps rendered values to stand-ins. */
export function defineFunction(
  assembly: CloudAssembly,
  resolver: Resolver,
  resource: TemplateResource,
  rewrite: (value: string) => string,
  scratch: string[],
): FunctionDefinition {
  const where = `${resource.stack.path}/${resource.logicalId}`;
  const p = resource.properties;
  const runtime = String(p.Runtime ?? '');
  if (!/^nodejs\d+\.x$/.test(runtime)) throw new NotModelled(where, `the runtime ${JSON.stringify(runtime)} (only nodejs*.x)`);
  if (p.PackageType === 'Image') throw new NotModelled(where, 'a container image function');
  // A VPC changes nothing here (the stand-ins are on the loopback interface); a mounted file system would.
  if (p.FileSystemConfigs !== undefined) throw new NotModelled(where, 'FileSystemConfigs (EFS)');
  const codeDir = codeDirectory(assembly, p.Code, `${where} Code`, scratch);
  const environment: Record<string, string> = {};
  const variables = resolver.resolve(resource.stack, p.Environment?.Variables ?? {}, `${where} Environment`) as Record<string, unknown>;
  for (const [key, value] of Object.entries(variables)) {
    if (RESERVED_VARIABLES.includes(key)) throw new NotModelled(where, `the reserved environment variable ${key} (Lambda refuses it)`);
    environment[key] = rewrite(String(value));
  }
  let optDir: string | undefined;
  const layers = (p.Layers ?? []) as unknown[];
  if (layers.length > 0) {
    optDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-opt-'));
    scratch.push(optDir);
    layers.forEach((layer, i) => {
      const ref = (layer as any)?.Ref;
      const layerResource = typeof ref === 'string' ? resource.stack.resources.get(ref) : undefined;
      if (!layerResource || layerResource.type !== 'AWS::Lambda::LayerVersion') throw new NotModelled(`${where} Layers[${i}]`, `the layer ${JSON.stringify(layer)} (only layers of the assembly)`);
      fs.cpSync(codeDirectory(assembly, layerResource.properties.Content, `${where} Layers[${i}]`, scratch), optDir!, { recursive: true });
    });
    for (const [key, value] of Object.entries(environment)) {
      if (value === '/opt' || value.startsWith('/opt/')) environment[key] = optDir + value.slice('/opt'.length);
    }
  }
  const name = resolver.physicalOf(resource).ref;
  const role = p.Role?.['Fn::GetAtt']?.[0];
  return {
    resource,
    name,
    arn: resolver.physicalOf(resource).attributes.Arn,
    codeDir,
    handler: String(p.Handler ?? 'index.handler'),
    timeoutSeconds: Number(p.Timeout ?? 3),
    memorySize: Number(p.MemorySize ?? 128),
    environment,
    optDir,
    roleLogicalId: typeof role === 'string' ? role : undefined,
  };
}

/** The values the runtime environment adds, standing for Lambda's own. */
export interface RuntimeEnvironment {
  readonly region: string;
  /** Credentials of the function's role (distinct per function, so fronts can tell callers apart). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string };
  /** AWS_ENDPOINT_URL_* of the stand-ins (the SDK's service-specific endpoint variables). */
  readonly endpoints: Record<string, string>;
  /** Extra CA certificates the function trusts (local HTTPS stand-ins). */
  readonly extraCaCerts?: string;
  /** The directory standing for /var/runtime/node_modules (./runtime-modules.ts). */
  readonly runtimeModules: string;
}

/** One execution environment: a child process that runs one invocation at a time, as Lambda's do. */
interface ExecutionEnvironment {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  busy: boolean;
  done?: (r: InvocationResult) => void;
}

/**
 * One local function: up to `maxEnvironments` execution environments (child processes, started on demand),
 * each running one invocation at a time, so a function's timeout counts from when an environment takes the
 * invocation (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html). Invocations wait for a
 * free environment beyond that.
 */
export class LocalFunction {
  public readonly invocations: Array<{ readonly event: unknown; outcome?: InvocationResult }> = [];
  /** What the function printed (its CloudWatch log, here). */
  public output = '';
  private readonly environments: ExecutionEnvironment[] = [];
  private readonly waiting: Array<(env: ExecutionEnvironment | undefined) => void> = [];
  private stopped = false;

  constructor(
    public readonly definition: FunctionDefinition,
    private readonly runtime: RuntimeEnvironment,
    private readonly echo: boolean = false,
    private readonly maxEnvironments: number = 4,
  ) {}

  /** The full environment of the child process. */
  public get processEnvironment(): Record<string, string> {
    const d = this.definition;
    const runtimeDir = path.dirname(process.execPath);
    // Lambda's Node.js runtimes put the layers and the runtime's own modules (the AWS SDK v3) on NODE_PATH.
    const nodePath = [...(d.optDir ? [path.join(d.optDir, 'nodejs', 'node_modules'), d.optDir] : []), this.runtime.runtimeModules].join(path.delimiter);
    return {
      PATH: `${runtimeDir}${path.delimiter}/usr/local/bin:/usr/bin:/bin`,
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      _HANDLER: d.handler,
      AWS_REGION: this.runtime.region,
      AWS_DEFAULT_REGION: this.runtime.region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${String(d.resource.properties.Runtime)}`,
      AWS_LAMBDA_FUNCTION_NAME: d.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(d.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${d.name}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_ACCESS_KEY_ID: this.runtime.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.runtime.credentials.secretAccessKey,
      AWS_SESSION_TOKEN: this.runtime.credentials.sessionToken,
      LAMBDA_TASK_ROOT: d.codeDir,
      NODE_PATH: nodePath,
      ...this.runtime.endpoints,
      ...(this.runtime.extraCaCerts ? { NODE_EXTRA_CA_CERTS: this.runtime.extraCaCerts } : {}),
      LOCAL_FUNCTION_TIMEOUT: String(d.timeoutSeconds),
      LOCAL_FUNCTION_ARN: d.arn,
      ...d.environment,
    };
  }

  /** Starts the first execution environment (a bundle that fails to load shows here). */
  public async start(): Promise<void> {
    if (this.environments.length === 0) this.spawn();
    await this.environments[0].ready;
  }

  /** Invokes the function with `event` (synchronously, as API Gateway and event source mappings do). */
  public async invoke(event: unknown): Promise<InvocationResult> {
    const record: { event: unknown; outcome?: InvocationResult } = { event };
    this.invocations.push(record);
    // An environment that dies before it is ready (or a function already stopped) fails this invocation, as
    // Lambda answers Runtime.ExitError: it never rejects, so a fire-and-forget $disconnect cannot go unhandled.
    const env = this.stopped ? undefined : await this.acquire().catch(() => undefined);
    if (!env) {
      record.outcome = { error: { errorType: 'Runtime.ExitError', errorMessage: `${this.definition.name}: no execution environment` } };
      return record.outcome;
    }
    const outcome = await new Promise<InvocationResult>((resolve) => {
      env.done = resolve;
      env.child.send({ id: this.invocations.length, event });
    });
    record.outcome = outcome;
    env.busy = false;
    env.done = undefined;
    const next = this.waiting.shift();
    if (next) {
      env.busy = true;
      next(env);
    }
    return outcome;
  }

  public async stop(): Promise<void> {
    this.stopped = true;
    for (const next of this.waiting.splice(0)) next(undefined);
    await Promise.all(
      this.environments.map(
        (env) =>
          new Promise<void>((resolve) => {
            if (env.child.exitCode !== null || env.child.signalCode !== null) return resolve();
            env.child.once('exit', () => resolve());
            env.child.kill();
          }),
      ),
    );
  }

  private async acquire(): Promise<ExecutionEnvironment> {
    let env = this.environments.find((e) => !e.busy);
    if (!env && this.environments.length < this.maxEnvironments) env = this.spawn();
    if (env) {
      env.busy = true;
      await env.ready;
      return env;
    }
    const waited = await new Promise<ExecutionEnvironment | undefined>((resolve) => this.waiting.push(resolve));
    if (!waited) throw new Error(`${this.definition.name} stopped`);
    await waited.ready;
    return waited;
  }

  private spawn(): ExecutionEnvironment {
    const child = fork(path.join(__dirname, 'function-worker.js'), [], {
      cwd: this.definition.codeDir,
      env: this.processEnvironment,
      execArgv: ['--require', path.join(__dirname, 'sandbox.js')],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const capture = (chunk: Buffer) => {
      this.output += chunk.toString();
      if (this.output.length > 1_000_000) this.output = this.output.slice(-500_000);
      if (this.echo) process.stderr.write(`[${this.definition.resource.logicalId}] ${chunk}`);
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    const env: ExecutionEnvironment = {
      child,
      busy: false,
      ready: new Promise<void>((resolve, reject) => {
        child.once('error', reject);
        child.on('message', (m: any) => {
          if (m.ready) return resolve();
          env.done?.(m.error ? { error: m.error } : { result: m.result });
        });
        child.once('exit', (code) => {
          reject(new Error(`${this.definition.name} exited with ${code} before it was ready: ${this.output.slice(-2000)}`));
          env.done?.({ error: { errorType: 'Runtime.ExitError', errorMessage: `exited with ${code}` } });
        });
      }),
    };
    env.ready.catch(() => undefined);
    this.environments.push(env);
    return env;
  }
}
