/**
 * Binds `ApiAuthorization` choices to a REST API: one authorizer per choice per API, created on first use,
 * validated against docs/limits.md. Internal to the REST base.
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ApiAuthorization, AuthorizationKind, JwtTokenUse } from '../core/authorization';
import { checkCount, checkDuration, checkOneOf, checkPattern, fail, warn } from '../core/private/validation';
import { COGNITO_ISSUER } from '../runtime/jwt/config';

/** What a route needs from its authorization. */
export interface BoundAuthorization {
  readonly authorizationType: apigateway.AuthorizationType;
  readonly authorizer?: apigateway.IAuthorizer;
  readonly scopes?: string[];
  /** The request header that carries the caller's token, part of the cache key of cached routes. */
  readonly tokenHeader?: string;
}

/** Creates the bundled JWT authorizer function of an API (provided by the REST base). */
export type JwtFunctionFactory = (scope: Construct, id: string, auth: ApiAuthorization) => lambda.IFunction;

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
const IDENTITY_SOURCE = /^(?:method\.request\.(?:header|querystring)\.[A-Za-z0-9._~!$&'*+-]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9._]+)$/;

/**
 * The identity sources of the bundled JWT authorizer: the token header, then the route (`$context.httpMethod`,
 * `$context.resourcePath`), which makes API Gateway's authorizer cache key per token and route.
 */
export function jwtIdentitySources(header: string): string[] {
  return [apigateway.IdentitySource.header(header), apigateway.IdentitySource.context('httpMethod'), apigateway.IdentitySource.context('resourcePath')];
}

/** Checks an authorization choice against docs/limits.md. */
export function validateAuthorization(scope: Construct, prop: string, auth: ApiAuthorization): void {
  const ttl = (d: Duration | undefined) => checkDuration(scope, `${prop}.resultsCacheTtl`, d, { minSeconds: 0, maxSeconds: 3600 });
  switch (auth.kind) {
    case AuthorizationKind.COGNITO:
      ttl(auth.cognitoOptions?.resultsCacheTtl);
      for (const s of auth.cognitoOptions?.scopes ?? []) checkPattern(scope, `${prop}.scopes`, s, /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/, 'must be OAuth scope tokens without spaces');
      break;
    case AuthorizationKind.JWT: {
      const o = auth.jwtOptions!;
      checkPattern(scope, `${prop}.issuer`, o.issuer, /^https:\/\/[^\s/?#]+(?:[/?#]\S*)?$/, 'must be an https URL');
      checkCount(scope, `${prop}.audience`, o.audience, { min: 1 });
      for (const a of o.audience) checkPattern(scope, `${prop}.audience`, a, /^\S{1,256}$/, 'entries must be non-empty strings without spaces');
      checkPattern(scope, `${prop}.jwksUri`, o.jwksUri, /^https:\/\/[^\s/?#]+(?:[/?#]\S*)?$/, 'must be an https URL');
      if (o.jwksUri !== undefined && !Token.isUnresolved(o.issuer) && COGNITO_ISSUER.test(o.issuer)) {
        fail(scope, `${prop}.jwksUri`, o.jwksUri, 'must be omitted for a Cognito user pool issuer (its JWKS URL is fixed)');
      }
      checkOneOf(scope, `${prop}.tokenUse`, o.tokenUse, Object.values(JwtTokenUse));
      checkPattern(scope, `${prop}.headerName`, o.headerName, HEADER_NAME, 'must be an HTTP header name');
      for (const s of o.requiredScopes ?? []) checkPattern(scope, `${prop}.requiredScopes`, s, /^\S{1,256}$/, 'must be scope tokens without spaces');
      ttl(o.resultsCacheTtl);
      break;
    }
    case AuthorizationKind.LAMBDA_TOKEN:
      checkPattern(scope, `${prop}.headerName`, auth.lambdaTokenOptions?.headerName, HEADER_NAME, 'must be an HTTP header name');
      ttl(auth.lambdaTokenOptions?.resultsCacheTtl);
      break;
    case AuthorizationKind.LAMBDA_REQUEST: {
      const sources = auth.identitySources ?? [];
      for (const s of sources) {
        checkPattern(scope, `${prop}.identitySources`, s, IDENTITY_SOURCE, 'entries must be method.request.header.X, method.request.querystring.X, stageVariables.X or context.X');
      }
      const cacheTtl = auth.lambdaRequestOptions?.resultsCacheTtl ?? Duration.minutes(5);
      ttl(cacheTtl);
      if (sources.length === 0 && !cacheTtl.isUnresolved() && cacheTtl.toSeconds() > 0) {
        fail(scope, `${prop}.identitySources`, sources, 'must name at least one source when results are cached (resultsCacheTtl > 0)');
      }
      break;
    }
    default:
      break;
  }
}

/**
 * The authorizers of one API, one per `ApiAuthorization` instance.
 */
export class RestAuthorizers {
  private readonly bound = new Map<ApiAuthorization, BoundAuthorization>();
  private count = 0;

  constructor(
    private readonly scope: Construct,
    private readonly jwtFunction: JwtFunctionFactory,
  ) {}

  /** Every authorizer created so far. */
  public get authorizers(): apigateway.IAuthorizer[] {
    return [...this.bound.values()].flatMap((b) => (b.authorizer ? [b.authorizer] : []));
  }

  /** The authorizer created for `auth`, if any. */
  public authorizerOf(auth: ApiAuthorization): apigateway.IAuthorizer | undefined {
    return this.bound.get(auth)?.authorizer;
  }

  /** Binds `auth` for a route with `routeScopes` (which override the authorization's own scopes). */
  public bind(auth: ApiAuthorization, routeScopes?: string[]): BoundAuthorization {
    let bound = this.bound.get(auth);
    if (!bound) {
      bound = this.create(auth);
      this.bound.set(auth, bound);
    }
    const scopes = routeScopes ?? bound.scopes;
    if (routeScopes && auth.kind !== AuthorizationKind.COGNITO && auth.kind !== AuthorizationKind.JWT) {
      fail(this.scope, 'route scopes', routeScopes, `apply only to COGNITO or JWT authorization, not ${auth.kind}`);
    }
    return { ...bound, scopes: auth.kind === AuthorizationKind.COGNITO ? scopes : undefined };
  }

  private nextId(base: string): string {
    this.count += 1;
    return this.count === 1 ? base : `${base}${this.count}`;
  }

  private create(auth: ApiAuthorization): BoundAuthorization {
    validateAuthorization(this.scope, 'authorization', auth);
    switch (auth.kind) {
      case AuthorizationKind.COGNITO: {
        const authorizer = new apigateway.CognitoUserPoolsAuthorizer(this.scope, this.nextId('CognitoAuthorizer'), {
          cognitoUserPools: [auth.userPool!],
          resultsCacheTtl: auth.cognitoOptions?.resultsCacheTtl ?? Duration.minutes(5),
        });
        return { authorizationType: apigateway.AuthorizationType.COGNITO, authorizer, scopes: auth.cognitoOptions?.scopes, tokenHeader: 'Authorization' };
      }
      case AuthorizationKind.JWT: {
        const o = auth.jwtOptions!;
        const header = o.headerName ?? 'Authorization';
        const id = this.nextId('JwtAuthorizer');
        const handler = this.jwtFunction(this.scope, `${id}Function`, auth);
        // A REQUEST authorizer keyed by token AND route, so the policy it returns for one route is only ever
        // reused for that route (the argument, with its AWS sources: src/runtime/jwt/policy.ts).
        const authorizer = new apigateway.RequestAuthorizer(this.scope, id, {
          handler,
          identitySources: jwtIdentitySources(header),
          resultsCacheTtl: o.resultsCacheTtl ?? Duration.minutes(5),
        });
        return { authorizationType: apigateway.AuthorizationType.CUSTOM, authorizer, tokenHeader: header };
      }
      case AuthorizationKind.LAMBDA_TOKEN: {
        const o = auth.lambdaTokenOptions ?? {};
        const header = o.headerName ?? 'Authorization';
        const authorizer = new apigateway.TokenAuthorizer(this.scope, this.nextId('TokenAuthorizer'), {
          handler: auth.handler!,
          identitySource: apigateway.IdentitySource.header(header),
          validationRegex: o.validationRegex,
          resultsCacheTtl: o.resultsCacheTtl ?? Duration.minutes(5),
        });
        return { authorizationType: apigateway.AuthorizationType.CUSTOM, authorizer, tokenHeader: header };
      }
      case AuthorizationKind.LAMBDA_REQUEST: {
        const o = auth.lambdaRequestOptions ?? {};
        const authorizer = new apigateway.RequestAuthorizer(this.scope, this.nextId('RequestAuthorizer'), {
          handler: auth.handler!,
          identitySources: auth.identitySources ?? [],
          resultsCacheTtl: o.resultsCacheTtl ?? Duration.minutes(5),
        });
        const header = (auth.identitySources ?? [])
          .map((s) => /^method\.request\.header\.(.+)$/.exec(s)?.[1])
          .find((h): h is string => h !== undefined && !Token.isUnresolved(h));
        return { authorizationType: apigateway.AuthorizationType.CUSTOM, authorizer, tokenHeader: header };
      }
      case AuthorizationKind.IAM:
        return { authorizationType: apigateway.AuthorizationType.IAM };
      case AuthorizationKind.NONE:
      default:
        warn(
          this.scope,
          'NoAuthorization',
          'routes without authorization: anyone can call them. Acknowledge this warning with a reason if it is intended',
        );
        return { authorizationType: apigateway.AuthorizationType.NONE };
    }
  }
}
