/**
 * SecuredRestApi against AWS's deploy-time rules (test/support/deploy-rules.ts has each rule and its source):
 * cache keys, cache invalidation settings, root method settings, log group names, alarm delivery, and what happens
 * to a removed route.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ApiAuthorization, CacheSize, RouteOptions, SecuredRestApi, SecuredRestApiProps } from '../../src';
import { alarmDeliveryProblems, cacheKeyProblems, retainedLogGroupsWithFixedNames } from '../support/deploy-rules';
import { backendFunction, newStack } from '../support/fixtures';

const cached = { stage: { cache: { size: CacheSize.GB_0_5 } } };
const backend = (path: string) => new apigateway.HttpIntegration(`https://backend.example.com${path}`, { proxy: true });

/** The routes every cache test adds: a list with declared query and header, an item, the root, a greedy proxy. */
function cachedApi(authorization: (stack: Stack) => ApiAuthorization, routeOptions: RouteOptions = {}) {
  const stack = newStack();
  const api = new SecuredRestApi(stack, 'Api', { authorization: authorization(stack), ...cached });
  api.addRoute('GET', '/orders', backend('/orders'), {
    ...routeOptions,
    requestParameters: { 'method.request.querystring.page': false, 'method.request.header.X-Tenant': false },
  });
  api.addRoute('GET', '/orders/{id}', backend('/orders/{id}'), routeOptions);
  api.addRoute('GET', '/', backend('/'), routeOptions);
  api.addRoute('GET', '/files/{path+}', backend('/files/{path}'), routeOptions);
  api.addRoute('POST', '/orders', backend('/orders'), routeOptions);
  return { stack, api, template: Template.fromStack(stack) };
}

function settingOf(template: Template, resourcePath: string, httpMethod: string): any {
  const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0];
  return stage.Properties.MethodSettings.find((s: any) => s.ResourcePath === resourcePath && s.HttpMethod === httpMethod);
}

const WARNING = (id: string) => Match.stringLikeRegexp(`cdk-apigateway-patterns:${id}`);

describe('rule: every cached method is keyed on its path parameters, declared query strings and headers, and the caller', () => {
  test('the pre-fix key (the token header only) is a violation: /orders/2 would return the cached /orders/1', () => {
    // GIVEN a cached stage whose GET /orders/{id} is keyed on the Authorization header alone
    const stack = newStack();
    const api = new apigateway.RestApi(stack, 'Plain', { deployOptions: { cacheClusterEnabled: true, cachingEnabled: true } });
    const fn = backendFunction(stack, 'Fn');
    const authorizer = new apigateway.TokenAuthorizer(stack, 'Auth', { handler: fn });
    const method = api.root.addResource('orders').addResource('{id}').addMethod('GET', new apigateway.MockIntegration(), {
      authorizer,
      requestParameters: { 'method.request.path.id': true, 'method.request.header.Authorization': false },
    });
    (method.node.defaultChild as apigateway.CfnMethod).addPropertyOverride('Integration.CacheKeyParameters', ['method.request.header.Authorization']);
    // THEN
    expect(cacheKeyProblems(Template.fromStack(stack).toJSON())).toEqual(['GET /orders/{id}: method.request.path.id is not in the cache key']);
  });

  test.each<[string, (stack: Stack) => ApiAuthorization, string[]]>([
    ['Cognito', (stack) => ApiAuthorization.cognito(new cognito.UserPool(stack, 'Pool')), ['method.request.header.Authorization']],
    ['JWT', () => ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['orders'] }), ['method.request.header.Authorization']],
    ['Lambda TOKEN', (stack) => ApiAuthorization.lambdaToken(backendFunction(stack, 'Authorizer'), { headerName: 'X-Token' }), ['method.request.header.X-Token']],
    [
      'Lambda REQUEST (header and query string)',
      (stack) => ApiAuthorization.lambdaRequest(backendFunction(stack, 'Authorizer'), ['method.request.header.X-Key', 'method.request.querystring.session', 'stageVariables.tenant']),
      ['method.request.header.X-Key', 'method.request.querystring.session'],
    ],
    ['none', () => ApiAuthorization.none(), []],
  ])('%s: every cached method complies, and its key holds exactly what it reads', (_name, authorization, identity) => {
    const { template } = cachedApi(authorization);
    expect(cacheKeyProblems(template.toJSON())).toEqual([]);
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      Integration: Match.objectLike({ CacheKeyParameters: ['method.request.querystring.page', 'method.request.header.X-Tenant', ...identity] }),
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      Integration: Match.objectLike({ CacheKeyParameters: ['method.request.path.id', ...identity] }),
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      Integration: Match.objectLike({ CacheKeyParameters: ['method.request.path.path', ...identity] }),
    });
  });

  test('IAM: callers (a per-request SigV4 signature) cannot be keyed, so its GET routes are not cached', () => {
    const { template, stack } = cachedApi(() => ApiAuthorization.iam());
    expect(cacheKeyProblems(template.toJSON())).toEqual([]);
    for (const path of ['/~1orders', '/~1orders~1{id}', '/', '/~1files~1{path+}']) {
      expect(settingOf(template, path, 'GET')).toMatchObject({ CachingEnabled: false, CacheDataEncrypted: true });
    }
    Annotations.fromStack(stack).hasNoWarning('*', WARNING('CacheSharedAcrossCallers'));
  });

  test('IAM with cache.enabled: true is the explicit opt-in: cached, shared across callers, with a warning id', () => {
    const { template, stack } = cachedApi(() => ApiAuthorization.iam(), { cache: { enabled: true } });
    expect(settingOf(template, '/~1orders~1{id}', 'GET')).toMatchObject({ CachingEnabled: true });
    Annotations.fromStack(stack).hasWarning('/Test/Api', WARNING('CacheSharedAcrossCallers'));
    expect(cacheKeyProblems(template.toJSON())).toEqual(expect.arrayContaining(['GET /orders/{id}: an IAM method is cached, its callers share entries']));
  });

  test('a REQUEST authorizer identified by a context variable is not cached unless opted in', () => {
    const auth = (stack: Stack) => ApiAuthorization.lambdaRequest(backendFunction(stack, 'Authorizer'), ['method.request.header.X-Key', 'context.identity.sourceIp']);
    const { template } = cachedApi(auth);
    expect(settingOf(template, '/~1orders~1{id}', 'GET')).toMatchObject({ CachingEnabled: false });
    const optedIn = cachedApi(auth, { cache: { enabled: true } });
    Annotations.fromStack(optedIn.stack).hasWarning('/Test/Api', WARNING('CacheSharedAcrossCallers'));
  });

  test('cache.keyParameters naming a path parameter the path does not have fails', () => {
    const stack = newStack();
    const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.none(), ...cached });
    expect(() => api.addRoute('GET', '/orders/{id}', backend('/orders/{id}'), { cache: { keyParameters: ['method.request.path.orderId'] } })).toThrow(
      'Test/Api: invalid route GET /orders/{id} cache.keyParameters "method.request.path.orderId": names a path parameter that /orders/{id} does not have',
    );
  });
});

describe('root route method settings', () => {
  test('a setting of the root route renders ResourcePath "/", as CloudFormation documents', () => {
    // AWS::ApiGateway::Stage MethodSetting ResourcePath: "To specify the root path, use only a slash (/)".
    const stack = newStack();
    const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam() });
    api.addRoute('GET', '/', backend('/'), { throttle: { rateLimit: 5, burstLimit: 10 } });
    const template = Template.fromStack(stack);
    expect(settingOf(template, '/', 'GET')).toMatchObject({ ThrottlingRateLimit: 5 });
    expect(settingOf(template, '/~1', 'GET')).toBeUndefined();
  });
});

describe('cache invalidation settings reach every method setting and follow their changes', () => {
  function build(ttl: number, props: Partial<SecuredRestApiProps> = {}) {
    const stack = newStack();
    const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.none(), ...cached, ...props });
    api.addRoute('GET', '/', backend('/'));
    api.addRoute('GET', '/orders/{id}', backend('/orders/{id}'), { cache: { ttl: Duration.seconds(ttl) } });
    api.addRoute('POST', '/orders', backend('/orders'));
    return { stack, api, get template() { return Template.fromStack(stack); } };
  }
  const properties = (t: Template) => Object.values(t.findResources('Custom::StageCacheControl'))[0].Properties;

  test('the custom resource names the stage-wide setting and every method setting of its own', () => {
    const { template } = build(30);
    expect(properties(template).MethodSettingKeys).toEqual(['*/*', '~1orders~1{id}/GET', '~1orders/POST']);
    expect(properties(template).DeploymentId).toEqual({ Ref: expect.stringMatching(/^ApiDeployment/) });
  });

  test('a change to any method setting changes the custom resource\'s properties, so CloudFormation sends an Update', () => {
    const a = properties(build(30).template);
    const b = properties(build(60).template);
    expect(a.MethodSettingsFingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(b.MethodSettingsFingerprint).not.toEqual(a.MethodSettingsFingerprint);
    expect(properties(build(30).template).MethodSettingsFingerprint).toEqual(a.MethodSettingsFingerprint);
  });

  test('grantInvalidateCache grants execute-api:InvalidateCache on the stage\'s methods', () => {
    const { stack, api } = build(30);
    const role = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    api.grantInvalidateCache(role, 'GET', '/orders/*');
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'execute-api:InvalidateCache',
            Resource: { 'Fn::Join': ['', Match.arrayWith([':execute-api:', { Ref: Match.stringLikeRegexp('DeploymentStageprod') }, '/GET/orders/*'])] },
          }),
        ],
      },
    });
  });
});

describe('deploy-time rules over the whole template', () => {
  test('no retained log group has a fixed name, and CloudWatch may publish to the alarm topic', () => {
    const { template } = cachedApi(() => ApiAuthorization.none());
    expect(retainedLogGroupsWithFixedNames(template.toJSON())).toEqual([]);
    expect(alarmDeliveryProblems(template.toJSON())).toEqual([]);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
  });
});

/**
 * aws-cdk#14660: CloudFormation creates the new AWS::ApiGateway::Deployment (a snapshot of the API as it is then) in
 * its update phase and deletes removed resources only in the cleanup phase that follows, so the deployment taken by
 * the deploy that removes a route still contains it. No dependency can order a new resource after the deletion of a
 * resource that is no longer in the template; the README gives the procedure (one more deployment).
 */
describe('a removed route (aws-cdk#14660)', () => {
  function synth(paths: string[], salt?: string) {
    const stack = newStack();
    const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam() });
    for (const p of paths) api.addRoute('GET', p, backend(p));
    if (salt) api.api.latestDeployment?.addToLogicalId(salt);
    const template = Template.fromStack(stack).toJSON();
    const [deploymentId, deployment] = Object.entries<any>(template.Resources).find(([, r]) => r.Type === 'AWS::ApiGateway::Deployment')!;
    const stage = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::ApiGateway::Stage');
    const methods = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::ApiGateway::Method').map(([id]) => id);
    return { template, deploymentId, deployment, stage, methods };
  }

  test('the next template drops the method and points the stage at a new deployment, which can depend only on what remains', () => {
    const before = synth(['/a', '/b']);
    const after = synth(['/a']);
    expect(before.methods).toHaveLength(2);
    expect(after.methods).toHaveLength(1);
    expect(after.deploymentId).not.toEqual(before.deploymentId);
    expect(after.stage.Properties.DeploymentId).toEqual({ Ref: after.deploymentId });
    expect(after.deployment.DependsOn).toEqual(expect.arrayContaining(after.methods));
    expect(after.deployment.DependsOn.filter((d: string) => !(d in after.template.Resources))).toEqual([]);
  });

  test('the procedure: one more deploy with a new deployment id (addToLogicalId) snapshots the API without the route', () => {
    const after = synth(['/a']);
    const redeployed = synth(['/a'], 'routes-removed-1');
    expect(redeployed.deploymentId).not.toEqual(after.deploymentId);
    expect(redeployed.methods).toEqual(after.methods);
    expect(redeployed.stage.Properties.DeploymentId).toEqual({ Ref: redeployed.deploymentId });
  });
});
