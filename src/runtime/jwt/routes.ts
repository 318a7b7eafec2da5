/**
 * The route-scope map of the bundled JWT authorizer: which scopes each route of the API needs.
 *
 * It is too large for the function's environment (Lambda allows 4 KB of environment variables in total;
 * a 1,000-route map is tens of KB), so the construct renders it at synth time, when every route is known, into a
 * JSON file shipped in a Lambda layer (`/opt/jwt-authorizer/routes.json`), and the handler reads it once per
 * execution environment. Both sides import this module: it is the file's contract.
 *
 * Format (version 1), compact because every distinct scope set is written once:
 * ```json
 * { "version": 1, "scopeSets": [["orders:read"], [], ["orders:write"]],
 *   "routes": { "GET /orders": 0, "GET /orders/{id}": 0, "GET /health": 1, "POST /orders": 2 } }
 * ```
 * A route key is `METHOD /path` with the path template of API Gateway's resource (`/orders/{id}`, `/files/{key+}`);
 * its value indexes `scopeSets`; a token must hold every scope of the set.
 *
 * No CDK imports: this module runs inside Lambda.
 */

/** Where the layer puts the file (layers are extracted under /opt). */
export const ROUTES_LAYER_DIRECTORY = 'jwt-authorizer';
export const ROUTES_FILE_NAME = 'routes.json';
export const ROUTES_FILE_PATH = `/opt/${ROUTES_LAYER_DIRECTORY}/${ROUTES_FILE_NAME}`;

/** The HTTP methods of API Gateway REST methods. */
export const ROUTE_METHODS = ['ANY', 'GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

/** One route and the scopes it needs. */
export interface RouteScopeEntry {
  readonly method: string;
  readonly path: string;
  readonly scopes: readonly string[];
}

/** The parsed map: route key -> the scopes it needs (scope arrays are shared between routes of one set). */
export type RouteScopes = ReadonlyMap<string, readonly string[]>;

/** A route map that cannot be read: the authorizer fails closed. */
export class RouteConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RouteConfigError';
  }
}

const ROUTE_KEY = /^(?:ANY|GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS) \/\S*$/;
const SCOPE = /^\S{1,256}$/;

/** `METHOD /path`. */
export function routeKey(method: string, path: string): string {
  return `${method} ${path}`;
}

/** Renders the file (deterministic: routes in the order given, scope sets by first use, scopes sorted). */
export function renderRouteConfig(entries: readonly RouteScopeEntry[]): string {
  const scopeSets: string[][] = [];
  const setIndex = new Map<string, number>();
  const routes: Record<string, number> = {};
  for (const entry of entries) {
    const set = [...new Set(entry.scopes)].sort();
    const id = JSON.stringify(set);
    let index = setIndex.get(id);
    if (index === undefined) {
      index = scopeSets.push(set) - 1;
      setIndex.set(id, index);
    }
    routes[routeKey(entry.method, entry.path)] = index;
  }
  return JSON.stringify({ version: 1, scopeSets, routes });
}

/** Parses and validates the file; throws RouteConfigError on anything unexpected. */
export function parseRouteConfig(text: string): RouteScopes {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RouteConfigError('the route map must be JSON');
  }
  const doc = parsed as { version?: unknown; scopeSets?: unknown; routes?: unknown };
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || doc.version !== 1) throw new RouteConfigError('the route map must be a version 1 object');
  if (!Array.isArray(doc.scopeSets)) throw new RouteConfigError('the route map needs a scopeSets list');
  const sets = doc.scopeSets.map((set: unknown) => {
    if (!Array.isArray(set) || !set.every((s) => typeof s === 'string' && SCOPE.test(s))) {
      throw new RouteConfigError('scopeSets entries must be lists of scope strings without spaces');
    }
    return Object.freeze([...set] as string[]);
  });
  if (!doc.routes || typeof doc.routes !== 'object' || Array.isArray(doc.routes)) throw new RouteConfigError('the route map needs a routes object');
  const routes = new Map<string, readonly string[]>();
  for (const [key, index] of Object.entries(doc.routes as Record<string, unknown>)) {
    if (!ROUTE_KEY.test(key)) throw new RouteConfigError('route keys must be "METHOD /path"');
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= sets.length) {
      throw new RouteConfigError('route values must index scopeSets');
    }
    routes.set(key, sets[index]);
  }
  return routes;
}

/** A route of the map, as API Gateway selected it. */
export interface MatchedRoute {
  /** The route's key (`ANY /files/{key+}` when the ANY method of the resource serves the request). */
  readonly key: string;
  /** The route's method: the request's method, or `ANY`. */
  readonly method: string;
  readonly path: string;
  readonly scopes: readonly string[];
}

/**
 * The route that serves `method` on the resource `path` (a path template): the resource's method of that name,
 * else its `ANY` method (API Gateway prefers an exact-method route over `ANY` on the same resource).
 */
export function matchRoute(routes: RouteScopes, method: string, path: string): MatchedRoute | undefined {
  for (const m of [method, 'ANY']) {
    const key = routeKey(m, path);
    const scopes = routes.get(key);
    if (scopes) return { key, method: m, path, scopes };
  }
  return undefined;
}
