/**
 * The bundled JWT authorizer function of a REST API: hardened (see core/private/functions.ts) and configured
 * through the environment contract of src/runtime/jwt/config.ts. Internal to the REST base.
 */
import { Lazy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { JwtAuthorizerFunction } from '../authorizers/jwt-authorizer-function';
import { ApiAuthorization } from '../core/authorization';
import { acknowledgeFunctionFindings, hardenedFunctionOptions, FunctionHardening } from '../core/private/functions';
import { RouteEntry } from '../core/routes';

/** What the REST base gives the factory. */
export interface JwtFunctionContext {
  readonly hardening: FunctionHardening;
  /**
   * The API's routes, read at synth time (routes are added after the authorizer is created).
   * @default - no route-scope map: the policy allows only the called method (WebSocket $connect)
   */
  readonly routes?: () => RouteEntry[];
  readonly defaultAuthorization: ApiAuthorization;
  /**
   * Query-string parameter that may carry the token (WebSocket $connect).
   * @default - none
   */
  readonly tokenQuery?: string;
}

/** Route key -> scopes, for the routes this authorization protects (API default or explicit). */
export function routeScopesFor(auth: ApiAuthorization, routes: RouteEntry[], defaultAuthorization: ApiAuthorization): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const route of routes) {
    if ((route.options.authorization ?? defaultAuthorization) !== auth) continue;
    out[`${route.method} ${route.path}`] = route.options.scopes ?? [];
  }
  return out;
}

/** The JSON route-scope map, rendered at synth time when every route is known. */
function routeScopesVariable(auth: ApiAuthorization, routes: () => RouteEntry[], defaultAuthorization: ApiAuthorization): string {
  return Lazy.string({ produce: () => JSON.stringify(routeScopesFor(auth, routes(), defaultAuthorization)) });
}

/** Creates the authorizer function for `auth` (a JWT authorization). */
export function bindJwtAuthorizerFunction(
  scope: Construct,
  id: string,
  auth: ApiAuthorization,
  context: JwtFunctionContext,
): lambda.IFunction {
  const options = auth.jwtOptions!;
  const hardening = context.hardening;
  const spec = {
    purpose: `Verifies JWTs from ${options.issuer} for ${scope.node.path}`,
    noVpcReason: 'the authorizer fetches the issuer\'s public JWKS over the internet and holds no data',
    memorySize: 256,
    environment: {
      JWT_ISSUER: options.issuer,
      JWT_AUDIENCE: options.audience.join(','),
      ...(options.jwksUri ? { JWT_JWKS_URI: options.jwksUri } : {}),
      ...(options.requiredScopes?.length ? { JWT_REQUIRED_SCOPES: options.requiredScopes.join(' ') } : {}),
      ...(context.routes ? { JWT_ROUTE_SCOPES: routeScopesVariable(auth, context.routes, context.defaultAuthorization) } : {}),
      JWT_TOKEN_HEADER: options.headerName ?? 'Authorization',
      ...(context.tokenQuery ? { JWT_TOKEN_QUERY: context.tokenQuery } : {}),
    },
  };
  const fn = new JwtAuthorizerFunction(scope, id, {
    ...hardenedFunctionOptions(scope, id, hardening, spec),
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
    systemLogLevelV2: lambda.SystemLogLevel.WARN,
  });
  acknowledgeFunctionFindings(fn, hardening, spec);
  return fn;
}
