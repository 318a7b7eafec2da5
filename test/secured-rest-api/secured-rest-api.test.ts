import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { ApiAuthorization, CacheSize, SecuredRestApi, SecuredRestApiProps } from '../../src';
import { backendFunction, newStack } from '../support/fixtures';

function build(props: Partial<SecuredRestApiProps> = {}, stack: Stack = newStack()) {
  const fn = backendFunction(stack, 'Backend');
  const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam(), ...props });
  api.addRoute('GET', '/orders', new apigateway.LambdaIntegration(fn));
  api.addRoute('POST', '/orders', new apigateway.LambdaIntegration(fn), {
    requestSchema: { type: apigateway.JsonSchemaType.OBJECT, required: ['item'], properties: { item: { type: apigateway.JsonSchemaType.STRING } } },
  });
  api.addRoute('GET', '/orders/{id}', new apigateway.LambdaIntegration(fn));
  return { stack, api, fn, template: () => Template.fromStack(stack) };
}

describe('SecuredRestApi defaults', () => {
  test('a REGIONAL API with a prod stage: JSON access logs, ERROR execution logging, X-Ray, metrics, default throttling', () => {
    const { template } = build();
    const t = template();
    t.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          MetricsEnabled: true,
          ThrottlingRateLimit: 1000,
          ThrottlingBurstLimit: 2000,
        }),
      ]),
      ClientCertificateId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClientCertificate'), 'ClientCertificateId'] },
    });
    t.resourceCountIs('AWS::ApiGateway::ClientCertificate', 1);
  });

  test('the stage waits for the execution log group (exact name) and the account logging role', () => {
    const { template } = build();
    const t = template();
    t.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: Match.stringLikeRegexp('^Api[A-F0-9]{8}$') }, '/prod']] },
    });
    const stage = Object.values(t.findResources('AWS::ApiGateway::Stage'))[0];
    expect(stage.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/ExecutionLogs/), expect.stringMatching(/ApiGatewayAccountLoggingAccount/)]));
    t.resourceCountIs('AWS::ApiGateway::Account', 1);
  });

  test('every method is authorized with the default authorization', () => {
    const { template } = build();
    const methods = Object.values(template().findResources('AWS::ApiGateway::Method'));
    expect(methods).toHaveLength(3);
    for (const m of methods) expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
  });

  test('a schema creates a model and the body validator; other routes validate parameters', () => {
    const { template } = build();
    const t = template();
    t.resourceCountIs('AWS::ApiGateway::Model', 1);
    t.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    t.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: false, ValidateRequestParameters: true });
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestModels: { 'application/json': { Ref: Match.stringLikeRegexp('postOrdersModel') } },
      RequestValidatorId: { Ref: Match.stringLikeRegexp('BodyAndParametersValidator') },
    });
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      RequestParameters: { 'method.request.path.id': true },
      RequestValidatorId: { Ref: Match.stringLikeRegexp('ApiParametersValidator') },
    });
  });

  test('4XX and 5XX gateway responses return a JSON error body', () => {
    const { template } = build();
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      template().hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
      });
    }
  });

  test('one Lambda permission per function per API, never two per method', () => {
    const { template } = build();
    const permissions = Object.values(template().findResources('AWS::Lambda::Permission'));
    expect(permissions).toHaveLength(1);
    expect(JSON.stringify(permissions[0].Properties.SourceArn)).toContain('/*/*/*');
  });

  test('a literal account sets SourceAccount on the permission (Control Tower CT.LAMBDA.PR.2)', () => {
    const { template } = build({}, newStack('Env', { env: { account: '123456789012', region: 'eu-west-1' } }));
    template().hasResourceProperties('AWS::Lambda::Permission', { SourceAccount: '123456789012' });
  });

  test('observability: 4 alarms, a dashboard, and the API exposes metric helpers and grantInvoke', () => {
    const { template, api } = build();
    const t = template();
    t.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(api.observability.alarms).toHaveLength(4);
    expect(api.metricServerError().metricName).toBe('5XXError');
    expect(api.metricLatency().statistic).toBe('p99');
    expect(api.routes).toEqual(['GET /orders', 'POST /orders', 'GET /orders/{id}']);
  });

  test('no cache by default', () => {
    const { template } = build();
    template().hasResourceProperties('AWS::ApiGateway::Stage', { CacheClusterEnabled: false });
  });
});

describe('SecuredRestApi overrides', () => {
  test('EDGE endpoint, custom stage name, variables, throttle and INFO logging', () => {
    const { template } = build({
      endpointType: apigateway.EndpointType.EDGE,
      stage: { stageName: 'v1', variables: { backend: 'blue' }, throttle: { rateLimit: 50, burstLimit: 100 }, loggingLevel: apigateway.MethodLoggingLevel.INFO },
    });
    const t = template();
    t.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['EDGE'] } });
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      Variables: { backend: 'blue' },
      MethodSettings: Match.arrayWith([Match.objectLike({ ResourcePath: '/*', LoggingLevel: 'INFO', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })]),
    });
  });

  test('cache: encrypted cluster, GET only by default, Authorization header in the cache key of authorized routes', () => {
    const stack = newStack();
    const fn = backendFunction(stack, 'Backend');
    const api = new SecuredRestApi(stack, 'Api', {
      authorization: ApiAuthorization.lambdaToken(fn),
      stage: { cache: { size: CacheSize.GB_1_6, ttl: Duration.seconds(120) } },
    });
    api.addRoute('GET', '/items', new apigateway.LambdaIntegration(fn));
    api.addRoute('POST', '/items', new apigateway.LambdaIntegration(fn));
    api.addRoute('GET', '/items/{id}', new apigateway.LambdaIntegration(fn), { cache: { ttl: Duration.seconds(30), keyParameters: ['method.request.path.id'] } });
    api.addRoute('GET', '/live', new apigateway.LambdaIntegration(fn), { cache: { enabled: false } });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      CacheClusterEnabled: true,
      CacheClusterSize: '1.6',
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ResourcePath: '/*', CachingEnabled: true, CacheDataEncrypted: true, CacheTtlInSeconds: 120 }),
        Match.objectLike({ ResourcePath: '/~1items', HttpMethod: 'POST', CachingEnabled: false, CacheDataEncrypted: true }),
        Match.objectLike({ ResourcePath: '/~1items~1{id}', HttpMethod: 'GET', CachingEnabled: true, CacheTtlInSeconds: 30 }),
        Match.objectLike({ ResourcePath: '/~1live', HttpMethod: 'GET', CachingEnabled: false }),
      ]),
    });
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      RequestParameters: Match.objectLike({ 'method.request.header.Authorization': false }),
      Integration: Match.objectLike({ CacheKeyParameters: ['method.request.header.Authorization'] }),
    });
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      Integration: Match.objectLike({ CacheKeyParameters: Match.arrayWith(['method.request.path.id', 'method.request.header.Authorization']) }),
    });
    // Unauthorized cache invalidation gets 403: a custom resource PATCHes the stage, with only apigateway:PATCH on it.
    t.hasResourceProperties('Custom::StageCacheControl', { RestApiId: { Ref: Match.stringLikeRegexp('^Api[A-F0-9]{8}$') }, StageName: { Ref: Match.stringLikeRegexp('DeploymentStage') } });
    const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).map((p) => JSON.stringify(p.Properties.PolicyDocument));
    const patch = policies.filter((p) => p.includes('apigateway:PATCH'));
    expect(patch).toHaveLength(1);
    expect(patch[0]).toMatch(/"Action":"apigateway:PATCH"/);
    expect(patch[0]).toContain('/stages/');
  });

  test('per-route throttling renders a method setting', () => {
    const stack = newStack();
    const fn = backendFunction(stack, 'Backend');
    const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam() });
    api.addRoute('POST', '/expensive', new apigateway.LambdaIntegration(fn), { throttle: { rateLimit: 5, burstLimit: 10 } });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([Match.objectLike({ ResourcePath: '/~1expensive', HttpMethod: 'POST', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10, LoggingLevel: 'ERROR' })]),
    });
  });

  test('Cognito with scopes; a route overrides authorization with a Lambda REQUEST authorizer', () => {
    const stack = newStack();
    const fn = backendFunction(stack, 'Backend');
    const pool = new cognito.UserPool(stack, 'Pool');
    const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.cognito(pool, { scopes: ['orders/read'] }) });
    api.addRoute('GET', '/orders', new apigateway.LambdaIntegration(fn));
    api.addRoute('POST', '/orders', new apigateway.LambdaIntegration(fn), { scopes: ['orders/write'] });
    api.addRoute('GET', '/webhook', new apigateway.LambdaIntegration(fn), {
      authorization: ApiAuthorization.lambdaRequest(fn, ['method.request.header.X-Signature']),
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ApiGateway::Authorizer', 2);
    t.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS' });
    t.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'REQUEST', IdentitySource: 'method.request.header.X-Signature' });
    t.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'GET', AuthorizationType: 'COGNITO_USER_POOLS', AuthorizationScopes: ['orders/read'] });
    t.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', AuthorizationScopes: ['orders/write'] });
    t.hasResourceProperties('AWS::ApiGateway::Method', { AuthorizationType: 'CUSTOM' });
  });

  test('JWT: a hardened bundled authorizer whose route-scope map covers exactly its routes', () => {
    const stack = newStack();
    const fn = backendFunction(stack, 'Backend');
    const api = new SecuredRestApi(stack, 'Api', {
      authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['orders'], requiredScopes: ['openid'] }),
    });
    api.addRoute('GET', '/orders', new apigateway.LambdaIntegration(fn), { scopes: ['orders:read'] });
    api.addRoute('POST', '/orders', new apigateway.LambdaIntegration(fn), { scopes: ['orders:write'] });
    api.addRoute('GET', '/admin', new apigateway.LambdaIntegration(fn), { authorization: ApiAuthorization.iam() });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'REQUEST', IdentitySource: 'method.request.header.Authorization,context.httpMethod,context.resourcePath', AuthorizerResultTtlInSeconds: 300 });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      TracingConfig: { Mode: 'Active' },
      ReservedConcurrentExecutions: Match.absent(),
      DeadLetterConfig: Match.absent(),
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
      Environment: {
        Variables: {
          JWT_ISSUER: 'https://login.example.com/',
          JWT_AUDIENCE: 'orders',
          JWT_REQUIRED_SCOPES: 'openid',
          JWT_TOKEN_HEADER: 'Authorization',
          JWT_ROUTES_FILE: '/opt/jwt-authorizer/routes.json',
        },
      },
    });
    expect(api.authorizer).toBeDefined();
    // The role has no inline policy: every permission is in one customer-managed policy.
    t.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('none() warns with an acknowledgeable id', () => {
    const stack = newStack();
    const fn = backendFunction(stack, 'Backend');
    const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.none() });
    api.addRoute('GET', '/public', new apigateway.LambdaIntegration(fn));
    Annotations.fromStack(stack).hasWarning('/Test/Api', Match.stringLikeRegexp('cdk-apigateway-patterns:NoAuthorization'));
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Method', { AuthorizationType: 'NONE' });
  });

  test('CORS: preflight methods and CORS headers on gateway responses', () => {
    const { template } = build({ cors: { allowOrigins: ['https://app.example.com'], allowCredentials: true } });
    const t = template();
    t.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS', AuthorizationType: 'NONE' });
    t.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'DEFAULT_4XX',
      ResponseParameters: Match.objectLike({
        'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'",
        'gatewayresponse.header.Access-Control-Allow-Credentials': "'true'",
      }),
    });
  });

  test('resource policy: allowed and denied source ranges, allowed accounts', () => {
    const { template } = build({
      resourcePolicy: { allowedSourceCidrs: ['203.0.113.0/24'], deniedSourceCidrs: ['203.0.113.7/32'], allowedAccounts: ['111122223333'] },
    });
    template().hasResourceProperties('AWS::ApiGateway::RestApi', {
      Policy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'DenyOutsideAllowedSources', Effect: 'Deny', Condition: { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } } }),
          Match.objectLike({ Sid: 'DenyBlockedSources', Effect: 'Deny', Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.7/32'] } } }),
        ]),
      },
    });
  });

  test('observability.logRemovalPolicy reaches every log group, the WAF log group included', () => {
    const { template } = build({ observability: { logRemovalPolicy: RemovalPolicy.DESTROY } });
    const groups = Object.entries(template().findResources('AWS::Logs::LogGroup'));
    expect(groups.map(([id]) => id)).toEqual(expect.arrayContaining([expect.stringMatching(/^ApiFirewallLogs/)]));
    for (const [id, group] of groups) expect([id, group.DeletionPolicy]).toEqual([id, 'Delete']);
  });

  test('client certificate and account logging can be switched off', () => {
    const { template } = build({ clientCertificate: false, accountLogging: false });
    const t = template();
    t.resourceCountIs('AWS::ApiGateway::ClientCertificate', 0);
    t.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  test('an API without routes fails synthesis with a clear message', () => {
    const stack = newStack();
    new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam() });
    expect(() => Template.fromStack(stack)).toThrow(/Test\/Api: the API has no route: call addRoute\(\) at least once/);
  });
});
