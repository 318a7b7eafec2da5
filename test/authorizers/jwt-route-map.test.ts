/**
 * Issue 10.2: the route-scope map leaves the function's environment (Lambda refuses more than 4 KB of environment
 * variables in total, https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html) for a file in a
 * Lambda layer, built at synth time. A 1,000-route API with many scope sets synthesizes with a small environment,
 * and the handler's config parser reads back, from the synthesized cloud assembly, exactly what the construct
 * rendered; the policies it then returns are exact for every route.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { AuthorizerCacheSimulation, SimRoute, concretePaths, servedMethods } from './support/api-gateway-cache';
import { ApiAuthorization, JwtTokenUse, SecuredRestApi, WebSocketChatApi } from '../../src';
import { decide } from '../../src/runtime/jwt/authorize';
import { JwtAuthorizerConfig, parseConfig } from '../../src/runtime/jwt/config';
import { createVerifier } from '../../src/runtime/jwt/verify';
import { readinessFindings } from '../core/deploy-readiness/support';
import { AUDIENCE, ISSUER, claims, requestEvent, rsaKey, sign } from '../handlers/support/jwt';
import { backendFunction } from '../support/fixtures';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'ANY'];
/** Lambda counts the keys and values of every variable toward its 4 KB (4,096 bytes) limit. */
const envBytes = (vars: Record<string, unknown>) =>
  Object.entries(vars).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);

interface Synthesized {
  readonly stack: Stack;
  readonly template: any;
  readonly directory: string;
}

function synth(stack: Stack): Synthesized {
  const assembly = (stack.node.root as App).synth();
  return { stack, template: assembly.getStackByName(stack.stackName).template, directory: assembly.directory };
}

/** Every JWT authorizer function of a template: its logical id, environment and layers. */
function jwtFunctions(template: any): Array<{ id: string; env: Record<string, string>; layers: string[] }> {
  return Object.entries<any>(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.JWT_ISSUER)
    .map(([id, r]) => ({ id, env: r.Properties.Environment.Variables, layers: (r.Properties.Layers ?? []).map((l: any) => l.Ref) }));
}

/** The handler's configuration, read as the handler reads it: `/opt/...` is the layer's asset in the assembly. */
function handlerConfig(s: Synthesized, fn: { env: Record<string, string>; layers: string[] }): JwtAuthorizerConfig {
  expect(fn.layers).toHaveLength(1);
  const layer = s.template.Resources[fn.layers[0]];
  expect(layer.Type).toBe('AWS::Lambda::LayerVersion');
  const assetDir = path.join(s.directory, `asset.${String(layer.Properties.Content.S3Key).replace(/\.zip$/, '')}`);
  return parseConfig(fn.env, (file) => fs.readFileSync(path.join(assetDir, path.relative('/opt', file)), 'utf8'));
}

describe('a 1,000-route JWT API', () => {
  const app = new App();
  const stack = new Stack(app, 'Big');
  const fn = backendFunction(stack, 'Backend');
  const api = new SecuredRestApi(stack, 'Api', {
    authorization: ApiAuthorization.jwt({ issuer: ISSUER, audience: [AUDIENCE], jwksUri: 'https://login.example.com/.well-known/jwks.json', requiredScopes: ['api'] }),
  });
  const admin = ApiAuthorization.jwt({ issuer: ISSUER, audience: ['admin'], tokenUse: JwtTokenUse.ACCESS_OR_ID });
  const expected: SimRoute[] = [];
  const adminRoutes: SimRoute[] = [];
  for (let i = 0; i < 1000; i++) {
    // 50 top-level paths, each with 4 resources (parameters at depths 2 to 4, a greedy one) of 5 methods, ANY included.
    const method = METHODS[i % METHODS.length];
    const p = [`/t${Math.floor(i / 20)}/{id}`, `/t${Math.floor(i / 20)}/{id}/s`, `/t${Math.floor(i / 20)}/{id}/s/{sub}`, `/t${Math.floor(i / 20)}/f/{key+}`][Math.floor(i / 5) % 4];
    const scopes = i % 11 === 0 ? [] : [`svc${i % 23}:read`, ...(i % 3 === 0 ? [`svc${i % 7}:write`] : [])];
    api.addRoute(method, p, new apigateway.LambdaIntegration(fn), { scopes });
    expected.push({ method, path: p, scopes });
  }
  // Routes of other authorizations are not in the default authorizer's map.
  api.addRoute('GET', '/iam-only', new apigateway.LambdaIntegration(fn), { authorization: ApiAuthorization.iam() });
  for (const [method, p] of [['GET', '/admin'], ['DELETE', '/admin/{id}']]) {
    api.addRoute(method, p, new apigateway.LambdaIntegration(fn), { authorization: admin, scopes: ['admin:all'] });
    adminRoutes.push({ method, path: p, scopes: ['admin:all'] });
  }
  let s: Synthesized;
  beforeAll(() => {
    s = synth(stack);
  });

  test('the authorizer is a REQUEST authorizer keyed by token and route', () => {
    const authorizers = Object.values<any>(s.template.Resources).filter((r) => r.Type === 'AWS::ApiGateway::Authorizer');
    expect(authorizers).toHaveLength(2);
    for (const a of authorizers) {
      expect(a.Properties).toMatchObject({ Type: 'REQUEST', IdentitySource: 'method.request.header.Authorization,context.httpMethod,context.resourcePath', AuthorizerResultTtlInSeconds: 300 });
    }
  });

  test('each authorizer\'s environment stays far below Lambda\'s 4 KB and holds no route map', () => {
    const fns = jwtFunctions(s.template);
    expect(fns).toHaveLength(2);
    for (const f of fns) {
      expect(envBytes(f.env)).toBeLessThan(512);
      expect(Object.keys(f.env).sort()).toEqual(expect.arrayContaining(['JWT_AUDIENCE', 'JWT_ISSUER', 'JWT_ROUTES_FILE', 'JWT_TOKEN_HEADER']));
      expect(JSON.stringify(f.env)).not.toContain('/{id}');
    }
  });

  test('the deploy-readiness check (Lambda environment size and every other rule) finds nothing', () => {
    expect(readinessFindings(app)).toEqual([]);
  });

  test('round trip: the handler parses, from the cloud assembly, exactly the routes and scopes the construct has', () => {
    const byAudience = (audience: string) => jwtFunctions(s.template).find((f) => f.env.JWT_AUDIENCE === audience)!;
    const sorted = (r: readonly SimRoute[]) => r.map((x) => [`${x.method} ${x.path}`, [...x.scopes].sort()]).sort();
    const read = (c: JwtAuthorizerConfig) => [...c.routeScopes!.entries()].map(([k, v]) => [k, [...v]]).sort();
    const mainConfig = handlerConfig(s, byAudience(AUDIENCE));
    expect(read(mainConfig)).toEqual(sorted(expected));
    expect(mainConfig.requiredScopes).toEqual(['api']);
    const adminConfig = handlerConfig(s, byAudience('admin'));
    expect(read(adminConfig)).toEqual(sorted(adminRoutes));
    expect([...adminConfig.tokenUse].sort()).toEqual(['access', 'id']);
  });

  test('the file is compact: every scope set written once', () => {
    const f = jwtFunctions(s.template).find((x) => x.env.JWT_AUDIENCE === AUDIENCE)!;
    const layer = s.template.Resources[f.layers[0]];
    const file = path.join(s.directory, `asset.${String(layer.Properties.Content.S3Key).replace(/\.zip$/, '')}`, 'jwt-authorizer', 'routes.json');
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    const distinct = new Set(expected.map((r) => JSON.stringify([...r.scopes].sort())));
    expect(doc.scopeSets).toHaveLength(distinct.size);
    expect(Object.keys(doc.routes)).toHaveLength(1000);
    expect(fs.statSync(file).size).toBeLessThan(40 * 1024);
  });

  test('with the synthesized configuration, every route gets an exact policy (evaluated, one request per token)', async () => {
    const f = jwtFunctions(s.template).find((x) => x.env.JWT_AUDIENCE === AUDIENCE)!;
    const key = rsaKey();
    const config = handlerConfig(s, f);
    const cache = new SimpleJwksCache();
    cache.addJwks(config.jwksUri, { keys: [key.jwk as never] });
    const verifier = createVerifier(config, cache);
    const sim = new AuthorizerCacheSimulation(expected, async (token, method, route, requestPath) => {
      const d = await decide(requestEvent(token, method, route.path, requestPath), config, verifier);
      return 'rejected' in d ? 'Unauthorized' : d.policy;
    });
    const wrong: string[] = [];
    const tokens = new Map<string, string>();
    const tokenFor = (scopes: string[]) => {
      const k = scopes.join(' ');
      if (!tokens.has(k)) tokens.set(k, sign(claims({ scope: k }), key));
      return tokens.get(k)!;
    };
    for (const route of expected) {
      const method = servedMethods(expected, route)[0];
      const requestPath = concretePaths(route.path)[1];
      const granted = await sim.request(tokenFor(['api', ...route.scopes]), method, requestPath);
      if (granted.outcome !== 'Allow' || granted.route !== route) wrong.push(`${method} ${requestPath}: ${granted.outcome} with its scopes`);
      if (route.scopes.length > 0) {
        const lacking = await sim.request(tokenFor(['api', ...route.scopes.slice(1)]), method, requestPath);
        if (lacking.outcome !== 'Deny') wrong.push(`${method} ${requestPath}: ${lacking.outcome} without ${route.scopes[0]}`);
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });
});

describe('the layer is built once, when every route is known', () => {
  test('routes added after the authorizer was created are in the map; a second synth adds no second layer', () => {
    const app = new App();
    const stack = new Stack(app, 'Small');
    const fn = backendFunction(stack, 'Backend');
    const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.jwt({ issuer: ISSUER, audience: [AUDIENCE] }) });
    api.addRoute('GET', '/a', new apigateway.LambdaIntegration(fn), { scopes: ['a'] });
    api.addRoute('GET', '/b/{id}', new apigateway.LambdaIntegration(fn));
    const first = synth(stack);
    const config = handlerConfig(first, jwtFunctions(first.template)[0]);
    expect([...config.routeScopes!.entries()]).toEqual([['GET /a', ['a']], ['GET /b/{id}', []]]);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    t.hasResourceProperties('AWS::Lambda::LayerVersion', { CompatibleRuntimes: ['nodejs24.x'] });
  });

  test('a WebSocket $connect authorizer has no route map: no layer, no JWT_ROUTES_FILE', () => {
    const stack = new Stack(new App(), 'Chat');
    new WebSocketChatApi(stack, 'Chat', { authorization: ApiAuthorization.jwt({ issuer: ISSUER, audience: ['chat'] }) });
    const template = Template.fromStack(stack).toJSON();
    const fns = jwtFunctions(template);
    expect(fns).toHaveLength(1);
    expect(fns[0].env.JWT_ROUTES_FILE).toBeUndefined();
    expect(fns[0].env.JWT_TOKEN_QUERY).toBe('token');
    expect(Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Lambda::LayerVersion')).toHaveLength(0);
  });
});
