/**
 * Builds the authorizer's IAM policy for ONE route. No CDK imports: this module runs inside Lambda.
 *
 * Why a policy for one route is sound with API Gateway's authorizer cache:
 *
 * 1. The REST JWT authorizer is a REQUEST authorizer whose identity sources are the token header,
 *    `context.httpMethod` and `context.resourcePath` (src/rest/authorizers.ts). API Gateway derives the authorizer
 *    cache key from ALL identity source values: "API Gateway uses the specified identity sources as the request
 *    authorizer caching key ... When multiple identity sources are defined, they are all used to derive the
 *    authorizer's cache key" (API Gateway Developer Guide, "Configure a Lambda authorizer using the console",
 *    REQUEST authorizer; the Authorizer API reference: identity sources "will be used to derive the authorization
 *    caching key"). `$context.httpMethod` and `$context.resourcePath` (the resource's path template, such as
 *    `/orders/{id}`) are `$context` variables usable by authorizers (Developer Guide, "$context Variables for data
 *    models, authorizers, mapping templates, and CloudWatch access logging"), and Context is a supported identity
 *    source type. A cached policy is therefore only ever evaluated for requests with the same token AND the same
 *    method AND the same resource, i.e. for requests routed to the route it was computed for.
 * 2. So the policy decides exactly that route: an Allow for the route's resource pattern when the token holds the
 *    route's scopes, else an explicit Deny for it (403). Path parameters become `*`, which in IAM matches any
 *    sequence INCLUDING `/` (IAM User Guide, "Using wildcards in resource ARNs"): `GET/orders/*` also matches
 *    `GET/orders/7/invoice`, but a request for `/orders/7/invoice` is routed to the resource
 *    `/orders/{id}/invoice` (or to none), has another cache key, and is decided by its own invocation. Within one
 *    key, every concrete request of the route (`/orders/7`, `/orders/8`, ...) matches the pattern, so a cached
 *    Allow never denies a request the token may make, and never allows one of another route.
 *    An `ANY` route uses `*` as the method: the cache key carries the request's actual method anyway.
 * 3. What the previous, TOKEN-authorizer design got wrong: its cache key was the token alone, so one policy listing
 *    every allowed route's pattern was reused for every route; with `*` crossing `/`, the pattern of
 *    `GET /orders/{id}` opened `GET /orders/7/invoice` to tokens without that route's scope (issue 10.1;
 *    test/authorizers/jwt-route-policy.test.ts keeps that construction as a counter-example).
 *
 * The Resource ARN of an authorizer policy is limited to 512 characters (Developer Guide, "Output from an Amazon
 * API Gateway Lambda authorizer"); route patterns are far shorter than their method ARNs.
 */

export interface AuthorizerPolicy {
  readonly principalId: string;
  readonly policyDocument: {
    readonly Version: '2012-10-17';
    readonly Statement: Array<{ readonly Action: 'execute-api:Invoke'; readonly Effect: 'Allow' | 'Deny'; readonly Resource: string[] }>;
  };
  readonly context?: Record<string, string>;
  /** The caller's API key value, for APIs whose key source is AUTHORIZER (usage-key.ts). */
  readonly usageIdentifierKey?: string;
}

/** The parts of `arn:aws:execute-api:region:account:apiId/stage/METHOD/path` a policy needs. */
export interface MethodArn {
  /** `arn:aws:execute-api:region:account` */
  readonly prefix: string;
  readonly apiId: string;
  readonly stage: string;
}

/** Splits a method ARN into its ARN prefix, api id and stage; undefined when it is not one. */
export function parseMethodArn(methodArn: string): MethodArn | undefined {
  const m = /^(arn:[a-z-]+:execute-api:[a-z0-9-]+:\d{12}):([A-Za-z0-9]+)\/([^/]+)\/.+$/.exec(methodArn);
  if (!m) return undefined;
  return { prefix: m[1], apiId: m[2], stage: m[3] };
}

/** The resource pattern of a route, relative to the stage: `GET /orders/{id}` -> `GET/orders/*`, `ANY` -> `*`. */
export function routeResource(method: string, path: string): string {
  const resourcePath = path
    .split('/')
    .map((s) => (s.startsWith('{') ? '*' : s))
    .join('/');
  return `${method === 'ANY' ? '*' : method}${resourcePath}`;
}

/** The route's resource ARN pattern in the stage of `arn`. */
export function routeArn(arn: MethodArn, method: string, path: string): string {
  return `${arn.prefix}:${arn.apiId}/${arn.stage}/${routeResource(method, path)}`;
}

function document(effect: 'Allow' | 'Deny', resource: string): AuthorizerPolicy['policyDocument'] {
  return { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: [resource] }] };
}

/** Allows exactly `resource` (a route pattern, or the `$connect` method ARN), passing `context` to the integration. */
export function allowPolicy(principalId: string, resource: string, context: Record<string, string>): AuthorizerPolicy {
  return { principalId, policyDocument: document('Allow', resource), context };
}

/** Explicitly denies `resource`: API Gateway answers 403. */
export function denyPolicy(principalId: string, resource: string): AuthorizerPolicy {
  return { principalId, policyDocument: document('Deny', resource) };
}
