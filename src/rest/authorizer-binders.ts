/**
 * How each kind of `ApiAuthorization` binds itself to a REST method (aws-cdk's `bind()` idiom, one binder per
 * kind instead of a `switch (kind)` in every consumer): its validation against docs/limits.md, the identity that
 * makes two equal authorizations share one authorizer, and the authorizer it creates. The JWT kind's binder lives
 * with its authorizer in src/authorizers/jwt-binder.ts. Internal to the REST base.
 */
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ApiAuthorization, AuthorizationKind } from '../core/authorization';
import { checkDuration, checkPattern, fail, warn } from '../core/private/validation';

/** What a route needs from its authorization. */
export interface BoundAuthorization {
  readonly authorizationType: apigateway.AuthorizationType;
  readonly authorizer?: apigateway.IAuthorizer;
  readonly scopes?: string[];
  /** The request header that carries the caller's token, part of the cache key of cached routes. */
  readonly tokenHeader?: string;
}

/**
 * Creates the bundled JWT authorizer function of an API (provided by the REST base); `protects` tells which routes'
 * authorizations this authorizer serves (equal authorizations share it).
 */
export type JwtFunctionFactory = (
  scope: Construct, id: string, auth: ApiAuthorization, protects: (other: ApiAuthorization) => boolean,
) => lambda.IFunction;

/** What a binder gets besides the authorization. */
export interface RestBindContext {
  readonly scope: Construct;
  /** The authorizer's construct id (derived from the authorization, see RestAuthorizers). */
  readonly id: string;
  readonly jwtFunction: JwtFunctionFactory;
  /** Whether another authorization is equal to this one (shares its authorizer). */
  readonly protects: (other: ApiAuthorization) => boolean;
}

/** The caller-identity part of a cached method's key, or why there can be none (rest/route-cache.ts). */
export interface CallerIdentityKey {
  readonly keyParameters: string[];
  /** Set when the identity cannot be part of the key. */
  readonly unkeyableReason?: string;
}

/** Token-based kinds: the token header identifies the caller. */
function tokenIdentity(kind: string, tokenHeader?: string): CallerIdentityKey {
  return tokenHeader
    ? { keyParameters: [`method.request.header.${tokenHeader}`] }
    : { keyParameters: [], unkeyableReason: `the ${kind} authorizer names no token header` };
}

/** One kind's binding to REST methods. */
export interface RestBinder {
  /** Base of the authorizer's construct id. */
  readonly idBase: string;
  /** Whether route `scopes` apply to this kind (as method scopes for Cognito, in the authorizer for JWT). */
  readonly routeScopes: 'method' | 'authorizer' | 'none';
  validate(scope: Construct, prop: string, auth: ApiAuthorization): void;
  /** The configuration that decides the authorizer: equal identities share one. */
  identity(scope: Construct, auth: ApiAuthorization): string;
  bind(auth: ApiAuthorization, context: RestBindContext): BoundAuthorization;
  /** The request parameters that identify the caller in a cache key. */
  cacheIdentity(auth: ApiAuthorization, tokenHeader?: string): CallerIdentityKey;
  /** The OpenAPI 3 security scheme routes of this kind appear under in the exported document (none for `none()`). */
  openApiScheme(auth: ApiAuthorization): Record<string, unknown> | undefined;
}

/** The bearer-token scheme of the Cognito and JWT kinds. */
export const BEARER_JWT_SCHEME = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };

/** A token-based kind's cache identity (the JWT binder uses it too). */
export const tokenCacheIdentity = tokenIdentity;

export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
const IDENTITY_SOURCE = /^(?:method\.request\.(?:header|querystring)\.[A-Za-z0-9._~!$&'*+-]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9._]+)$/;
const DEFAULT_TTL = Duration.minutes(5);

/** Checks a result TTL (0-3600 s). */
export function checkResultsTtl(scope: Construct, prop: string, ttl: Duration | undefined): void {
  checkDuration(scope, `${prop}.resultsCacheTtl`, ttl, { minSeconds: 0, maxSeconds: 3600 });
}

/** A stable text for identities: resolved values, sorted keys. */
export function identityText(scope: Construct, parts: Record<string, unknown>): string {
  const resolved = Stack.of(scope).resolve(parts) as Record<string, unknown>;
  return JSON.stringify(resolved, Object.keys(resolved).sort());
}

function ttlSeconds(ttl: Duration | undefined): number | string {
  const t = ttl ?? DEFAULT_TTL;
  return t.isUnresolved() ? t.toString() : t.toSeconds();
}

const cognito: RestBinder = {
  idBase: 'CognitoAuthorizer',
  routeScopes: 'method',
  validate: (scope, prop, auth) => {
    checkResultsTtl(scope, prop, auth.cognitoOptions?.resultsCacheTtl);
    for (const s of auth.cognitoOptions?.scopes ?? []) checkPattern(scope, `${prop}.scopes`, s, /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/, 'must be OAuth scope tokens without spaces');
  },
  identity: (scope, auth) => identityText(scope, { pool: auth.userPool!.node.path, ttl: ttlSeconds(auth.cognitoOptions?.resultsCacheTtl) }),
  openApiScheme: () => BEARER_JWT_SCHEME,
  cacheIdentity: (auth, tokenHeader) => tokenIdentity(auth.kind, tokenHeader),
  bind: (auth, { scope, id }) => ({
    authorizationType: apigateway.AuthorizationType.COGNITO,
    authorizer: new apigateway.CognitoUserPoolsAuthorizer(scope, id, {
      cognitoUserPools: [auth.userPool!],
      resultsCacheTtl: auth.cognitoOptions?.resultsCacheTtl ?? DEFAULT_TTL,
    }),
    scopes: auth.cognitoOptions?.scopes,
    tokenHeader: 'Authorization',
  }),
};

const lambdaToken: RestBinder = {
  idBase: 'TokenAuthorizer',
  routeScopes: 'none',
  openApiScheme: (auth) => ({ type: 'apiKey', in: 'header', name: auth.lambdaTokenOptions?.headerName ?? 'Authorization' }),
  cacheIdentity: (auth, tokenHeader) => tokenIdentity(auth.kind, tokenHeader),
  validate: (scope, prop, auth) => {
    checkPattern(scope, `${prop}.headerName`, auth.lambdaTokenOptions?.headerName, HEADER_NAME, 'must be an HTTP header name');
    checkResultsTtl(scope, prop, auth.lambdaTokenOptions?.resultsCacheTtl);
  },
  identity: (scope, auth) => {
    const o = auth.lambdaTokenOptions ?? {};
    return identityText(scope, { fn: auth.handler!.node.path, header: o.headerName ?? 'Authorization', regex: o.validationRegex ?? '', ttl: ttlSeconds(o.resultsCacheTtl) });
  },
  bind: (auth, { scope, id }) => {
    const o = auth.lambdaTokenOptions ?? {};
    const header = o.headerName ?? 'Authorization';
    const authorizer = new apigateway.TokenAuthorizer(scope, id, {
      handler: auth.handler!,
      identitySource: apigateway.IdentitySource.header(header),
      validationRegex: o.validationRegex,
      resultsCacheTtl: o.resultsCacheTtl ?? DEFAULT_TTL,
    });
    return { authorizationType: apigateway.AuthorizationType.CUSTOM, authorizer, tokenHeader: header };
  },
};

const lambdaRequest: RestBinder = {
  idBase: 'RequestAuthorizer',
  routeScopes: 'none',
  openApiScheme: (auth) => {
    const source = auth.identitySources?.[0] ?? 'method.request.header.Authorization';
    const m = /^method\.request\.(header|querystring)\.(.+)$/.exec(source);
    return { type: 'apiKey', in: m?.[1] === 'querystring' ? 'query' : 'header', name: m?.[2] ?? 'Authorization' };
  },
  cacheIdentity: (auth) => {
    const sources = auth.identitySources ?? [];
    if (sources.length === 0) return { keyParameters: [], unkeyableReason: 'the REQUEST authorizer has no identity sources' };
    const keys: string[] = [];
    for (const source of sources) {
      // Stage variables are the same for every caller of the stage: they identify no one.
      if (source.startsWith('stageVariables.')) continue;
      if (!/^method\.request\.(?:header|querystring)\./.test(source)) {
        return { keyParameters: [], unkeyableReason: `the REQUEST authorizer's identity source ${source} is not a request parameter` };
      }
      keys.push(source);
    }
    return { keyParameters: keys };
  },
  validate: (scope, prop, auth) => {
    const sources = auth.identitySources ?? [];
    for (const s of sources) {
      checkPattern(scope, `${prop}.identitySources`, s, IDENTITY_SOURCE, 'entries must be method.request.header.X, method.request.querystring.X, stageVariables.X or context.X');
    }
    const cacheTtl = auth.lambdaRequestOptions?.resultsCacheTtl ?? DEFAULT_TTL;
    checkResultsTtl(scope, prop, cacheTtl);
    if (sources.length === 0 && !cacheTtl.isUnresolved() && cacheTtl.toSeconds() > 0) {
      fail(scope, `${prop}.identitySources`, sources, 'must name at least one source when results are cached (resultsCacheTtl > 0)');
    }
  },
  identity: (scope, auth) =>
    identityText(scope, {
      fn: auth.handler!.node.path,
      sources: auth.identitySources ?? [],
      ttl: ttlSeconds(auth.lambdaRequestOptions?.resultsCacheTtl),
    }),
  bind: (auth, { scope, id }) => {
    const authorizer = new apigateway.RequestAuthorizer(scope, id, {
      handler: auth.handler!,
      identitySources: auth.identitySources ?? [],
      resultsCacheTtl: auth.lambdaRequestOptions?.resultsCacheTtl ?? DEFAULT_TTL,
    });
    const header = (auth.identitySources ?? [])
      .map((s) => /^method\.request\.header\.(.+)$/.exec(s)?.[1])
      .find((h): h is string => h !== undefined && !Token.isUnresolved(h));
    return { authorizationType: apigateway.AuthorizationType.CUSTOM, authorizer, tokenHeader: header };
  },
};

const iam: RestBinder = {
  idBase: 'Iam',
  routeScopes: 'none',
  openApiScheme: () => ({ type: 'apiKey', in: 'header', name: 'Authorization', description: 'AWS Signature Version 4' }),
  cacheIdentity: () => ({ keyParameters: [], unkeyableReason: 'IAM (SigV4) callers are identified by a signature that changes with every request' }),
  validate: () => undefined,
  identity: () => 'iam',
  bind: () => ({ authorizationType: apigateway.AuthorizationType.IAM }),
};

const none: RestBinder = {
  idBase: 'None',
  routeScopes: 'none',
  openApiScheme: () => undefined,
  cacheIdentity: () => ({ keyParameters: [] }),
  validate: () => undefined,
  identity: () => 'none',
  bind: (_auth, { scope }) => {
    warn(scope, 'NoAuthorization', 'routes without authorization: anyone can call them. Acknowledge this warning with a reason if it is '
      + 'intended');
    return { authorizationType: apigateway.AuthorizationType.NONE };
  },
};

/** The binders of every kind but JWT (src/authorizers/jwt-binder.ts). */
export const REST_BINDERS: Record<Exclude<AuthorizationKind, AuthorizationKind.JWT>, RestBinder> = {
  [AuthorizationKind.COGNITO]: cognito,
  [AuthorizationKind.LAMBDA_TOKEN]: lambdaToken,
  [AuthorizationKind.LAMBDA_REQUEST]: lambdaRequest,
  [AuthorizationKind.IAM]: iam,
  [AuthorizationKind.NONE]: none,
};
