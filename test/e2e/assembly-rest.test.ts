/**
 * End to end, driven by the synthesized assembly: `SecuredRestApi` with the bundled JWT authorizer (a local
 * HTTPS issuer), routes with scopes, a validated POST and a cached GET, served by the local REST front from the
 * templates alone (resource tree, authorizer type / identity sources / TTL, request validators and models, Lambda
 * proxy integrations, stage cache and method settings, the cache-control custom resource run at "deploy" time
 * against the control-plane stand-in). Called with Node's HTTP client (fetch).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { LocalIssuer, startLocalIssuer } from '../support/local/issuer';
import { LocalCloud, startLocalCloud } from '../support/local/local-cloud';
import { RestFront } from '../support/local/rest-front';
import { synthesize } from '../support/local/synth';

/** A backend that echoes what API Gateway passed it, with a per-environment call counter. */
const BACKEND = `let calls = 0;
exports.handler = async (event) => ({
  statusCode: 200,
  body: JSON.stringify({ calls: ++calls, resource: event.resource, id: event.pathParameters && event.pathParameters.id,
    principal: event.requestContext.authorizer && event.requestContext.authorizer.principalId, body: event.body }),
});`;

/** A TOKEN authorizer allowing GET on /orders/* only, for any token but "deny". */
const TOKEN_AUTHORIZER = `exports.handler = async (event) => {
  if (event.authorizationToken === 'deny') throw new Error('Unauthorized');
  const [arn, path] = [event.methodArn.split('/')[0], '/*/GET/orders/*'];
  return { principalId: event.authorizationToken, policyDocument: { Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: arn + path }] } };
};`;

function backend(scope: Stack, id: string, code: string): lambda.Function {
  return new lambda.Function(scope, id, { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline(code), timeout: Duration.seconds(10) });
}

let issuer: LocalIssuer;
let cloud: LocalCloud;
let front: RestFront;

function ordersAssembly(mutate: (api: SecuredRestApi) => void = () => undefined): string {
  return synthesize((app) => {
    const stack = new Stack(app, 'RestE2E');
    const api = new SecuredRestApi(stack, 'Orders', {
      authorization: ApiAuthorization.jwt({ issuer: issuer.issuer, audience: ['orders'], jwksUri: issuer.jwksUri }),
      stage: { cache: {} },
    });
    const fn = new apigateway.LambdaIntegration(backend(stack, 'Backend', BACKEND));
    api.addRoute('GET', '/orders/{id}', fn, { scopes: ['orders:read'] });
    api.addRoute('POST', '/orders', fn, {
      scopes: ['orders:write'],
      requestSchema: { type: apigateway.JsonSchemaType.OBJECT, required: ['sku'], properties: { sku: { type: apigateway.JsonSchemaType.STRING, pattern: '^[A-Z0-9-]{3,32}$' } } },
    });
    mutate(api);
  });
}

const token = (sub: string, scope: string) => issuer.token(sub, { aud: 'orders', scope, token_use: 'access' });
const call = async (f: RestFront, method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
  const res = await fetch(`${f.url()}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};
const authorizerCalls = (f: RestFront) => [...f.auth.invocations.values()].reduce((a, b) => a + b, 0);

beforeAll(async () => {
  issuer = await startLocalIssuer();
  cloud = await startLocalCloud(ordersAssembly(), { extraCaCerts: issuer.certFile });
  front = cloud.rest[0];
}, 120_000);

afterAll(async () => {
  await cloud?.close();
  await issuer?.close();
});

describe('SecuredRestApi with the bundled JWT authorizer, served from its assembly', () => {
  const reader = () => ({ Authorization: `Bearer ${token('reader', 'orders:read')}` });

  test('the methods, their authorizer and the deploy-time custom resource come from the assembly', () => {
    expect(front.model.methods.map((m) => `${m.httpMethod} ${m.path}`).sort()).toEqual(expect.arrayContaining(['GET /orders/{id}', 'POST /orders']));
    expect(front.model.methods.every((m) => m.authorizer?.functionArn)).toBe(true);
    expect(cloud.deployed.some((d) => d.includes('SUCCESS'))).toBe(true);
  });

  test('no token: 401 without invoking the authorizer; an unknown route: 403 Missing Authentication Token', async () => {
    const before = authorizerCalls(front);
    const res = await call(front, 'GET', '/orders/1');
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('Unauthorized');
    expect(authorizerCalls(front)).toBe(before);
    expect((await call(front, 'GET', '/nowhere', reader())).status).toBe(403);
  });

  test('a token with the route\'s scope reaches the Lambda proxy integration with the caller\'s identity', async () => {
    const res = await call(front, 'GET', '/orders/1', reader());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resource: '/orders/{id}', id: '1', principal: 'reader' });
  });

  test('the stage cache serves the second identical GET without calling the integration; the id and the caller\'s token are part of the key', async () => {
    // The caller's token is part of the cache key (so one caller is never served another's response): the calls
    // that must hit send the same token, as a client reusing its access token does. A token minted per call would
    // change with its iat at a second boundary and miss, as it would in API Gateway.
    const calls = () => front.integrationCalls.get('GET /orders/{id}') ?? 0;
    const auth = reader();
    const first = await call(front, 'GET', '/orders/7', auth);
    const n = calls();
    const again = await call(front, 'GET', '/orders/7', auth);
    expect(again.body).toEqual(first.body);
    expect(calls()).toBe(n);
    const other = await call(front, 'GET', '/orders/8', auth);
    expect(other.body.id).toBe('8');
    const minted = issuer.token('reader', { aud: 'orders', scope: 'orders:read', token_use: 'access', iat: Math.floor(Date.now() / 1000) - 5 });
    const sameUserOtherToken = await call(front, 'GET', '/orders/7', { Authorization: `Bearer ${minted}` });
    expect(sameUserOtherToken.body.id).toBe('7');
    expect(calls()).toBe(n + 2);
  });

  test('Cache-Control: max-age=0 from a caller not authorized to invalidate does not invalidate (settings from the deploy-time custom resource)', async () => {
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html#invalidate-method-caching:
    // only callers allowed execute-api:InvalidateCache invalidate; others get the stage's unauthorized strategy.
    const settings = front.model.stages[0].methodSettings;
    expect(settings.every((s) => s.requireAuthorizationForCacheControl === true)).toBe(true);
    const strategy = settings[0].unauthorizedCacheControlHeaderStrategy;
    expect(cloud.controlPlane.calls.some((c) => c.startsWith('PATCH /restapis/'))).toBe(true);
    const auth = reader(); // the same token on both calls: it is part of the cache key (see the test above)
    const first = await call(front, 'GET', '/orders/9', auth);
    const n = front.integrationCalls.get('GET /orders/{id}');
    const res = await call(front, 'GET', '/orders/9', { ...auth, 'Cache-Control': 'max-age=0' });
    expect(res.status).toBe(strategy === 'FAIL_WITH_403' ? 403 : 200);
    if (res.status === 200) expect(res.body).toEqual(first.body);
    expect(front.integrationCalls.get('GET /orders/{id}')).toBe(n);
  });

  test('a token without the write scope cannot POST; with it, the body is validated against the model (draft 4)', async () => {
    expect((await call(front, 'POST', '/orders', reader(), { sku: 'ABC-1' })).status).toBe(403);
    const writer = { Authorization: `Bearer ${token('writer', 'orders:write')}` };
    const before = front.integrationCalls.get('POST /orders') ?? 0;
    const bad = await call(front, 'POST', '/orders', writer, { quantity: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('Invalid request body');
    expect((await call(front, 'POST', '/orders', writer, { sku: 'lower' })).status).toBe(400);
    expect(front.integrationCalls.get('POST /orders') ?? 0).toBe(before);
    const ok = await call(front, 'POST', '/orders', writer, { sku: 'ABC-1' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body.body)).toEqual({ sku: 'ABC-1' });
  });
});

describe('API Gateway rules the front applies, on a Lambda TOKEN authorizer of the assembly', () => {
  let tokenCloud: LocalCloud;
  let f: RestFront;

  beforeAll(async () => {
    const dir = synthesize((app) => {
      const stack = new Stack(app, 'TokenE2E');
      const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.lambdaToken(backend(stack, 'Authorizer', TOKEN_AUTHORIZER)) });
      const fn = new apigateway.LambdaIntegration(backend(stack, 'Backend', BACKEND));
      api.addRoute('GET', '/orders/{id}', fn);
      api.addRoute('POST', '/orders', fn);
    });
    tokenCloud = await startLocalCloud(dir);
    f = tokenCloud.rest[0];
  }, 120_000);

  afterAll(async () => tokenCloud?.close());

  test('the policy is cached by token (TTL from the template) and evaluated with IAM wildcards against each method ARN', async () => {
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
    expect(f.model.methods.find((m) => m.path === '/orders')?.authorizer?.ttlSeconds).toBe(300);
    expect((await call(f, 'GET', '/orders/1', { Authorization: 'alice' })).status).toBe(200);
    expect(authorizerCalls(f)).toBe(1);
    expect((await call(f, 'GET', '/orders/2', { Authorization: 'alice' })).status).toBe(200);
    // The cached policy allows GET /orders/* only: POST is refused from the cache, without a new invocation.
    const post = await call(f, 'POST', '/orders', { Authorization: 'alice' });
    expect(post.status).toBe(403);
    expect(authorizerCalls(f)).toBe(1);
    expect((await call(f, 'GET', '/orders/1', { Authorization: 'bob' })).status).toBe(200);
    expect(authorizerCalls(f)).toBe(2);
    expect((await call(f, 'GET', '/orders/1', { Authorization: 'deny' })).status).toBe(401);
  });
});

describe('routes sharded into nested stacks', () => {
  test('methods of nested route stacks are served from their nested templates, through the parent\'s parameters', async () => {
    const dir = synthesize((app) => {
      const stack = new Stack(app, 'ShardE2E');
      const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.lambdaToken(backend(stack, 'Authorizer', TOKEN_AUTHORIZER)), routeSharding: { routesInParent: 1, shards: 2 } });
      const fn = new apigateway.LambdaIntegration(backend(stack, 'Backend', BACKEND));
      for (const path of ['/orders/{id}', '/orders/{id}/items/{item}', '/orders/{id}/notes', '/orders/{id}/lines/{line}']) api.addRoute('GET', path, fn);
    });
    const sharded = await startLocalCloud(dir);
    try {
      const nested = sharded.assembly.stacks[0].nested;
      expect(nested.some((n) => [...n.resources.values()].some((r) => r.type === 'AWS::ApiGateway::Method'))).toBe(true);
      const f = sharded.rest[0];
      for (const [path, resource] of [['/orders/1', '/orders/{id}'], ['/orders/1/items/2', '/orders/{id}/items/{item}'], ['/orders/1/notes', '/orders/{id}/notes'], ['/orders/1/lines/3', '/orders/{id}/lines/{line}']]) {
        const res = await call(f, 'GET', path, { Authorization: 'alice' });
        expect([path, res.status, res.body.resource]).toEqual([path, 200, resource]);
      }
    } finally {
      await sharded.close();
    }
  }, 120_000);
});

describe('the wiring comes only from the assembly', () => {
  test('the authorizer\'s identity source changed to another header: Authorization tokens get 401 without invoking it', async () => {
    const mutated = await startLocalCloud(
      ordersAssembly((api) => {
        const cfn = api.node.findAll().find((c): c is apigateway.CfnAuthorizer => c instanceof apigateway.CfnAuthorizer)!;
        cfn.addPropertyOverride('IdentitySource', 'method.request.header.X-Token');
      }),
      { extraCaCerts: issuer.certFile },
    );
    try {
      const f = mutated.rest[0];
      expect((await call(f, 'GET', '/orders/1', { Authorization: `Bearer ${token('reader', 'orders:read')}` })).status).toBe(401);
      expect(authorizerCalls(f)).toBe(0);
    } finally {
      await mutated.close();
    }
  }, 120_000);
});
