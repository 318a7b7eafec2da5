/**
 * Which routes of a cached REST stage are cached, and under which cache key. Internal to the REST base.
 *
 * API Gateway keys a cached response by the method's `CacheKeyParameters` only: a path parameter, query string or
 * header missing from the key shares one entry across all its values, so `GET /orders/{id}` without
 * `method.request.path.id` answers `/orders/2` with the cached `/orders/1`
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html#enable-api-gateway-cache-keys).
 * The rule applied here: every path parameter, every declared query string and header, and the caller's identity
 * (the authorizer's token header or REQUEST identity sources) are in the key of every cached method. A caller
 * identity that cannot be a key parameter (IAM's per-request SigV4 signature, an identity from `context.*`) would
 * share cached responses across callers, so such routes are cached only when the route asks with `cache.enabled: true`,
 * which raises the warning `cdk-apigateway-patterns:CacheSharedAcrossCallers`.
 */
import { IConstruct } from 'constructs';
import { CallerIdentityKey } from './authorizer-binders';
import { binderOf } from './authorizers';
import { ApiAuthorization } from '../core/authorization';
import { fail, warn } from '../core/private/validation';
import { RouteOptions, pathParameterNames } from '../rest/routes';

/** What `planRouteCache` needs to know about a route. */
export interface RouteCacheInput {
  readonly httpMethod: string;
  readonly path: string;
  /** Whether the stage has a cache. */
  readonly stageCached: boolean;
  readonly options: RouteOptions;
  /** The method's request parameters, path parameters included. */
  readonly requestParameters: Record<string, boolean>;
  readonly authorization: ApiAuthorization;
  /** The header carrying the caller's token, for token-based authorizers. */
  readonly tokenHeader?: string;
}

/** The cache settings of one method. */
export interface RouteCachePlan {
  /** `CachingEnabled` of the method. */
  readonly enabled: boolean;
  /** `Integration.CacheKeyParameters` (empty when not cached). */
  readonly keyParameters: string[];
  /** Request parameters the key needs that the method does not declare yet (all optional). */
  readonly addedRequestParameters: Record<string, boolean>;
}

/** Request parameters API Gateway reads from the request itself, and so can key on. */
const KEYABLE = /^method\.request\.(?:path|querystring|header|multivaluequerystring|multivalueheader)\./;

/** The request parameters that identify the caller under `auth` (its kind's binder decides). */
export function callerIdentityKey(auth: ApiAuthorization, tokenHeader?: string): CallerIdentityKey {
  return binderOf(auth).cacheIdentity(auth, tokenHeader);
}

/** Decides whether a route is cached and computes its cache key (see the module comment for the rule). */
export function planRouteCache(scope: IConstruct, input: RouteCacheInput): RouteCachePlan {
  const { httpMethod, path, options } = input;
  const none: RouteCachePlan = { enabled: false, keyParameters: [], addedRequestParameters: {} };
  const explicit = options.cache?.enabled;
  for (const key of options.cache?.keyParameters ?? []) {
    const name = /^method\.request\.path\.(.+)$/.exec(key)?.[1];
    if (name !== undefined && !pathParameterNames(path).includes(name)) {
      fail(scope, `route ${httpMethod} ${path} cache.keyParameters`, key, `names a path parameter that ${path} does not have`);
    }
  }
  if (!input.stageCached || !(explicit ?? httpMethod === 'GET')) return none;

  const identity = callerIdentityKey(input.authorization, input.tokenHeader);
  if (identity.unkeyableReason) {
    if (explicit !== true) return none;
    warn(
      scope,
      'CacheSharedAcrossCallers',
      `route ${httpMethod} ${path} is cached although ${identity.unkeyableReason}: every caller shares its cached responses`,
    );
  }
  const keys = [
    ...Object.keys(input.requestParameters).filter((p) => KEYABLE.test(p)),
    ...pathParameterNames(path).map((name) => `method.request.path.${name}`),
    ...identity.keyParameters,
    ...(options.cache?.keyParameters ?? []),
  ];
  const keyParameters = [...new Set(keys)];
  const addedRequestParameters: Record<string, boolean> = {};
  for (const key of keyParameters) if (!(key in input.requestParameters)) addedRequestParameters[key] = false;
  return { enabled: true, keyParameters, addedRequestParameters };
}
