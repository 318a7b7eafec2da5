/**
 * Deploy readiness, REST caching keys and execution-log groups.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { findingsOf, stack } from './deploy-readiness/support';

const backend = (path: string) => new apigateway.HttpIntegration(`https://backend.example.com${path}`, { proxy: true });

/** A REST API whose stage caches every GET (`/*\/*` CachingEnabled, cache cluster on). */
function cachedApi(s: Stack): apigateway.RestApi {
  return new apigateway.RestApi(s, 'Api', {
    deployOptions: { cacheClusterEnabled: true, cachingEnabled: true, cacheClusterSize: '0.5' },
  });
}

describe('RestCacheKey', () => {
  // API Gateway keys a cache entry on the resource and method plus CacheKeyParameters only; cache key parameters
  // must also be method request parameters
  // (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html#enable-api-gateway-cache-keys;
  // https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegration.html).
  test('GET /orders/{id} cached without method.request.path.id in its key is found (issue 9 item 7)', () => {
    const s = stack();
    cachedApi(s).root.resourceForPath('/orders/{id}').addMethod('GET', backend('/orders/{id}'));
    expect(findingsOf(s, 'RestCacheKey')).toEqual([
      {
        rule: 'RestCacheKey',
        path: 'Test/Api/Default/orders/{id}/GET/Resource',
        message: expect.stringMatching(/: GET \/orders\/\{id\} is cached by stage Test\/Api\/DeploymentStage\.prod\/Resource but method\.request\.path\.id \(path parameter\) is not in CacheKeyParameters$/),
      },
    ]);
  });

  test('the path parameter declared and keyed passes; POST is not cached by the `*` setting; a cluster without caching enabled caches nothing', () => {
    const s = stack();
    const orders = cachedApi(s).root.resourceForPath('/orders/{id}');
    orders.addMethod('GET', new apigateway.HttpIntegration('https://backend.example.com/orders/{id}', {
      options: { cacheKeyParameters: ['method.request.path.id'], requestParameters: { 'integration.request.path.id': 'method.request.path.id' } },
    }), { requestParameters: { 'method.request.path.id': true } });
    orders.addMethod('POST', backend('/orders/{id}'));
    expect(findingsOf(s, 'RestCacheKey')).toEqual([]);

    const uncached = stack();
    new apigateway.RestApi(uncached, 'Api', { deployOptions: { cacheClusterEnabled: true } }).root.resourceForPath('/orders/{id}').addMethod('GET', backend('/x'));
    expect(findingsOf(uncached, 'RestCacheKey')).toEqual([]);
  });

  test('a declared query string that is not keyed, and a key that is not declared, are found', () => {
    const s = stack();
    cachedApi(s).root.addResource('search').addMethod('GET', new apigateway.HttpIntegration('https://backend.example.com/search', {
      options: { cacheKeyParameters: ['method.request.header.Accept-Language'] },
    }), { requestParameters: { 'method.request.querystring.q': true } });
    const [finding] = findingsOf(s, 'RestCacheKey');
    expect(finding.message).toContain('method.request.querystring.q (declared request parameter) is not in CacheKeyParameters');
    expect(finding.message).toContain('cache key method.request.header.Accept-Language is not declared in the method\'s RequestParameters');
  });

  test('per-caller authorization: an authorizer\'s identity header must be keyed; IAM callers cannot be', () => {
    const s = stack();
    const api = cachedApi(s);
    const fn = new lambda.Function(s, 'Auth', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('x') });
    const authorizer = new apigateway.TokenAuthorizer(s, 'Token', { handler: fn });
    api.root.addResource('me').addMethod('GET', backend('/me'), { authorizer });
    api.root.addResource('admin').addMethod('GET', backend('/admin'), { authorizationType: apigateway.AuthorizationType.IAM });
    api.root.addResource('keyed').addMethod('GET', new apigateway.HttpIntegration('https://backend.example.com/keyed', {
      options: { cacheKeyParameters: ['method.request.header.Authorization'] },
    }), { authorizer, requestParameters: { 'method.request.header.Authorization': true } });
    const found = findingsOf(s, 'RestCacheKey').map((f) => f.message.replace(/^.*? is cached by stage \S+ but /, ''));
    expect(found).toEqual([
      'method.request.header.Authorization (caller identity) is not in CacheKeyParameters',
      'AWS_IAM authorization has no stable caller identity to key on, so callers share entries',
    ]);
  });

  test('a method setting that turns caching off for one method wins over `/*/*`', () => {
    const s = stack();
    const api = new apigateway.RestApi(s, 'Api', {
      deployOptions: {
        cacheClusterEnabled: true,
        cachingEnabled: true,
        methodOptions: { '/orders/{id}/GET': { cachingEnabled: false } },
      },
    });
    api.root.resourceForPath('/orders/{id}').addMethod('GET', backend('/orders/{id}'));
    expect(findingsOf(s, 'RestCacheKey')).toEqual([]);
  });
});

describe('ExecutionLogGroup', () => {
  // API Gateway writes execution logs to API-Gateway-Execution-Logs_{apiId}/{stage} and creates the group itself,
  // unencrypted and never expiring, when absent (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html).
  const loggingRestApi = (s: Stack) => {
    const api = new apigateway.RestApi(s, 'Api', { deployOptions: { loggingLevel: apigateway.MethodLoggingLevel.INFO } });
    api.root.addMethod('GET', new apigateway.MockIntegration());
    return api;
  };

  test('a REST stage that logs without the pre-created group is found', () => {
    const s = stack();
    loggingRestApi(s);
    expect(findingsOf(s, 'ExecutionLogGroup')).toEqual([
      expect.objectContaining({ path: 'Test/Api/DeploymentStage.prod/Resource', message: expect.stringContaining('creates no log group named API-Gateway-Execution-Logs_{apiId}/prod for Test/Api/Resource') }),
    ]);
  });

  test('the exact name from the API id, with KMS and retention, passes; without them the group is found', () => {
    const s = stack();
    const api = loggingRestApi(s);
    new logs.LogGroup(s, 'Exec', { logGroupName: `API-Gateway-Execution-Logs_${api.restApiId}/prod`, encryptionKey: new kms.Key(s, 'Key'), retention: logs.RetentionDays.ONE_YEAR });
    expect(findingsOf(s, 'ExecutionLogGroup')).toEqual([]);

    const bare = stack();
    const api2 = loggingRestApi(bare);
    new logs.LogGroup(bare, 'Exec', { logGroupName: `API-Gateway-Execution-Logs_${api2.restApiId}/prod`, retention: logs.RetentionDays.INFINITE, removalPolicy: RemovalPolicy.DESTROY });
    expect(findingsOf(bare, 'ExecutionLogGroup')).toEqual([
      expect.objectContaining({ path: 'Test/Exec/Resource', message: 'Test/Exec/Resource: the execution log group of Test/Api/DeploymentStage.prod/Resource has no KMS key and no retention' }),
    ]);
  });

  test('a WebSocket stage with logging needs the same name; /aws/apigateway/{id}/prod is not it (issue 9 item 9)', () => {
    const build = (name: (apiId: string) => string) => {
      const s = stack();
      const api = new apigatewayv2.CfnApi(s, 'Api', { name: 'chat', protocolType: 'WEBSOCKET', routeSelectionExpression: '$request.body.action' });
      new apigatewayv2.CfnStage(s, 'Stage', { apiId: api.ref, stageName: 'prod', defaultRouteSettings: { loggingLevel: 'INFO' } });
      new logs.LogGroup(s, 'Exec', { logGroupName: name(api.ref), encryptionKey: new kms.Key(s, 'Key'), retention: logs.RetentionDays.ONE_YEAR });
      return s;
    };
    expect(findingsOf(build((id) => `/aws/apigateway/${id}/prod`), 'ExecutionLogGroup')).toEqual([expect.objectContaining({ path: 'Test/Stage' })]);
    expect(findingsOf(build((id) => `API-Gateway-Execution-Logs_${id}/prod`), 'ExecutionLogGroup')).toEqual([]);
  });
});
