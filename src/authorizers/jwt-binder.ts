/**
 * How `ApiAuthorization.jwt()` binds itself to a REST method: the bundled JWT authorizer function (jwt-function.ts)
 * behind a REQUEST authorizer keyed by token AND route, so the policy it returns for one route is only ever reused
 * for that route (the argument, with its AWS sources: src/runtime/jwt/policy.ts). Internal.
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { ApiAuthorization, JwtTokenUse } from '../core/authorization';
import { checkCount, checkOneOf, checkPattern, fail } from '../core/private/validation';
import { BEARER_JWT_SCHEME, HEADER_NAME, RestBinder, checkResultsTtl, identityText, tokenCacheIdentity } from '../rest/authorizer-binders';
import { COGNITO_ISSUER } from '../runtime/jwt/config';

const HTTPS_URL = /^https:\/\/[^\s/?#]+(?:[/?#]\S*)?$/;

/**
 * The identity sources of the bundled JWT authorizer: the token header, then the route (`$context.httpMethod`,
 * `$context.resourcePath`), which makes API Gateway's authorizer cache key per token and route.
 */
export function jwtIdentitySources(header: string): string[] {
  return [apigateway.IdentitySource.header(header), apigateway.IdentitySource.context('httpMethod'), apigateway.IdentitySource.context('resourcePath')];
}

export const JWT_REST_BINDER: RestBinder = {
  idBase: 'JwtAuthorizer',
  routeScopes: 'authorizer',
  openApiScheme: () => BEARER_JWT_SCHEME,
  cacheIdentity: (auth, tokenHeader) => tokenCacheIdentity(auth.kind, tokenHeader),
  validate: (scope, prop, auth) => {
    const o = auth.jwtOptions!;
    checkPattern(scope, `${prop}.issuer`, o.issuer, HTTPS_URL, 'must be an https URL');
    checkCount(scope, `${prop}.audience`, o.audience, { min: 1 });
    for (const a of o.audience) checkPattern(scope, `${prop}.audience`, a, /^\S{1,256}$/, 'entries must be non-empty strings without spaces');
    checkPattern(scope, `${prop}.jwksUri`, o.jwksUri, HTTPS_URL, 'must be an https URL');
    if (o.jwksUri !== undefined && !Token.isUnresolved(o.issuer) && COGNITO_ISSUER.test(o.issuer)) {
      fail(scope, `${prop}.jwksUri`, o.jwksUri, 'must be omitted for a Cognito user pool issuer (its JWKS URL is fixed)');
    }
    checkOneOf(scope, `${prop}.tokenUse`, o.tokenUse, Object.values(JwtTokenUse));
    checkPattern(scope, `${prop}.headerName`, o.headerName, HEADER_NAME, 'must be an HTTP header name');
    for (const s of o.requiredScopes ?? []) checkPattern(scope, `${prop}.requiredScopes`, s, /^\S{1,256}$/, 'must be scope tokens without spaces');
    checkResultsTtl(scope, prop, o.resultsCacheTtl);
  },
  // Two jwt() authorizations with the same configuration verify the same tokens the same way: one authorizer.
  identity: (scope, auth: ApiAuthorization) => {
    const o = auth.jwtOptions!;
    return identityText(scope, {
      issuer: o.issuer,
      audience: o.audience,
      jwksUri: o.jwksUri ?? '',
      requiredScopes: o.requiredScopes ?? [],
      header: o.headerName ?? 'Authorization',
      ttl: (o.resultsCacheTtl ?? Duration.minutes(5)).toString(),
      tokenUse: o.tokenUse ?? JwtTokenUse.ACCESS,
      requireTokenUse: o.requireTokenUse ?? false,
    });
  },
  bind: (auth, { scope, id, jwtFunction, protects }) => {
    const o = auth.jwtOptions!;
    const header = o.headerName ?? 'Authorization';
    const handler = jwtFunction(scope, `${id}Function`, auth, protects);
    const authorizer = new apigateway.RequestAuthorizer(scope, id, {
      handler,
      identitySources: jwtIdentitySources(header),
      resultsCacheTtl: o.resultsCacheTtl ?? Duration.minutes(5),
    });
    return { authorizationType: apigateway.AuthorizationType.CUSTOM, authorizer, tokenHeader: header };
  },
};
