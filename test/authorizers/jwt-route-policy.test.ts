/**
 * Issue 10.1: a cached authorizer policy never allows a route the token may not call, and never denies one it
 * may call. Every policy the authorizer returns is EVALUATED with IAM semantics (test/support/iam-policy.ts,
 * `*` crossing `/`) against concrete requests, behind a simulation of API Gateway's route selection and
 * authorizer cache (./support/api-gateway-cache.ts), never compared as strings.
 */
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { AuthorizerCacheSimulation, SimRoute, concretePaths, scopeSubsets, selectRoute, servedMethods, tokenOnlyKey } from './support/api-gateway-cache';
import { decide } from '../../src/runtime/jwt/authorize';
import { JwtAuthorizerConfig, parseConfig } from '../../src/runtime/jwt/config';
import { ROUTES_FILE_PATH, renderRouteConfig } from '../../src/runtime/jwt/routes';
import { Verifier, createVerifier } from '../../src/runtime/jwt/verify';
import { AUDIENCE, ISSUER, claims, methodArn, requestEvent, rsaKey, sign } from '../handlers/support/jwt';
import { PolicyDocument, evaluate } from '../support/iam-policy';

const JWKS_URI = 'https://login.example.com/.well-known/jwks.json';
const key = rsaKey();

/** Nested paths, parameters at several depths, ANY beside exact methods, routes without scopes beside scoped ones. */
const ORDERS_API: SimRoute[] = [
  { method: 'GET', path: '/', scopes: [] },
  { method: 'GET', path: '/health', scopes: [] },
  { method: 'GET', path: '/orders', scopes: ['orders:read'] },
  { method: 'POST', path: '/orders', scopes: ['orders:write'] },
  { method: 'GET', path: '/orders/{id}', scopes: ['orders:read'] },
  { method: 'DELETE', path: '/orders/{id}', scopes: ['orders:admin'] },
  { method: 'GET', path: '/orders/{id}/invoice', scopes: ['invoices:read'] },
  { method: 'GET', path: '/orders/{id}/items/{itemId}', scopes: ['orders:read', 'items:read'] },
  { method: 'ANY', path: '/orders/{id}/items/{itemId}', scopes: ['orders:write'] },
  { method: 'GET', path: '/users/{userId}', scopes: [] },
  { method: 'GET', path: '/users/{userId}/payment-methods', scopes: ['payments:read'] },
  { method: 'GET', path: '/files/{key+}', scopes: ['files:read'] },
  { method: 'ANY', path: '/files/{key+}', scopes: ['files:write'] },
];
const UNIVERSE = ['orders:read', 'orders:write', 'orders:admin', 'invoices:read', 'items:read', 'payments:read', 'files:read', 'files:write'];

function authorizerFor(routes: readonly SimRoute[]): { config: JwtAuthorizerConfig; verifier: Verifier } {
  const env = { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_JWKS_URI: JWKS_URI, JWT_ROUTES_FILE: ROUTES_FILE_PATH };
  const config = parseConfig(env, () => renderRouteConfig(routes));
  const cache = new SimpleJwksCache();
  cache.addJwks(JWKS_URI, { keys: [key.jwk as never] });
  return { config, verifier: createVerifier(config, cache) };
}

/** API Gateway in front of the bundled authorizer's decision, with its per token-and-route cache. */
function simulation(routes: readonly SimRoute[]): AuthorizerCacheSimulation {
  const { config, verifier } = authorizerFor(routes);
  return new AuthorizerCacheSimulation(routes, async (token, method, route, requestPath) => {
    const decision = await decide(requestEvent(token, method, route.path, requestPath), config, verifier);
    return 'rejected' in decision ? 'Unauthorized' : decision.policy;
  });
}

const tokenFor = (scopes: readonly string[]) => sign(claims({ scope: scopes.join(' ') }), key);
const holds = (token: readonly string[], route: SimRoute) => route.scopes.every((s) => token.includes(s));

/**
 * Sends every request of every route, for every token, in a shuffled order, through `sim`; returns the requests
 * whose outcome is not "Allow exactly when the token holds the route's scopes, else Deny".
 */
async function exactnessViolations(
  routes: readonly SimRoute[],
  tokens: readonly string[][],
  shuffleSeed: number,
  sim: AuthorizerCacheSimulation,
  register: (token: string, scopes: string[]) => void = () => undefined,
): Promise<{ requests: number; hits: number; wrong: string[] }> {
  const requests: Array<{ scopes: string[]; token: string; method: string; path: string; route: SimRoute }> = [];
  for (const scopes of tokens) {
    const token = tokenFor(scopes);
    register(token, scopes);
    for (const route of routes) {
      for (const method of servedMethods(routes, route)) {
        for (const p of concretePaths(route.path)) requests.push({ scopes, token, method, path: p, route });
      }
    }
  }
  // A deterministic shuffle: the cache fills in an order unrelated to the routes' order.
  let seed = shuffleSeed;
  for (let i = requests.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [requests[i], requests[j]] = [requests[j], requests[i]];
  }
  let hits = 0;
  const wrong: string[] = [];
  for (const r of requests) {
    const result = await sim.request(r.token, r.method, r.path);
    if (result.fromCache) hits += 1;
    const expected = holds(r.scopes, r.route) ? 'Allow' : 'Deny';
    if (result.route !== r.route || result.outcome !== expected) {
      wrong.push(`${r.method} ${r.path} (route ${r.route.method} ${r.route.path}) with [${r.scopes}]: ${result.outcome}, expected ${expected}`);
    }
  }
  return { requests: requests.length, hits, wrong };
}

async function assertExact(routes: readonly SimRoute[], tokens: readonly string[][], seed: number): Promise<{ requests: number; hits: number }> {
  const { requests, hits, wrong } = await exactnessViolations(routes, tokens, seed, simulation(routes));
  expect(wrong.slice(0, 10)).toEqual([]);
  return { requests, hits };
}

describe('a cached policy decides exactly its route', () => {
  test('the simulated router sends every generated request to its own route', () => {
    for (const route of ORDERS_API) {
      for (const method of servedMethods(ORDERS_API, route)) {
        for (const p of concretePaths(route.path)) expect(selectRoute(ORDERS_API, method, p)).toBe(route);
      }
    }
    expect(selectRoute(ORDERS_API, 'GET', '/orders/7/unknown')).toBeUndefined();
  });

  test('every (token, route) pair of a nested API, all 256 scope combinations, requests in shuffled order', async () => {
    const { requests, hits } = await assertExact(ORDERS_API, scopeSubsets(UNIVERSE), 42);
    expect(requests).toBeGreaterThan(256 * 20);
    // Half of the requests reuse a policy cached by an earlier request of the same token and route.
    expect(hits).toBe(requests / 2);
  });

  test('concrete requests: /orders/7 then /orders/7/invoice then /orders/8 with an orders:read token', async () => {
    const sim = simulation(ORDERS_API);
    const token = tokenFor(['orders:read']);
    expect(await sim.request(token, 'GET', '/orders/7')).toMatchObject({ outcome: 'Allow', fromCache: false });
    expect(await sim.request(token, 'GET', '/orders/7/invoice')).toMatchObject({ outcome: 'Deny', fromCache: false });
    expect(await sim.request(token, 'GET', '/orders/8')).toMatchObject({ outcome: 'Allow', fromCache: true });
    expect(await sim.request(token, 'GET', '/orders/8/invoice')).toMatchObject({ outcome: 'Deny', fromCache: true });
    expect(await sim.request(token, 'DELETE', '/orders/8')).toMatchObject({ outcome: 'Deny' });
    expect(await sim.request(token, 'GET', '/orders/8/items/1')).toMatchObject({ outcome: 'Deny' });
    // A route without scopes does not open its children to every valid token.
    expect(await sim.request(token, 'GET', '/users/7')).toMatchObject({ outcome: 'Allow' });
    expect(await sim.request(token, 'GET', '/users/7/payment-methods')).toMatchObject({ outcome: 'Deny' });
    // An ANY route beside an exact GET on the same resource: each keeps its own scopes.
    const files = tokenFor(['files:write']);
    expect(await sim.request(files, 'PUT', '/files/a/b')).toMatchObject({ outcome: 'Allow' });
    expect(await sim.request(files, 'GET', '/files/a/b')).toMatchObject({ outcome: 'Deny' });
  });

  test('the route in the cache key is what makes it sound: the same handler behind a token-only key is wrong', async () => {
    const { config, verifier } = authorizerFor(ORDERS_API);
    const tokenKeyed = new AuthorizerCacheSimulation(ORDERS_API, async (token, method, route, requestPath) => {
      const decision = await decide(requestEvent(token, method, route.path, requestPath), config, verifier);
      return 'rejected' in decision ? 'Unauthorized' : decision.policy;
    }, tokenOnlyKey);
    const { wrong } = await exactnessViolations(ORDERS_API, [['orders:read']], 42, tokenKeyed);
    expect(wrong.length).toBeGreaterThan(0);
  });

  test('an invalid token is a 401 (no policy) on every route', async () => {
    const sim = simulation(ORDERS_API);
    expect(await sim.request('not.a.jwt', 'GET', '/health')).toMatchObject({ outcome: 'Unauthorized' });
  });
});

/**
 * COUNTER-EXAMPLE: the construction this replaces. A TOKEN authorizer (cache key: the token alone) returned one
 * policy listing the pattern of every route whose scopes the token held, path parameters as `*`. With IAM's `*`
 * crossing `/`, it opens routes the token may not call. Kept to show that the evaluation above can fail.
 */
function oldTokenWidePolicy(routes: readonly SimRoute[], scopes: readonly string[]): PolicyDocument {
  const base = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/';
  const resources = routes
    .filter((r) => holds(scopes, r))
    .map((r) => base + `${r.method === 'ANY' ? '*' : r.method}${r.path.split('/').map((s) => (s.startsWith('{') ? '*' : s)).join('/')}`);
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: resources }] };
}

describe('counter-example: the old TOKEN-wide policy WOULD allow the bypass', () => {
  test('an orders:read token reaches GET /orders/7/invoice (needs invoices:read) through the GET /orders/{id} pattern', () => {
    const policy = oldTokenWidePolicy(ORDERS_API, ['orders:read']);
    expect(evaluate(policy, 'execute-api:Invoke', methodArn('GET', '/orders/7'))).toBe('Allow');
    expect(evaluate(policy, 'execute-api:Invoke', methodArn('GET', '/orders/7/invoice'))).toBe('Allow');
    expect(evaluate(policy, 'execute-api:Invoke', methodArn('GET', '/users/7/payment-methods'))).toBe('Allow');
  });

  test('behind a token-keyed cache, the exactness check above fails for the old construction', async () => {
    const scopesOf = new Map<string, string[]>();
    const oldAuthorizer = async (token: string) => ({ policyDocument: oldTokenWidePolicy(ORDERS_API, scopesOf.get(token)!) });
    const sim = new AuthorizerCacheSimulation(ORDERS_API, oldAuthorizer, tokenOnlyKey);
    const { wrong } = await exactnessViolations(ORDERS_API, [['orders:read'], []], 42, sim, (t, scopes) => scopesOf.set(t, scopes));
    expect(wrong).toContain('GET /orders/70/invoice (route GET /orders/{id}/invoice) with [orders:read]: Allow, expected Deny');
    expect(wrong).toContain('GET /users/70/payment-methods (route GET /users/{userId}/payment-methods) with []: Allow, expected Deny');
  });

  test('the other naive construction, "allow only the called method" behind a token-keyed cache, denies routes the token may call', async () => {
    const sim = new AuthorizerCacheSimulation(ORDERS_API, async (_token, method, _route, requestPath) => ({
      policyDocument: { Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: methodArn(method, requestPath) }] },
    }), tokenOnlyKey);
    const { wrong } = await exactnessViolations(ORDERS_API, [UNIVERSE], 42, sim);
    expect(wrong.length).toBeGreaterThan(0);
    expect(wrong.every((w) => w.endsWith('ImplicitDeny, expected Allow'))).toBe(true);
  });
});

describe('1,000 routes with many scope sets', () => {
  test('every route, several tokens, shuffled: exact', async () => {
    const scopeSet = (i: number) => (i % 13 === 0 ? [] : [`s${i % 17}`, ...(i % 3 === 0 ? [`t${i % 5}`] : [])]);
    // 50 top-level paths, each with 4 resources (parameters at depths 2 to 4, a greedy one) of 5 methods, ANY included.
    const routes: SimRoute[] = Array.from({ length: 1000 }, (_, i) => {
      const g = Math.floor(i / 20);
      const path = [`/r${g}`, `/r${g}/{a}`, `/r${g}/{a}/c/{b}`, `/r${g}/f/{key+}`][Math.floor((i % 20) / 5)];
      return { method: ['GET', 'POST', 'PUT', 'DELETE', 'ANY'][i % 5], path, scopes: scopeSet(i) };
    });
    const unique = [...new Map(routes.map((r) => [`${r.method} ${r.path}`, r])).values()];
    expect(unique).toHaveLength(1000);
    const tokens = [[], ['s1'], ['s1', 's2', 't0'], Array.from({ length: 17 }, (_, i) => `s${i}`), [...Array.from({ length: 17 }, (_, i) => `s${i}`), 't0', 't1', 't2', 't3', 't4']];
    const { requests } = await assertExact(unique, tokens, 7);
    expect(requests).toBeGreaterThan(5 * unique.length);
  });
});
