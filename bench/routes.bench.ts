/**
 * Route scaling, side by side: for N routes (4 methods GET/POST/PUT/DELETE on `/res{k}/{id}`, k = floor(i/4),
 * Lambda integrations over a pool of 20 inline functions in the same stack) it builds a fresh env-agnostic
 * App + Stack with
 *   - ours: SecuredRestApi + JWT authorization, a request schema on every POST (shards into nested stacks),
 *   - L2:   apigateway.LambdaRestApi ({ proxy: false }) + resourceForPath().addMethod(),
 *   - SC:   @aws-solutions-constructs/aws-apigateway-lambda ApiGatewayToLambda ({ proxy: false }, IAM auth
 *           by default) + resourceForPath().addMethod(),
 * and measures in-process construction + app.synth() time (process.hrtime; median of 3 runs for N <= 400,
 * one run for N = 1000, after one warm-up of a small N per variant) and, over every `*.template.json` in the
 * assembly directory (nested templates included): stack count, max resources in one stack, largest template,
 * total bytes. "Deployable" means every template within CloudFormation's limits (500 resources, 1,000,000 bytes;
 * CDK's own 500-resource synth guard is lifted via `@aws-cdk/core:stackResourceLimit: 0` so the baselines still
 * synthesize) AND no finding of the library's DeployReadinessCheck (AWS's deploy-time rules: Lambda policy size,
 * nested-stack API Gateway rates, cache keys, ...), listed by rule id. The API Gateway write calls a first deploy
 * makes are counted from the templates (PutMethod, PutIntegration, method and integration responses,
 * CreateResource, CreateModel, ...), with the time they take at the account's fixed 10 requests per second.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
// A devDependency on purpose: only this benchmark uses it, the published library never does.
// eslint-disable-next-line import/no-extraneous-dependencies
import { ApiGatewayToLambda } from '@aws-solutions-constructs/aws-apigateway-lambda';
import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiAuthorization, DeployReadinessCheck, SecuredRestApi } from '../src';
import type { BenchResult } from './index';

const SIZES = [10, 100, 400, 1000];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const POOL = 20;
const MAX_RESOURCES = 500;
const MAX_TEMPLATE_BYTES = 1_000_000;

type Variant = 'ours' | 'L2' | 'SC';
const VARIANTS: Variant[] = ['ours', 'L2', 'SC'];

interface Sample {
  readonly ms: number;
  readonly stacks: number;
  readonly maxResources: number;
  readonly maxBytes: number;
  readonly totalBytes: number;
  /** Deploy-readiness findings by rule id. */
  readonly findings: Record<string, number>;
  /** API Gateway write calls of a first deploy. */
  readonly apiCalls: number;
}

/** API Gateway's fixed control-plane rate per account and region (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html). */
const API_GATEWAY_RPS = 10;

/** The API Gateway write calls CloudFormation makes to create a resource (reads and retries not counted). */
function apiGatewayCalls(resource: any): number {
  const p = resource.Properties ?? {};
  switch (resource.Type) {
    case 'AWS::ApiGateway::Method': // PutMethod, PutIntegration, PutMethodResponse and PutIntegrationResponse each
      return 1 + (p.Integration ? 1 : 0) + (p.MethodResponses ?? []).length + (p.Integration?.IntegrationResponses ?? []).length;
    case 'AWS::ApiGateway::Stage': // CreateStage, then UpdateStage for method settings
      return 2;
    default:
      return resource.Type.startsWith('AWS::ApiGateway::') ? 1 : 0;
  }
}

/** Deploy-readiness findings of an assembly, by rule id. */
function readiness(assembly: { readonly stacks: { readonly templateFullPath: string; readonly hierarchicalId: string }[] }, app: App): Record<string, number> {
  const stackTemplates = assembly.stacks.map((s) => ({ templatePath: s.templateFullPath, stackConstructPath: s.hierarchicalId, accountId: undefined, region: undefined }));
  const report = new DeployReadinessCheck().validate({ templatePaths: stackTemplates.map((s) => s.templatePath), stackTemplates, appConstruct: app });
  const out: Record<string, number> = {};
  for (const v of report.violations) out[v.ruleName] = (out[v.ruleName] ?? 0) + 1;
  return out;
}

function route(i: number): { method: string; path: string } {
  return { method: METHODS[i % METHODS.length], path: `/res${Math.floor(i / METHODS.length)}/{id}` };
}

function build(stack: Stack, variant: Variant, routes: number): void {
  const fns = Array.from({ length: POOL }, (_, i) => new lambda.Function(stack, `Fn${i}`, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "{}" });'),
  }));
  if (variant === 'ours') {
    const api = new SecuredRestApi(stack, 'Api', {
      authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['bench'] }),
    });
    const requestSchema: apigateway.JsonSchema = {
      type: apigateway.JsonSchemaType.OBJECT,
      properties: { name: { type: apigateway.JsonSchemaType.STRING } },
    };
    for (let i = 0; i < routes; i++) {
      const r = route(i);
      api.addRoute(r.method, r.path, new apigateway.LambdaIntegration(fns[i % POOL]), r.method === 'POST' ? { requestSchema } : {});
    }
    return;
  }
  const root = variant === 'L2'
    ? new apigateway.LambdaRestApi(stack, 'Api', { handler: fns[0], proxy: false }).root
    : new ApiGatewayToLambda(stack, 'Api', { existingLambdaObj: fns[0], apiGatewayProps: { proxy: false } }).apiGateway.root;
  for (let i = 0; i < routes; i++) {
    const r = route(i);
    root.resourceForPath(r.path).addMethod(r.method, new apigateway.LambdaIntegration(fns[i % POOL]));
  }
}

function synthOnce(variant: Variant, routes: number): Sample {
  const started = process.hrtime.bigint();
  // CDK refuses to synthesize a stack over 500 resources: lift that guard (for every variant alike) so the
  // baselines reach the table, where oversized templates are flagged instead.
  const app = new App({ context: { '@aws-cdk/core:stackResourceLimit': 0 } });
  build(new Stack(app, 'Bench'), variant, routes);
  const assembly = app.synth();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  let stacks = 0;
  let maxResources = 0;
  let maxBytes = 0;
  let totalBytes = 0;
  let apiCalls = 0;
  for (const file of fs.readdirSync(assembly.directory).filter((f) => f.endsWith('.template.json'))) {
    const text = fs.readFileSync(path.join(assembly.directory, file), 'utf8');
    const bytes = Buffer.byteLength(text);
    stacks++;
    const resources = Object.values<any>(JSON.parse(text).Resources ?? {});
    maxResources = Math.max(maxResources, resources.length);
    apiCalls += resources.reduce((n, r) => n + apiGatewayCalls(r), 0);
    maxBytes = Math.max(maxBytes, bytes);
    totalBytes += bytes;
  }
  const findings = readiness(assembly, app);
  fs.rmSync(assembly.directory, { recursive: true, force: true });
  return { ms, stacks, maxResources, maxBytes, totalBytes, findings, apiCalls };
}

function measure(variant: Variant, routes: number): Sample {
  const runs = 3;
  const samples = Array.from({ length: runs }, () => synthOnce(variant, routes)).sort((a, b) => a.ms - b.ms);
  return samples[Math.floor(runs / 2)];
}

function deployable(s: Sample): string {
  const reasons: string[] = [];
  if (s.maxResources > MAX_RESOURCES) reasons.push(`>${MAX_RESOURCES} resources`);
  if (s.maxBytes > MAX_TEMPLATE_BYTES) reasons.push('>1 MB template');
  for (const [rule, count] of Object.entries(s.findings)) reasons.push(`${rule} x${count}`);
  return reasons.length === 0 ? 'yes' : `no (${reasons.join(', ')})`;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

export async function run(): Promise<BenchResult> {
  for (const variant of VARIANTS) synthOnce(variant, 10); // warm-up
  const rows: (string | number)[][] = [];
  const ratios: string[] = [];
  const first = {} as Record<Variant, Sample>;
  for (const routes of SIZES) {
    const byVariant = {} as Record<Variant, Sample>;
    for (const variant of VARIANTS) {
      const s = measure(variant, routes);
      byVariant[variant] = s;
      rows.push([routes, variant, s.stacks, s.maxResources, s.maxBytes, s.totalBytes, Math.round(s.totalBytes / routes),
        Math.round(s.ms), round(s.ms / routes, 2), s.apiCalls, Math.round(s.apiCalls / API_GATEWAY_RPS), deployable(s)]);
    }
    const { ours, L2, SC } = byVariant;
    const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
    ratios.push(`N=${routes}: ours/L2 bytes/route ${ratio(ours.totalBytes, L2.totalBytes)}, ms/route ${ratio(ours.ms, L2.ms)};`
      + ` ours/SC bytes/route ${ratio(ours.totalBytes, SC.totalBytes)}, ms/route ${ratio(ours.ms, SC.ms)}`);
    if (routes === SIZES[0]) {
      Object.assign(first, byVariant);
    } else {
      // What each route adds beyond the fixed architecture (WAF, logs, alarms, authorizer... for ours).
      const added = (v: Variant, key: 'totalBytes' | 'ms') => (byVariant[v][key] - first[v][key]) / (routes - SIZES[0]);
      ratios.push(`  per added route (N=${SIZES[0]}->${routes}): bytes ours ${Math.round(added('ours', 'totalBytes'))}, L2 ${Math.round(added('L2', 'totalBytes'))}, `
        + `SC ${Math.round(added('SC', 'totalBytes'))}; ms ours ${added('ours', 'ms').toFixed(2)}, L2 ${added('L2', 'ms').toFixed(2)}, SC ${added('SC', 'ms').toFixed(2)}`);
    }
  }
  return {
    title: `Routes: ours (SecuredRestApi, JWT) vs L2 LambdaRestApi vs Solutions Constructs ApiGatewayToLambda (synth ms median of 3; CDK_VALIDATION=${process.env.CDK_VALIDATION ?? 'unset'})`,
    columns: ['routes', 'variant', 'stacks', 'max resources', 'max template bytes', 'total bytes', 'bytes/route', 'synth ms', 'ms/route',
      'API GW writes', `min s at ${API_GATEWAY_RPS}/s`, 'deployable'],
    rows,
    notes: ['ratios (same N, so per-route ratios equal totals ratios), and the cost of each added route:', ...ratios,
      `deployable: every template <= ${MAX_RESOURCES} resources and <= ${MAX_TEMPLATE_BYTES.toLocaleString('en-US')} bytes, and no DeployReadinessCheck finding (rule x count otherwise)`,
      `API GW writes: API Gateway write calls of a first deploy, counted from the templates; min s: at the account's fixed ${API_GATEWAY_RPS} requests/s`],
  };
}
