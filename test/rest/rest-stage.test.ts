/**
 * One object per REST stage: each stage owns its method settings, cache and cache-invalidation settings, execution
 * logs, alarms, metrics and WAF association; the base's hooks let patterns shape routes.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { ApiAuthorization, CacheSize, RestApiPattern, RouteOptions, SecuredRestApi } from '../../src';
import { RouteEntry } from '../../src/rest/routes';
import { backendFunction, newStack } from '../support/fixtures';

function api(stack: Stack = newStack()) {
  const a = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam() });
  return { stack, api: a, fn: backendFunction(stack, 'Backend') };
}

describe('RestStage', () => {
  test('the default stage is the first of stages and the singular accessors read it', () => {
    const { api: a } = api();
    expect(a.stages).toEqual([a.defaultStage]);
    expect(a.defaultStage.stage).toBe(a.stage);
    expect(a.defaultStage.stageName).toBe('prod');
    expect(a.executionLogGroup).toBe(a.defaultStage.executionLogGroup);
  });

  test('addStage: a second stage with its own settings, route settings, execution logs, alarms and WAF association', () => {
    const { stack, api: a, fn } = api();
    const dev = a.addStage('Dev', { stageName: 'dev', throttle: { rateLimit: 10, burstLimit: 20 }, variables: { env: 'dev' } });
    a.addRoute('GET', '/orders', new apigateway.LambdaIntegration(fn), { throttle: { rateLimit: 5, burstLimit: 5 } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ApiGateway::Stage', 2);
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'dev',
      Variables: { env: 'dev' },
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 }),
        Match.objectLike({ ResourcePath: '/~1orders', HttpMethod: 'GET', ThrottlingRateLimit: 5 }),
      ]),
    });
    // API Gateway writes each stage's execution logs to API-Gateway-Execution-Logs_{apiId}/{stage}.
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: Match.anyValue() }, '/dev']] } });
    t.resourceCountIs('AWS::WAFv2::WebACLAssociation', 2);
    expect(dev.alarms.length).toBeGreaterThan(0);
    expect(dev.alarms.every((alarm) => !a.defaultStage.alarms.includes(alarm))).toBe(true);
    // The stage's metrics (and so its alarms' and widgets') name this stage, not the default one.
    expect(Stack.of(dev.stage).resolve(dev.metrics.metricServerError().dimensions)).toEqual({ ApiName: expect.anything(), Stage: { Ref: expect.stringMatching(/^ApiDev/) } });
    expect(a.stages.map((s) => s.stageName)).toEqual(['prod', 'dev']);
  });

  test('routes added before a stage reach its method settings too', () => {
    const { stack, api: a, fn } = api();
    a.addRoute('GET', '/orders', new apigateway.LambdaIntegration(fn), { throttle: { rateLimit: 7, burstLimit: 7 } });
    a.addStage('Test', { stageName: 'test' });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'test',
      MethodSettings: Match.arrayWith([Match.objectLike({ ResourcePath: '/~1orders', ThrottlingRateLimit: 7 })]),
    });
  });

  test('each cached stage gets its own cache-invalidation settings, from one shared function', () => {
    const stack = newStack();
    const a = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['a'] }), stage: { cache: { size: CacheSize.GB_0_5 } } });
    a.addStage('Dev', { stageName: 'dev', cache: { size: CacheSize.GB_0_5 } });
    a.addRoute('GET', '/orders', new apigateway.LambdaIntegration(backendFunction(stack, 'Backend')));
    const t = Template.fromStack(stack);
    const resources = Object.values(t.findResources('Custom::StageCacheControl'));
    expect(resources.map((r) => r.Properties.StageName)).toEqual([{ Ref: expect.stringMatching(/DeploymentStage/) }, { Ref: expect.stringMatching(/Dev/) }]);
    expect(Object.keys(t.findResources('AWS::Lambda::Function')).filter((id) => id.includes('CacheControlFunction'))).toHaveLength(1);
  });

  test('bad stages fail with the path, the value and what is allowed', () => {
    const { api: a } = api();
    expect(() => a.addStage('Again', { stageName: 'prod' })).toThrow('Test/Api: invalid stage.stageName "prod": must be unique among the API\'s stages');
    expect(() => a.addStage('Bad', { stageName: 'a b' })).toThrow('Test/Api: invalid stage.stageName "a b"');
    for (let i = 1; i < 10; i++) a.addStage(`S${i}`, { stageName: `s${i}` });
    expect(() => a.addStage('S10', { stageName: 's10' })).toThrow('Test/Api: invalid stages "11 stages": must be at most 10 per REST API (API Gateway quota)');
  });

  test('a cached stage added after uncached routes is refused (their cache keys were not planned)', () => {
    const { api: a, fn } = api();
    a.addRoute('GET', '/orders', new apigateway.LambdaIntegration(fn));
    expect(() => a.addStage('Dev', { stageName: 'dev', cache: {} })).toThrow('Test/Api: invalid stage dev cache "added after routes": add stages with a cache before the first route');
  });
});

/** A pattern using the base's hooks, as MonetizedApi will. */
class KeyedApi extends RestApiPattern {
  public readonly added: string[] = [];
  constructor(scope: Construct, id: string) {
    super(scope, id, { authorization: ApiAuthorization.iam(), endpointType: apigateway.EndpointType.REGIONAL });
  }
  protected _routeDefaults(options: RouteOptions): RouteOptions {
    return { apiKeyRequired: true, ...options };
  }
  protected _onRouteAdded(route: RouteEntry): void {
    this.added.push(`${route.method} ${route.path}`);
  }
}

test('hooks: route defaults apply before the route is built, and the route-added callback sees each route', () => {
  const stack = newStack();
  const a = new KeyedApi(stack, 'Keyed');
  const fn = backendFunction(stack, 'Backend');
  a.addRoute('GET', '/items', new apigateway.LambdaIntegration(fn));
  a.addRoute('POST', '/items', new apigateway.LambdaIntegration(fn), { apiKeyRequired: false });
  const t = Template.fromStack(stack);
  t.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'GET', ApiKeyRequired: true });
  t.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', ApiKeyRequired: false });
  expect(a.added).toEqual(['GET /items', 'POST /items']);
});

test('the user\'s LambdaIntegration is not mutated: it still scopes permissions to its method elsewhere', () => {
  const stack = newStack();
  const fn = backendFunction(stack, 'Backend');
  const integration = new apigateway.LambdaIntegration(fn);
  new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam() }).addRoute('GET', '/a', integration);
  expect((integration as unknown as { scopePermissionToMethod?: boolean }).scopePermissionToMethod).not.toBe(false);
  // One API-scoped permission for the function in the pattern's API.
  Template.fromStack(stack).resourceCountIs('AWS::Lambda::Permission', 1);
});
