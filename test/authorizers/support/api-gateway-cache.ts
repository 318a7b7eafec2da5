/**
 * A simulation of what API Gateway does around a Lambda authorizer, for tests: route selection, the authorizer
 * result cache, and the evaluation of the (possibly cached) policy against the request's method ARN with IAM
 * semantics (test/support/iam-policy.ts).
 *
 * Modelled rules:
 * - Route selection (REST): a path is matched against the resource tree level by level; a literal child is
 *   preferred to a `{param}` child, and a greedy `{param+}` child takes the rest of the path (one or more
 *   segments). On the selected resource, the method of the request's name serves it, else the resource's `ANY`
 *   method (API Gateway Developer Guide, "Set up a proxy integration with a proxy resource" and
 *   "x-amazon-apigateway-any-method"). Without a route, API Gateway answers before any authorizer runs.
 * - The authorizer cache: a policy is cached under the identity source values (Developer Guide, "Configure a
 *   Lambda authorizer using the console": the identity sources are the caching key), and a cached policy is
 *   evaluated, not re-computed, for every later request with the same key, against that request's method ARN.
 */
import { methodArn } from '../../handlers/support/jwt';
import { Decision as IamDecision, PolicyDocument, evaluate } from '../../support/iam-policy';

/** A route with the scopes it needs. */
export interface SimRoute {
  readonly method: string;
  readonly path: string;
  readonly scopes: readonly string[];
}

/** What the authorizer answered: a policy or a 401. */
export type AuthorizerAnswer = { readonly policyDocument: PolicyDocument } | 'Unauthorized';

/** Calls the authorizer for a request routed to `route` (a REST REQUEST event is built by the caller). */
export type Authorize = (token: string, method: string, route: SimRoute, requestPath: string) => Promise<AuthorizerAnswer>;

/** Builds the cache key from the identity source values: token, request method, resource path template. */
export type CacheKey = (token: string, method: string, resourcePath: string) => string;

/** The cache key of the bundled JWT authorizer: header, `context.httpMethod`, `context.resourcePath`. */
export const tokenAndRouteKey: CacheKey = (token, method, resourcePath) => JSON.stringify([token, method, resourcePath]);

/** The cache key of a TOKEN authorizer: the token alone. */
export const tokenOnlyKey: CacheKey = (token) => token;

export interface SimResult {
  readonly route?: SimRoute;
  readonly outcome: IamDecision | 'Unauthorized' | 'NoRoute';
  readonly fromCache: boolean;
}

function segmentsOf(path: string): string[] {
  return path === '/' ? [] : path.slice(1).split('/');
}

/** Route selection over the routes' resource tree (literal, then `{param}`, then greedy `{param+}`). */
export function selectResource(resourcePaths: readonly string[], requestPath: string): string | undefined {
  const templates = resourcePaths.map((p) => ({ path: p, segments: segmentsOf(p) }));
  const request = segmentsOf(requestPath);
  const walk = (candidates: typeof templates, depth: number): string | undefined => {
    if (depth === request.length) return candidates.find((t) => t.segments.length === depth)?.path;
    const value = request[depth];
    const deeper = candidates.filter((t) => t.segments.length > depth);
    const literal = deeper.filter((t) => t.segments[depth] === value);
    const param = deeper.filter((t) => /^\{[^+]+\}$/.test(t.segments[depth]));
    for (const group of [literal, param]) {
      if (group.length === 0) continue;
      const found = walk(group, depth + 1);
      if (found) return found;
    }
    return deeper.find((t) => t.segments.length === depth + 1 && t.segments[depth].endsWith('+}'))?.path;
  };
  return walk(templates, 0);
}

/** The route serving `method` on `requestPath`: exact method first, else ANY. */
export function selectRoute(routes: readonly SimRoute[], method: string, requestPath: string): SimRoute | undefined {
  const resource = selectResource([...new Set(routes.map((r) => r.path))], requestPath);
  if (resource === undefined) return undefined;
  return routes.find((r) => r.path === resource && r.method === method) ?? routes.find((r) => r.path === resource && r.method === 'ANY');
}

/** API Gateway in front of one authorizer, with its result cache. */
export class AuthorizerCacheSimulation {
  private readonly cache = new Map<string, AuthorizerAnswer>();
  public invocations = 0;

  constructor(
    private readonly routes: readonly SimRoute[],
    private readonly authorize: Authorize,
    private readonly key: CacheKey = tokenAndRouteKey,
  ) {}

  /** One request: route selection, cache lookup or authorizer call, policy evaluation on its method ARN. */
  public async request(token: string, method: string, requestPath: string): Promise<SimResult> {
    const route = selectRoute(this.routes, method, requestPath);
    if (!route) return { outcome: 'NoRoute', fromCache: false };
    const k = this.key(token, method, route.path);
    let answer = this.cache.get(k);
    const fromCache = answer !== undefined;
    if (!answer) {
      this.invocations += 1;
      answer = await this.authorize(token, method, route, requestPath);
      this.cache.set(k, answer);
    }
    if (answer === 'Unauthorized') return { route, outcome: 'Unauthorized', fromCache };
    return { route, outcome: evaluate(answer.policyDocument, 'execute-api:Invoke', methodArn(method, requestPath)), fromCache };
  }
}

const SAMPLE_VALUES = ['7', 'a-b_c.d'];
const GREEDY_VALUES = ['x', 'x/y/z'];

/** Concrete request paths routed to a route's resource: each parameter replaced by sample values. */
export function concretePaths(path: string): string[] {
  return SAMPLE_VALUES.map((v, i) => path.replace(/\{[^}]+\+\}/g, GREEDY_VALUES[i]).replace(/\{[^}]+\}/g, `${v}${i}`));
}

/** The request methods a route serves: its own, or (ANY) every method no exact route of its resource takes. */
export function servedMethods(routes: readonly SimRoute[], route: SimRoute): string[] {
  if (route.method !== 'ANY') return [route.method];
  return ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].filter((m) => !routes.some((r) => r.path === route.path && r.method === m));
}

/** Every subset of a scope universe (2^n sets), as sorted arrays. */
export function scopeSubsets(universe: readonly string[]): string[][] {
  return Array.from({ length: 2 ** universe.length }, (_, mask) => universe.filter((_s, i) => Math.floor(mask / 2 ** i) % 2 === 1));
}
