/**
 * Names the OpenAPI export writes and the import reads back: security scheme names per authorization kind, the
 * marker of an ANY route, the methods of a path item. Internal.
 */
import { ApiAuthorization, AuthorizationKind } from '../../core/authorization';

/** The HTTP methods an OpenAPI path item has that API Gateway REST APIs have too (an ANY route is all of them). */
export const CONCRETE_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/**
 * Marks the operations an ANY route is spelled as (one per concrete method, since OpenAPI has no "any"), with the
 * route's operationId, so that an import reads them back as one ANY route.
 */
export const ANY_METHOD_EXTENSION = 'x-apigateway-patterns-any-method';

/** API Gateway's own extension for an ANY method in a path item. */
export const AWS_ANY_METHOD = 'x-amazon-apigateway-any-method';

/** The security scheme name of each authorization kind in an exported document. */
export const SCHEME_NAMES: Record<AuthorizationKind, string> = {
  [AuthorizationKind.COGNITO]: 'cognito',
  [AuthorizationKind.JWT]: 'jwt',
  [AuthorizationKind.LAMBDA_TOKEN]: 'lambdaToken',
  [AuthorizationKind.LAMBDA_REQUEST]: 'lambdaRequest',
  [AuthorizationKind.IAM]: 'sigv4',
  [AuthorizationKind.NONE]: 'none',
};

/** The scopes an authorization asks of every route by default. */
export function defaultScopes(auth: ApiAuthorization): string[] | undefined {
  if (auth.kind === AuthorizationKind.COGNITO) return auth.cognitoOptions?.scopes;
  if (auth.kind === AuthorizationKind.JWT) return auth.jwtOptions?.requiredScopes;
  return undefined;
}
