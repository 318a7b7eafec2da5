import { Duration, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { IConstruct } from 'constructs';
import { validateCacheTtl } from './stage-settings';
import { ApiAuthorization } from '../core/authorization';
import { checkLength, checkOneOf, checkPattern, fail } from '../core/private/validation';
import { ThrottleOptions, validateThrottle } from '../core/throttle';

/**
 * Per-route cache settings (the stage needs a cache, see `StageSettings.cache`).
 */
export interface RouteCacheOptions {
  /**
   * Whether responses of this route are cached. A route whose caller identity cannot be part of the cache key (IAM,
   * or a Lambda REQUEST authorizer with a `context.*` identity source or none) is cached only when this is `true`:
   * every caller then shares its cached responses, and the warning `cdk-apigateway-patterns:CacheSharedAcrossCallers`
   * is raised.
   * @default - true for GET routes when the stage has a cache and the caller identity can be keyed, false otherwise
   */
  readonly enabled?: boolean;
  /**
   * Time to live of this route's cached responses, 0 to 3600 seconds.
   * @default - the stage's cache TTL
   */
  readonly ttl?: Duration;
  /**
   * Extra request parameters in the cache key, e.g. `method.request.querystring.page`. Every path parameter, every
   * query string and header declared in `requestParameters`, and the caller identity (token header or REQUEST
   * identity sources) are always part of the key.
   * @default - only those always in the key
   */
  readonly keyParameters?: string[];
}

/**
 * Options of one route.
 */
export interface RouteOptions {
  /**
   * JSON schema of the request body: creates a model and validates body and parameters.
   * @default - parameters are validated, the body is not
   */
  readonly requestSchema?: apigateway.JsonSchema;
  /**
   * Request parameters and whether each is required, e.g. `{ 'method.request.querystring.page': false }`.
   * @default - none
   */
  readonly requestParameters?: Record<string, boolean>;
  /**
   * Authorization of this route.
   * @default - the API's authorization
   */
  readonly authorization?: ApiAuthorization;
  /**
   * OAuth scopes this route requires (Cognito: any of them; JWT: all of them).
   * @default - the authorization's scopes
   */
  readonly scopes?: string[];
  /**
   * Whether callers must send an API key.
   * @default false
   */
  readonly apiKeyRequired?: boolean;
  /**
   * Cache settings of this route.
   * @default - the stage's cache settings
   */
  readonly cache?: RouteCacheOptions;
  /**
   * Throttling of this route.
   * @default - the stage's throttling
   */
  readonly throttle?: ThrottleOptions;
  /**
   * Operation name (OpenAPI `operationId`, SDK method name).
   * @default - derived from method and path, e.g. `getOrdersById`
   */
  readonly operationName?: string;
  /**
   * The method's responses, by status code. A non-proxy integration (`MockIntegration`, an AWS service integration,
   * an `HttpIntegration` without `proxy`) needs one for every status code its integration responses map to: API
   * Gateway refuses an integration response that has none (deploy-readiness rule
   * `MethodResponseForIntegrationResponse`). Proxy integrations pass the backend's response through and need none.
   * @default - none
   */
  readonly methodResponses?: apigateway.MethodResponse[];
}

/** The HTTP methods a route may use. */
export const ROUTE_METHODS = ['ANY', 'GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

/**
 * A path part as CloudFormation creates it: `AWS::ApiGateway::Resource` PathPart, whose characters aws-cdk-lib checks
 * (`[a-zA-Z0-9:._$-]`, for literals and parameter names alike; anything else, such as `@` or `~`, is refused by the
 * L2 with an error naming neither route nor operation). API Gateway's "important notes" page lists path segments of
 * alphanumerics, hyphens, periods, colons and curly braces
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html). Parameter names may
 * hold `-` and `.` (`{pet-id}`): API Gateway passes them as `method.request.path.pet-id`.
 */
const PATH_SEGMENT = /^(?:[A-Za-z0-9:._$-]+|\{[A-Za-z0-9:._$-]+\+?\})$/;
const PATH_CHARACTERS = 'letters, digits and . _ - : $, the characters CloudFormation resource paths accept';
const REQUEST_PARAMETER = /^method\.request\.(?:header|querystring|path|multivalueheader|multivaluequerystring)\.[A-Za-z0-9._$-]+$/;

/** One entry of the route table: the single source of truth for methods, models, sharding and exports. */
export interface RouteEntry {
  readonly method: string;
  readonly path: string;
  readonly options: RouteOptions;
  readonly integration: apigateway.Integration;
  readonly cfnMethod: apigateway.Method;
}

/**
 * Checks a route's method, path and options; returns the upper-case method. `context` (an OpenAPI operation, for
 * example) prefixes every prop an error names.
 */
export function validateRoute(scope: IConstruct, method: string, path: string, options: RouteOptions, context?: string): string {
  const prop = (name: string) => (context ? `${context} ${name}` : name);
  const m = Token.isUnresolved(method) ? method : method.toUpperCase();
  checkOneOf(scope, prop('route method'), m, [...ROUTE_METHODS]);
  if (Token.isUnresolved(path)) fail(scope, prop('route path'), path, 'must be a literal path such as /orders/{id}');
  if (!path.startsWith('/')) fail(scope, prop('route path'), path, 'must start with "/"');
  if (path !== '/' && path.endsWith('/')) fail(scope, prop('route path'), path, 'must not end with "/"');
  const segments = path === '/' ? [] : path.slice(1).split('/');
  const names = new Set<string>();
  segments.forEach((segment, i) => {
    if (!PATH_SEGMENT.test(segment)) {
      fail(scope, prop('route path'), path, `segment ${JSON.stringify(segment)} must be a literal or {name} / {name+} path parameter (${PATH_CHARACTERS})`);
    }
    if (segment.endsWith('+}') && i !== segments.length - 1) {
      fail(scope, prop('route path'), path, 'a greedy {name+} parameter must be the last segment');
    }
    if (segment.startsWith('{')) {
      const name = segment.replace(/[{}+]/g, '');
      if (names.has(name)) fail(scope, prop('route path'), path, `path parameter ${name} appears twice`);
      names.add(name);
    }
  });
  for (const key of Object.keys(options.requestParameters ?? {})) {
    checkPattern(scope, prop('requestParameters'), key, REQUEST_PARAMETER, 'keys must look like method.request.{header|querystring|path}.<name>');
  }
  checkLength(scope, prop('operationName'), options.operationName, { min: 1, max: 128 });
  checkPattern(scope, prop('operationName'), options.operationName, OPERATION_NAME, 'must be an identifier (letters, digits, _)');
  const codes = new Set<string>();
  for (const response of options.methodResponses ?? []) {
    checkPattern(scope, prop(`route ${m} ${path} methodResponses`), response.statusCode, /^[1-5]\d\d$/, 'status codes must be 3 digits, 100-599');
    if (!Token.isUnresolved(response.statusCode) && codes.has(response.statusCode)) {
      fail(scope, prop(`route ${m} ${path} methodResponses`), response.statusCode, 'each status code at most once');
    }
    codes.add(response.statusCode);
  }
  validateThrottle(scope, prop(`route ${m} ${path} throttle`), options.throttle);
  validateCacheTtl(scope, prop(`route ${m} ${path} cache.ttl`), options.cache?.ttl);
  for (const key of options.cache?.keyParameters ?? []) {
    checkPattern(scope, prop('cache.keyParameters'), key, REQUEST_PARAMETER, 'entries must look like method.request.{header|querystring|path}.<name>');
  }
  return m;
}

/** What an operation name must look like (an identifier, so SDK generators can use it as a method name). */
export const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The names of a path's parameters: `/files/{bucket}/{key+}` -> `['bucket', 'key']`. */
export function pathParameterNames(path: string): string[] {
  return (path.match(/\{[^}]+\}/g) ?? []).map((p) => p.replace(/[{}+]/g, ''));
}

/** The two request validators of a REST API: routes with a request schema validate the body too. */
export const REQUEST_VALIDATORS = {
  body: { name: 'BodyAndParametersValidator', validateRequestBody: true, validateRequestParameters: true },
  params: { name: 'ParametersValidator', validateRequestBody: false, validateRequestParameters: true },
} as const;

/** `GET /orders/{id}` -> `getOrdersById`. */
export function defaultOperationName(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((s) => (s.startsWith('{') ? `By ${s.replace(/[{}+]/g, '')}` : s))
    .join(' ')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  const head = method === 'ANY' ? 'any' : method.toLowerCase();
  return head + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

/**
 * The route table of an API. Internal: the REST base owns one and adds to it in `addRoute`.
 */
export class RouteTable {
  private readonly entries = new Map<string, RouteEntry>();
  private readonly cached = new Set<RouteEntry>();

  /** Throws when the route exists already. */
  public assertNew(scope: IConstruct, method: string, path: string): void {
    const key = `${method} ${path}`;
    if (this.entries.has(key)) fail(scope, 'route', key, 'is already defined (each method and path once)');
  }

  /** Adds a route; `cached` says whether its cache plan caches it (on stages with a cache). */
  public add(entry: RouteEntry, cached: boolean = false): void {
    this.entries.set(`${entry.method} ${entry.path}`, entry);
    if (cached) this.cached.add(entry);
  }

  /** Whether the route's cache plan caches it. */
  public cachedOf(entry: RouteEntry): boolean {
    return this.cached.has(entry);
  }

  public get routes(): RouteEntry[] {
    return [...this.entries.values()];
  }

  public get size(): number {
    return this.entries.size;
  }
}
