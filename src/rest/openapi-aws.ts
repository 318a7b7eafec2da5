/**
 * API Gateway's OpenAPI extensions (`x-amazon-apigateway-*`) for an exported document, added only when asked
 * (`toOpenApi({ awsExtensions: true })`): the integration of each operation as deployed, request validators, the
 * API-key source and the authorizer types. Values CloudFormation resolves at deploy time (function ARNs, ids)
 * appear as CloudFormation intrinsic functions. Internal.
 */
import { Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { REQUEST_VALIDATORS, RouteEntry } from './routes';
import { ApiAuthorization, AuthorizationKind } from '../core/authorization';

const AUTH_TYPES: Partial<Record<AuthorizationKind, string>> = {
  [AuthorizationKind.COGNITO]: 'cognito_user_pools',
  [AuthorizationKind.JWT]: 'custom',
  [AuthorizationKind.LAMBDA_TOKEN]: 'custom',
  [AuthorizationKind.LAMBDA_REQUEST]: 'custom',
  [AuthorizationKind.IAM]: 'awsSigv4',
};

/** The top-level extensions of the document. */
export function documentExtensions(): Record<string, unknown> {
  const validators = Object.fromEntries(
    Object.values(REQUEST_VALIDATORS).map(({ name, ...flags }) => [name, flags]),
  );
  return { 'x-amazon-apigateway-request-validators': validators, 'x-amazon-apigateway-api-key-source': 'HEADER' };
}

/** The extension of a security scheme. */
export function schemeExtensions(auth: ApiAuthorization): Record<string, unknown> {
  const type = AUTH_TYPES[auth.kind];
  return type ? { 'x-amazon-apigateway-authtype': type } : {};
}

/** The extensions of one operation: its validator and its integration as the method renders it. */
export function operationExtensions(route: RouteEntry): Record<string, unknown> {
  const cfn = route.cfnMethod.node.defaultChild as apigateway.CfnMethod;
  const integration = Stack.of(cfn).resolve(cfn.integration) as Record<string, any> | undefined;
  const out: Record<string, unknown> = {
    'x-amazon-apigateway-request-validator': route.options.requestSchema ? REQUEST_VALIDATORS.body.name : REQUEST_VALIDATORS.params.name,
  };
  if (integration) out['x-amazon-apigateway-integration'] = renderIntegration(integration);
  return out;
}

/** CloudFormation's `Integration` (camelCase as resolved) -> the OpenAPI extension's shape. */
function renderIntegration(i: Record<string, any>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: String(i.type).toLowerCase(),
    httpMethod: i.integrationHttpMethod,
    uri: i.uri,
    credentials: i.credentials,
    passthroughBehavior: i.passthroughBehavior?.toLowerCase(),
    requestParameters: i.requestParameters,
    requestTemplates: i.requestTemplates,
    timeoutInMillis: i.timeoutInMillis,
    connectionType: i.connectionType,
    connectionId: i.connectionId,
    contentHandling: i.contentHandling,
    cacheKeyParameters: i.cacheKeyParameters,
  };
  if (Array.isArray(i.integrationResponses) && i.integrationResponses.length) {
    out.responses = Object.fromEntries(
      i.integrationResponses.map((r: Record<string, any>) => [
        r.selectionPattern ?? 'default',
        { statusCode: r.statusCode, responseParameters: r.responseParameters, responseTemplates: r.responseTemplates },
      ]),
    );
  }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}
