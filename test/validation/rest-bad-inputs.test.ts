/**
 * Bad input to SecuredRestApi and the shared REST base fails at synth time with a message naming the construct
 * path, the prop, the bad value and what is allowed (LIMITS.md).
 */
import { Duration, Lazy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { ApiAuthorization, CacheSize, RouteOptions, SecuredRestApi, SecuredRestApiProps } from '../../src';
import { PropValidationError } from '../../src/core/private/validation';
import { backendFunction, newStack } from '../support/fixtures';
import { REST_PATTERN_ROWS, RestPatternProps } from '../support/rest-patterns';

type Case = [name: string, props: RestPatternProps, message: string];
type SecuredCase = [name: string, props: Partial<SecuredRestApiProps>, message: string];
type RouteCase = [name: string, method: string, path: string, options: RouteOptions, message: string];

const jwt = (o: Partial<Parameters<typeof ApiAuthorization.jwt>[0]>) =>
  ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['orders'], ...o });

const propCases: Case[] = [
  ['stage name with a space', { stage: { stageName: 'my stage' } }, 'Test/Api: invalid stage.stageName "my stage": must be 1-128 letters, digits, "-" or "_"'],
  ['stage name too long', { stage: { stageName: 'a'.repeat(129) } }, 'invalid stage.stageName "aaaa'],
  ['empty stage name', { stage: { stageName: '' } }, 'Test/Api: invalid stage.stageName "": must be 1-128'],
  ['stage variable key with dash', { stage: { variables: { 'bad-key': 'v' } } }, 'Test/Api: invalid stage.variables key "bad-key": must be 1-64 letters, digits or "_"'],
  ['stage variable key too long', { stage: { variables: { ['k'.repeat(65)]: 'v' } } }, 'invalid stage.variables key "kkkk'],
  ['stage variable value with space', { stage: { variables: { k: 'a b' } } }, 'Test/Api: invalid stage.variables.k "a b": must contain only A-Za-z0-9-._~:/?#&=,'],
  ['stage variable value too long', { stage: { variables: { k: 'v'.repeat(513) } } }, 'Test/Api: invalid stage.variables.k "vvvv'],
  ['too many stage variables', { stage: { variables: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, 'v'])) } }, 'Test/Api: invalid stage.variables "101 item(s)": must have between 0 and 100 item(s)'],
  ['negative throttle rate', { stage: { throttle: { rateLimit: -1 } } }, 'Test/Api: invalid stage.throttle.rateLimit -1: must be a number >= 0'],
  ['fractional burst', { stage: { throttle: { burstLimit: 10.5 } } }, 'Test/Api: invalid stage.throttle.burstLimit 10.5: must be an integer >= 0'],
  ['negative burst', { stage: { throttle: { burstLimit: -5 } } }, 'Test/Api: invalid stage.throttle.burstLimit -5'],
  ['cache size not offered', { stage: { cache: { size: CacheSize.of('2') } } }, 'Test/Api: invalid stage.cache.size "2": must be one of "0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"'],
  ['cache TTL above 3600 s', { stage: { cache: { ttl: Duration.hours(2) } } }, 'Test/Api: invalid stage.cache.ttl 2 hours: must be between 0 and 3600 seconds'],
  ['cache TTL with milliseconds', { stage: { cache: { ttl: Duration.millis(1500) } } }, 'Test/Api: invalid stage.cache.ttl 1 second 500 millis: must be a whole number of seconds'],
  ['logging OFF', { stage: { loggingLevel: apigateway.MethodLoggingLevel.OFF } }, 'Test/Api: invalid stage.loggingLevel "OFF": must be ERROR or INFO (OFF violates Control Tower CT.APIGATEWAY.PR.1)'],
  ['CORS without origins', { cors: { allowOrigins: [] } }, 'Test/Api: invalid cors.allowOrigins "0 item(s)": must have at least 1 item(s)'],
  ['CORS * with credentials', { cors: { allowOrigins: ['*'], allowCredentials: true } }, 'Test/Api: invalid cors.allowOrigins "*": must list explicit origins when allowCredentials is true'],
  ['CORS origin with a path', { cors: { allowOrigins: ['https://app.example.com/login'] } }, 'Test/Api: invalid cors.allowOrigins "https://app.example.com/login": entries must be origins'],
  ['CORS origin without scheme', { cors: { allowOrigins: ['app.example.com'] } }, 'Test/Api: invalid cors.allowOrigins "app.example.com"'],
  ['CORS duplicate origins', { cors: { allowOrigins: ['https://a.example', 'https://a.example'] } }, 'Test/Api: invalid cors.allowOrigins "https://a.example": must not contain duplicates'],
  ['CORS max age above 2 h', { cors: { allowOrigins: ['https://a.example'], maxAge: Duration.hours(3) } }, 'Test/Api: invalid cors.maxAge 3 hours: must be between 0 and 7200 seconds'],
  ['resource policy bad CIDR', { resourcePolicy: { allowedSourceCidrs: ['10.0.0.0/33'] } }, 'Test/Api: invalid resourcePolicy.allowedSourceCidrs "10.0.0.0/33": entries must be IPv4 or IPv6 addresses or CIDR ranges'],
  ['resource policy /0', { resourcePolicy: { deniedSourceCidrs: ['0.0.0.0/0'] } }, 'Test/Api: invalid resourcePolicy.deniedSourceCidrs "0.0.0.0/0": must not be a /0 range'],
  ['resource policy not an IP', { resourcePolicy: { deniedSourceCidrs: ['example.com'] } }, 'Test/Api: invalid resourcePolicy.deniedSourceCidrs "example.com"'],
  ['resource policy bad account', { resourcePolicy: { allowedAccounts: ['12345'] } }, 'Test/Api: invalid resourcePolicy.allowedAccounts "12345": entries must be 12-digit AWS account ids'],
  ['JWT issuer over http', { authorization: jwt({ issuer: 'http://login.example.com/' }) }, 'Test/Api: invalid authorization.issuer "http://login.example.com/": must be an https URL'],
  ['JWT issuer not a URL', { authorization: jwt({ issuer: 'login.example.com' }) }, 'Test/Api: invalid authorization.issuer "login.example.com": must be an https URL'],
  ['JWT without audience', { authorization: jwt({ audience: [] }) }, 'Test/Api: invalid authorization.audience "0 item(s)": must have at least 1 item(s)'],
  ['JWT audience with a space', { authorization: jwt({ audience: ['my api'] }) }, 'Test/Api: invalid authorization.audience "my api": entries must be non-empty strings without spaces'],
  ['JWT JWKS over http', { authorization: jwt({ jwksUri: 'http://login.example.com/jwks' }) }, 'Test/Api: invalid authorization.jwksUri "http://login.example.com/jwks": must be an https URL'],
  ['JWT header name with a space', { authorization: jwt({ headerName: 'X Token' }) }, 'Test/Api: invalid authorization.headerName "X Token": must be an HTTP header name'],
  ['JWT cache TTL above 1 h', { authorization: jwt({ resultsCacheTtl: Duration.hours(2) }) }, 'Test/Api: invalid authorization.resultsCacheTtl 2 hours: must be between 0 and 3600 seconds'],
  ['JWT scope with a space', { authorization: jwt({ requiredScopes: ['orders read'] }) }, 'Test/Api: invalid authorization.requiredScopes "orders read"'],
  ['observability threshold', { observability: { alarmThresholds: { serverErrorRatePercent: 101 } } }, 'Test/Api/Observability: invalid alarmThresholds.serverErrorRatePercent 101: must be a number between 0 and 100 percent'],
  ['alarm e-mail not an address', { observability: { alarmEmails: ['oncall'] } }, 'Test/Api/Observability: invalid alarmEmails "oncall": entries must be e-mail addresses such as ops@example.com'],
  ['firewall body limit WAF cannot inspect', { firewall: { maxBodySizeBytes: 100_000 } }, 'Test/Api/Firewall: invalid maxBodySizeBytes 100000: must be an integer between 0 and 65536 (WAF inspects at most 64 KB of a body)'],
];

/** Bad input only SecuredRestApi refuses (the other REST patterns have their own tables). */
const securedRestApiCases: SecuredCase[] = [
  ['PRIVATE endpoint on the public API', { endpointType: apigateway.EndpointType.PRIVATE }, 'Test/Api: invalid endpointType "PRIVATE": must be one of "REGIONAL", "EDGE"'],
];

const routeCases: RouteCase[] = [
  ['unknown method', 'FETCH', '/orders', {}, 'Test/Api: invalid route method "FETCH": must be one of "ANY", "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"'],
  ['path without leading slash', 'GET', 'orders', {}, 'Test/Api: invalid route path "orders": must start with "/"'],
  ['path with trailing slash', 'GET', '/orders/', {}, 'Test/Api: invalid route path "/orders/": must not end with "/"'],
  ['empty segment', 'GET', '/orders//items', {}, 'Test/Api: invalid route path "/orders//items": segment "" must be a literal or {name} / {name+} path parameter'],
  ['unbalanced parameter', 'GET', '/orders/{id', {}, 'Test/Api: invalid route path "/orders/{id": segment "{id" must be a literal'],
  ['greedy parameter not last', 'GET', '/files/{path+}/meta', {}, 'Test/Api: invalid route path "/files/{path+}/meta": a greedy {name+} parameter must be the last segment'],
  ['parameter twice', 'GET', '/a/{id}/b/{id}', {}, 'Test/Api: invalid route path "/a/{id}/b/{id}": path parameter id appears twice'],
  ['space in path', 'GET', '/my orders', {}, 'Test/Api: invalid route path "/my orders"'],
  ['bad request parameter', 'GET', '/orders', { requestParameters: { 'query.page': true } }, 'Test/Api: invalid requestParameters "query.page": keys must look like method.request.{header|querystring|path}.<name>'],
  ['bad operation name', 'GET', '/orders', { operationName: 'list-orders' }, 'Test/Api: invalid operationName "list-orders": must be an identifier'],
  ['method response status of 2 digits', 'GET', '/orders', { methodResponses: [{ statusCode: '20' }] }, 'Test/Api: invalid route GET /orders methodResponses "20": status codes must be 3 digits, 100-599'],
  ['method response status 600', 'GET', '/orders', { methodResponses: [{ statusCode: '600' }] }, 'Test/Api: invalid route GET /orders methodResponses "600": status codes must be 3 digits'],
  ['method response status twice', 'GET', '/orders', { methodResponses: [{ statusCode: '200' }, { statusCode: '200' }] }, 'Test/Api: invalid route GET /orders methodResponses "200": each status code at most once'],
  ['route throttle negative', 'GET', '/orders', { throttle: { rateLimit: -3 } }, 'Test/Api: invalid route GET /orders throttle.rateLimit -3: must be a number >= 0'],
  ['route cache TTL too long', 'GET', '/orders', { cache: { ttl: Duration.seconds(3601) } }, 'Test/Api: invalid route GET /orders cache.ttl 1 hour 1 second: must be between 0 and 3600 seconds'],
  ['bad cache key parameter', 'GET', '/orders', { cache: { keyParameters: ['page'] } }, 'Test/Api: invalid cache.keyParameters "page"'],
  ['cache key on a missing path parameter', 'GET', '/orders/{id}', { cache: { keyParameters: ['method.request.path.orderId'] } }, 'Test/Api: invalid route GET /orders/{id} cache.keyParameters "method.request.path.orderId": names a path parameter that /orders/{id} does not have'],
  ['scopes on IAM routes', 'GET', '/orders', { scopes: ['orders/read'] }, 'Test/Api: invalid route scopes ["orders/read"]: apply only to COGNITO or JWT authorization, not IAM'],
  ['REQUEST authorizer bad identity source', 'GET', '/orders', { authorization: ApiAuthorization.lambdaRequest(undefined as never, ['header.X-Key']) }, 'Test/Api: invalid authorization.identitySources "header.X-Key": entries must be method.request.header.X'],
  ['REQUEST authorizer cached without sources', 'GET', '/orders', { authorization: ApiAuthorization.lambdaRequest(undefined as never, []) }, 'Test/Api: invalid authorization.identitySources []: must name at least one source when results are cached'],
  ['TOKEN authorizer bad header', 'GET', '/orders', { authorization: ApiAuthorization.lambdaToken(undefined as never, { headerName: 'Bad Header' }) }, 'Test/Api: invalid authorization.headerName "Bad Header"'],
  ['Cognito scope with a space', 'GET', '/orders', { authorization: ApiAuthorization.cognito(undefined as never, { scopes: ['a b'] }) }, 'Test/Api: invalid authorization.scopes "a b"'],
];

describe.each(REST_PATTERN_ROWS)('%s rejects bad props', (_pattern, entry) => {
  test.each(propCases)('%s', (_name, props, message) => {
    const run = () => {
      const api = entry.build(newStack(), props);
      api.addRoute('GET', '/orders', new apigateway.MockIntegration());
    };
    expect(run).toThrow(PropValidationError);
    expect(run).toThrow(message);
  });
});

describe('SecuredRestApi rejects what only it refuses', () => {
  test.each(securedRestApiCases)('%s', (_name, props, message) => {
    const run = () => {
      const api = new SecuredRestApi(newStack(), 'Api', { authorization: ApiAuthorization.iam(), ...props });
      api.addRoute('GET', '/orders', new apigateway.MockIntegration());
    };
    expect(run).toThrow(PropValidationError);
    expect(run).toThrow(message);
  });
});

describe.each(REST_PATTERN_ROWS)('%s addRoute rejects bad routes', (_pattern, entry) => {
  test.each(routeCases)('%s', (_name, method, path, options, message) => {
    const api = entry.build(newStack());
    const run = () => api.addRoute(method, path, new apigateway.MockIntegration(), options);
    expect(run).toThrow(PropValidationError);
    expect(run).toThrow(message);
  });

  test('a duplicate route is refused', () => {
    const api = entry.build(newStack());
    api.addRoute('get', '/orders', new apigateway.MockIntegration());
    expect(() => api.addRoute('GET', '/orders', new apigateway.MockIntegration())).toThrow(
      'Test/Api: invalid route "GET /orders": is already defined (each method and path once)',
    );
  });
});

describe('unresolved tokens are skipped, never rejected', () => {
  test('token stage name, variables and throttle synthesize', () => {
    const stack = newStack();
    const fn = backendFunction(stack, 'Backend');
    const pool = new cognito.UserPool(stack, 'Pool');
    const api = new SecuredRestApi(stack, 'Api', {
      authorization: ApiAuthorization.cognito(pool),
      stage: {
        variables: { backend: Lazy.string({ produce: () => 'blue green' }) },
        throttle: { rateLimit: Lazy.number({ produce: () => -1 }) },
      },
    });
    expect(() => api.addRoute('GET', '/orders', new apigateway.LambdaIntegration(fn))).not.toThrow();
  });

  test(`${propCases.length + securedRestApiCases.length + routeCases.length + 1} distinct bad inputs are covered`, () => {
    const all = [...propCases, ...securedRestApiCases, ...routeCases].map((c) => c[0]);
    expect(all.length + 1).toBeGreaterThanOrEqual(40);
    expect(new Set(all).size).toBe(all.length);
  });
});
