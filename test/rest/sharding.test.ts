/**
 * Route sharding: a 1,000-route API synthesizes into stacks CloudFormation accepts, every method stays a real
 * AWS::ApiGateway::Method in some template, the deployment depends on (and is fingerprinted by) every shard,
 * each function has one permission, and a route's stack does not move when routes are appended.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiAuthorization, RouteShardingOptions, SecuredRestApi } from '../../src';
import { readinessFindings } from '../core/deploy-readiness/support';
import { complianceFindings, formatFindings } from '../support/compliance';
import { backendFunction, newStack } from '../support/fixtures';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const SCHEMA: apigateway.JsonSchema = {
  type: apigateway.JsonSchemaType.OBJECT,
  required: ['name'],
  properties: { name: { type: apigateway.JsonSchemaType.STRING, maxLength: 64 } },
};

interface Built {
  readonly stack: Stack;
  readonly api: SecuredRestApi;
  readonly functions: lambda.Function[];
}

/** Route i: a distinct method and path, below one `/v1` prefix or flat (`/resK/{id}`: 250 top-level paths). */
function routeOf(i: number, flat = false): { method: string; path: string } {
  return { method: METHODS[i % 4], path: `${flat ? '' : '/v1'}/res${Math.floor(i / 4)}/{id}` };
}

interface BuildOptions {
  readonly sharding?: RouteShardingOptions;
  readonly stack?: Stack;
  readonly edit?: number;
  readonly functions?: number;
  readonly flat?: boolean;
}

/** POST routes validate a body, every 10th route has its own throttle. */
function build(routes: number, options: BuildOptions = {}): Built {
  const stack = options.stack ?? newStack('Big');
  const functions = Array.from({ length: options.functions ?? 20 }, (_, i) => backendFunction(stack, `Fn${i}`));
  const api = new SecuredRestApi(stack, 'Api', {
    authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['big'] }),
    cors: { allowOrigins: ['https://app.example.com'] },
    routeSharding: options.sharding,
  });
  for (let i = 0; i < routes; i++) {
    const { method, path: p } = routeOf(i, options.flat);
    api.addRoute(method, p, new apigateway.LambdaIntegration(functions[i % functions.length]), {
      requestSchema: method === 'POST' ? SCHEMA : undefined,
      throttle: i % 10 === 0 ? { rateLimit: 50, burstLimit: 100 } : undefined,
      operationName: options.edit === i ? 'editedOperation' : undefined,
    });
  }
  return { stack, api, functions };
}

interface SynthTemplate {
  readonly file: string;
  readonly bytes: number;
  readonly template: any;
}

function templates(stack: Stack): SynthTemplate[] {
  const dir = App.of(stack)!.node.root instanceof App ? (App.of(stack) as App).synth().directory : '';
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.template.json'))
    .map((file) => {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      return { file, bytes: Buffer.byteLength(text), template: JSON.parse(text) };
    });
}

function resourcesOfType(all: SynthTemplate[], type: string): any[] {
  return all.flatMap((t) => Object.values<any>(t.template.Resources).filter((r) => r.Type === type));
}

/** Which nested stack feeds which (a nested stack parameter taking another nested stack's output). */
function nestedEdges(stack: Stack): Array<[string, string]> {
  const nested = Template.fromStack(stack).findResources('AWS::CloudFormation::Stack');
  const edges: Array<[string, string]> = [];
  for (const [consumer, resource] of Object.entries<any>(nested)) {
    for (const value of Object.values<any>(resource.Properties.Parameters ?? {})) {
      const producer = value?.['Fn::GetAtt']?.[0];
      if (producer && nested[producer]) edges.push([producer, consumer]);
    }
  }
  return edges;
}

/** The nested stacks in DependsOn order, from the one that waits for no other nested stack. */
function creationChain(stack: Stack): string[] {
  const nested = Template.fromStack(stack).findResources('AWS::CloudFormation::Stack');
  const waitsFor = (id: string) => [nested[id].DependsOn ?? []].flat().filter((d: string) => nested[d]);
  const heads = Object.keys(nested).filter((id) => waitsFor(id).length === 0);
  expect(heads).toHaveLength(1);
  const chain = [heads[0]];
  for (let next = heads[0]; ;) {
    const followers = Object.keys(nested).filter((id) => waitsFor(id).includes(next));
    if (followers.length === 0) break;
    expect(followers).toHaveLength(1);
    next = followers[0];
    chain.push(next);
  }
  return chain;
}

function isAcyclic(edges: Array<[string, string]>): boolean {
  const next = new Map<string, string[]>();
  for (const [a, b] of edges) next.set(a, [...(next.get(a) ?? []), b]);
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string): boolean => {
    if (state.get(n) === 'done') return true;
    if (state.get(n) === 'visiting') return false;
    state.set(n, 'visiting');
    const ok = (next.get(n) ?? []).every(visit);
    state.set(n, 'done');
    return ok;
  };
  return [...next.keys()].every(visit);
}

function expectDeployableTemplates(all: SynthTemplate[]): void {
  for (const t of all) {
    const counts = {
      file: t.file,
      resources: Object.keys(t.template.Resources).length <= 500,
      bytes: t.bytes < 1_000_000,
      parameters: Object.keys(t.template.Parameters ?? {}).length <= 200,
      outputs: Object.keys(t.template.Outputs ?? {}).length <= 200,
    };
    expect(counts).toEqual({ file: t.file, resources: true, bytes: true, parameters: true, outputs: true });
  }
}

function deploymentOf(stack: Stack): { id: string; resource: any } {
  const found = Template.fromStack(stack).findResources('AWS::ApiGateway::Deployment');
  const [id] = Object.keys(found);
  return { id, resource: found[id] };
}

describe('an API of 1,000 routes', () => {
  let built: Built;
  let all: SynthTemplate[];
  beforeAll(() => {
    built = build(1000);
    all = templates(built.stack);
  });

  test('every stack holds at most 500 resources, 200 parameters and 200 outputs, and every template is under 1 MB', () => {
    expect(all.length).toBeGreaterThan(1);
    expectDeployableTemplates(all);
  });

  test('nested stacks never depend on each other in a cycle', () => {
    expect(isAcyclic(nestedEdges(built.stack))).toBe(true);
  });

  test('nested stacks are created one at a time: one DependsOn chain through all of them, agreeing with their references', () => {
    // API Gateway's control-plane rates are fixed (about 10 requests/s per account, CreateResource 5/s:
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html); parallel nested stacks of methods,
    // resources and models fail with 429 and fail their rollback too (aws-cdk#22229).
    const chain = creationChain(built.stack);
    expect(chain).toHaveLength(built.api.routeStacks.length);
    const position = new Map(chain.map((id, i) => [id, i]));
    for (const [producer, consumer] of nestedEdges(built.stack)) expect(position.get(producer)!).toBeLessThan(position.get(consumer)!);
  });

  test('the deploy-readiness check finds nothing in it (nested templates included)', () => {
    expect(readinessFindings(built.stack)).toEqual([]);
  });

  test('every route is a real AWS::ApiGateway::Method, authorized and validated, in exactly one template', () => {
    const methods = resourcesOfType(all, 'AWS::ApiGateway::Method').filter((m) => m.Properties.HttpMethod !== 'OPTIONS');
    expect(methods).toHaveLength(1000);
    for (const m of methods) {
      expect(m.Properties.AuthorizationType).toBe('CUSTOM');
      expect(m.Properties.AuthorizerId).toBeDefined();
      expect(m.Properties.RequestValidatorId).toBeDefined();
    }
    expect(methods.filter((m) => m.Properties.RequestModels)).toHaveLength(250);
    expect(built.api.routes).toHaveLength(1000);
  });

  test('the API\'s own stack keeps the first 100 routes; the rest are in nested stacks', () => {
    const own = Template.fromStack(built.stack).findResources('AWS::ApiGateway::Method');
    expect(Object.values(own).filter((m) => m.Properties.HttpMethod !== 'OPTIONS')).toHaveLength(100);
    const routeStacks = built.api.routeStacks.filter((s) => s.node.id.startsWith('Routes'));
    expect(routeStacks.length).toBeGreaterThan(1);
    for (const shard of routeStacks) {
      expect(Template.fromStack(shard).findResources('AWS::ApiGateway::Method')).not.toEqual({});
    }
  });

  test('each path node is created once across all stacks (API Gateway refuses two resources with one path)', () => {
    // 1 (/v1) + 250 (/v1/resK) + 250 (/v1/resK/{id})
    expect(resourcesOfType(all, 'AWS::ApiGateway::Resource')).toHaveLength(501);
  });

  test('one authorizer and two request validators, in the API\'s own stack, shared by every shard', () => {
    expect(resourcesOfType(all, 'AWS::ApiGateway::Authorizer')).toHaveLength(1);
    expect(resourcesOfType(all, 'AWS::ApiGateway::RequestValidator')).toHaveLength(2);
    const own = Template.fromStack(built.stack);
    own.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    own.resourceCountIs('AWS::ApiGateway::RequestValidator', 2);
  });

  test('one Lambda permission per function (scoped to the API) plus the authorizer\'s, none in nested stacks', () => {
    const permissions = resourcesOfType(all, 'AWS::Lambda::Permission');
    expect(permissions).toHaveLength(built.functions.length + 1);
    for (const shard of built.api.routeStacks) Template.fromStack(shard).resourceCountIs('AWS::Lambda::Permission', 0);
  });

  test('the deployment depends on every nested stack of routes', () => {
    const { resource } = deploymentOf(built.stack);
    const own = Template.fromStack(built.stack).findResources('AWS::CloudFormation::Stack');
    expect(Object.keys(own)).toHaveLength(built.api.routeStacks.length);
    expect(resource.DependsOn).toEqual(expect.arrayContaining(Object.keys(own)));
  });

  test('API Gateway\'s default quota of 300 resources per API is reported as a warning with an id', () => {
    Annotations.fromStack(built.stack).hasWarning('/Big/Api', Match.stringLikeRegexp('301 resources \\(paths\\), more than API Gateway\'s default quota of 300 per REST API.*cdk-apigateway-patterns:apiResourceQuota'));
  });

  test('the compliance harness is clean on it (nested templates included)', () => {
    const findings = complianceFindings(built.stack).filter((f) => !/^Big\/Fn\d+/.test(f.resource));
    expect(formatFindings(findings)).toEqual([]);
  });
});

describe('an API of 1,000 routes below 250 top-level paths (flat)', () => {
  let built: Built;
  let all: SynthTemplate[];
  beforeAll(() => {
    built = build(1000, { flat: true });
    all = templates(built.stack);
  });

  test('stays within every per-template limit', () => {
    expectDeployableTemplates(all);
    expect(resourcesOfType(all, 'AWS::ApiGateway::Method').filter((m) => m.Properties.HttpMethod !== 'OPTIONS')).toHaveLength(1000);
    expect(resourcesOfType(all, 'AWS::ApiGateway::Resource')).toHaveLength(500);
  });

  test('top-level path nodes live in path stacks that feed route stacks, never the other way round', () => {
    const edges = nestedEdges(built.stack);
    expect(edges.length).toBeGreaterThan(0);
    for (const [producer, consumer] of edges) {
      expect({ producer, consumer }).toEqual({ producer: expect.stringMatching(/Paths\d/), consumer: expect.stringMatching(/Routes\d/) });
    }
    expect(isAcyclic(edges)).toBe(true);
  });

  test('the creation chain puts the path stacks first, then the route stacks, each by index', () => {
    const names = creationChain(built.stack).map((id) => /(Paths|Routes)\d+/.exec(id)![0]);
    const rank = (name: string) => (name.startsWith('Paths') ? 0 : 1000) + Number(name.replace(/\D/g, ''));
    expect(names).toEqual([...names].sort((a, b) => rank(a) - rank(b)));
    expect(names.slice(0, 2)).toEqual(['Paths0', 'Paths1']);
    expect(readinessFindings(built.stack).filter((f) => f.rule === 'ApiGatewayNestedStackOrder')).toEqual([]);
  });
});

describe('route sharding', () => {
  test('an API within its own stack\'s share has no nested stack and no warning', () => {
    const { stack, api } = build(40);
    expect(api.routeStacks).toEqual([]);
    Template.fromStack(stack).resourceCountIs('AWS::CloudFormation::Stack', 0);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('apiResourceQuota'))).toEqual([]);
  });

  test('editing a method in a nested stack changes the deployment\'s logical id; an identical app does not', () => {
    const base = build(300);
    const same = build(300);
    const edited = build(300, { edit: 250 });
    expect(deploymentOf(same.stack).id).toBe(deploymentOf(base.stack).id);
    expect(deploymentOf(edited.stack).id).not.toBe(deploymentOf(base.stack).id);
    // the edited route really is in a nested stack
    const nested = edited.api.routeStacks.some((s) =>
      Object.values(Template.fromStack(s).findResources('AWS::ApiGateway::Method')).some((m) => m.Properties.OperationName === 'editedOperation'),
    );
    expect(nested).toBe(true);
  });

  test('appending routes never moves a route to another stack', () => {
    const small = build(300);
    const large = build(600);
    const stackOf = (b: Built) => {
      const out = new Map<string, string>();
      for (const s of [b.stack, ...b.api.routeStacks]) {
        for (const m of Object.values(Template.fromStack(s).findResources('AWS::ApiGateway::Method'))) {
          if (m.Properties.HttpMethod !== 'OPTIONS') out.set(m.Properties.OperationName, s.node.id);
        }
      }
      return out;
    };
    const before = stackOf(small);
    const after = stackOf(large);
    expect(before.size).toBe(300);
    for (const [operation, stackId] of before) expect({ operation, stackId: after.get(operation) }).toEqual({ operation, stackId });
  });

  test('routesInParent and shards are validated', () => {
    expect(() => build(1, { sharding: { routesInParent: 0 } })).toThrow(/Big\/Api: invalid routeSharding.routesInParent 0: must be an integer >= 1/);
    expect(() => build(1, { sharding: { shards: 0 } })).toThrow(/invalid routeSharding.shards 0: must be an integer between 1 and 100/);
    expect(() => build(1, { sharding: { shards: 2.5 } })).toThrow(/invalid routeSharding.shards 2.5/);
  });

  test('a nested stack past 500 resources fails the synth with the option to raise', () => {
    const { stack } = build(400, { sharding: { routesInParent: 1, shards: 1 } });
    expect(() => App.of(stack)!.node.root instanceof App && (App.of(stack) as App).synth()).toThrow(
      /Big\/Api\/Routes0: invalid routeSharding.shards 1: this nested stack would hold \d+ resources, more than CloudFormation's 500 per stack; raise routeSharding.shards/,
    );
  });

  test('more top-level paths than the path stacks can pass on fails the synth with what to do', () => {
    const stack = newStack('Wide');
    const fn = backendFunction(stack, 'Fn');
    const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam(), routeSharding: { routesInParent: 1, shards: 40 } });
    api.addRoute('GET', '/', new apigateway.LambdaIntegration(fn));
    for (let i = 0; i < 450; i++) api.addRoute('GET', `/t${i}/x`, new apigateway.LambdaIntegration(fn));
    expect(() => (App.of(stack) as App).synth()).toThrow(
      /Wide\/Api\/Paths\d: invalid routes: the nested stack of top-level paths would hold 2\d\d outputs, more than CloudFormation's 200 per stack; group the routes under fewer first path segments/,
    );
  });

  test('a nested method on a path whose parent node lives in another stack references it instead of recreating it', () => {
    const stack = newStack('Refs');
    const fn = backendFunction(stack, 'Fn');
    const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam(), routeSharding: { routesInParent: 1 } });
    api.addRoute('GET', '/orders', new apigateway.LambdaIntegration(fn));
    api.addRoute('GET', '/orders/{id}', new apigateway.LambdaIntegration(fn));
    expect(api.routeStacks).toHaveLength(1);
    const shard: NestedStack = api.routeStacks[0];
    const nested = Template.fromStack(shard);
    nested.resourceCountIs('AWS::ApiGateway::Resource', 1);
    nested.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{id}', ParentId: { Ref: Match.stringLikeRegexp('^referencetoRefsApiorders') } });
    Template.fromStack(stack).resourceCountIs('AWS::ApiGateway::Resource', 1);
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Permission', 1);
  });
});
