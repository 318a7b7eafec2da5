import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { documentExtensions, operationExtensions, schemeExtensions } from './openapi-aws';
import { RouteEntry, defaultOperationName, pathParameterNames } from './routes';
import { ApiAuthorization, AuthorizationKind } from '../core/authorization';

/**
 * Options of the OpenAPI export.
 */
export interface OpenApiExportOptions {
  /**
   * `info.title`.
   * @default - the API's name
   */
  readonly title?: string;
  /**
   * `info.version`.
   * @default '1.0.0'
   */
  readonly version?: string;
  /**
   * `info.description`.
   * @default - none
   */
  readonly description?: string;
  /**
   * A server URL, e.g. the stage URL or a custom domain.
   * @default - no `servers` entry
   */
  readonly serverUrl?: string;
  /**
   * Add API Gateway's `x-amazon-apigateway-*` extensions: each operation's integration as deployed (values
   * resolved at deploy time appear as CloudFormation intrinsic functions), request validators, the API-key
   * source and authorizer types.
   * @default false - a portable document for client SDK generators
   */
  readonly awsExtensions?: boolean;
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['message'],
  properties: { message: { type: 'string' }, requestId: { type: 'string' } },
};

/** The HTTP methods an OpenAPI path item has (an ANY route is spelled as all of them). */
export const CONCRETE_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Converts an API Gateway JSON schema (draft 4 style, `ref`) to an OpenAPI 3.0 schema object (`$ref`). */
export function toOpenApiSchema(schema: apigateway.JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (value === undefined || key === 'schema' || key === 'id') continue;
    if (key === 'ref') {out.$ref = value;} else if (key === 'type' && Array.isArray(value)) {out.anyOf = value.map((t) => ({ type: t }));} else if (['properties', 'patternProperties', 'definitions'].includes(key)) {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, apigateway.JsonSchema>).map(([k, v]) => [k, toOpenApiSchema(v)]));
    } else if (['items', 'additionalProperties', 'additionalItems', 'not'].includes(key) && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = toOpenApiSchema(value as apigateway.JsonSchema);
    } else if (['allOf', 'anyOf', 'oneOf'].includes(key) || (key === 'items' && Array.isArray(value))) {
      out[key] = (value as apigateway.JsonSchema[]).map(toOpenApiSchema);
    } else {out[key] = value;}
  }
  return out;
}

/** The security scheme an authorization appears as. */
function securityScheme(auth: ApiAuthorization): Record<string, unknown> | undefined {
  switch (auth.kind) {
    case AuthorizationKind.COGNITO:
    case AuthorizationKind.JWT:
      return { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
    case AuthorizationKind.LAMBDA_TOKEN:
      return { type: 'apiKey', in: 'header', name: auth.lambdaTokenOptions?.headerName ?? 'Authorization' };
    case AuthorizationKind.LAMBDA_REQUEST: {
      const source = auth.identitySources?.[0] ?? 'method.request.header.Authorization';
      const m = /^method\.request\.(header|querystring)\.(.+)$/.exec(source);
      return { type: 'apiKey', in: m?.[1] === 'querystring' ? 'query' : 'header', name: m?.[2] ?? 'Authorization' };
    }
    case AuthorizationKind.IAM:
      return { type: 'apiKey', in: 'header', name: 'Authorization', description: 'AWS Signature Version 4' };
    default:
      return undefined;
  }
}

/** The scopes an authorization asks of every route by default. */
export function defaultScopes(auth: ApiAuthorization): string[] | undefined {
  if (auth.kind === AuthorizationKind.COGNITO) return auth.cognitoOptions?.scopes;
  if (auth.kind === AuthorizationKind.JWT) return auth.jwtOptions?.requiredScopes;
  return undefined;
}

/**
 * Marks the operations an ANY route is spelled as (one per concrete method, since OpenAPI has no "any"), with the
 * route's operationId, so that an import reads them back as one ANY route.
 */
export const ANY_METHOD_EXTENSION = 'x-apigateway-patterns-any-method';

/** The security scheme name of each authorization kind in an exported document. */
export const SCHEME_NAMES: Record<AuthorizationKind, string> = {
  [AuthorizationKind.COGNITO]: 'cognito',
  [AuthorizationKind.JWT]: 'jwt',
  [AuthorizationKind.LAMBDA_TOKEN]: 'lambdaToken',
  [AuthorizationKind.LAMBDA_REQUEST]: 'lambdaRequest',
  [AuthorizationKind.IAM]: 'sigv4',
  [AuthorizationKind.NONE]: 'none',
};

function parameters(route: RouteEntry): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const name of pathParameterNames(route.path)) out.push({ name, in: 'path', required: true, schema: { type: 'string' } });
  for (const [key, required] of Object.entries(route.options.requestParameters ?? {})) {
    const m = /^method\.request\.(querystring|header)\.(.+)$/.exec(key);
    if (m) out.push({ name: m[2], in: m[1] === 'querystring' ? 'query' : 'header', required, schema: { type: 'string' } });
  }
  return out;
}

/**
 * An OpenAPI 3.0.3 document of a route table: operations, parameters, request schemas, security schemes and
 * API-key requirements, without AWS deployment details. Pure; the REST patterns expose it as `toOpenApi()`.
 */
export function exportOpenApi(
  routes: RouteEntry[],
  defaultAuthorization: ApiAuthorization,
  info: OpenApiExportOptions & { readonly title: string },
): Record<string, any> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = { Error: ERROR_SCHEMA };
  const securitySchemes: Record<string, unknown> = {};
  const schemeNames = new Map<ApiAuthorization, string>();

  const schemeFor = (auth: ApiAuthorization): string | undefined => {
    const scheme = securityScheme(auth);
    if (!scheme) return undefined;
    let name = schemeNames.get(auth);
    if (!name) {
      const base = SCHEME_NAMES[auth.kind];
      let n = 1;
      name = base;
      while (securitySchemes[name]) name = `${base}${++n}`;
      schemeNames.set(auth, name);
      securitySchemes[name] = info.awsExtensions ? { ...scheme, ...schemeExtensions(auth) } : scheme;
    }
    return name;
  };

  for (const route of routes) {
    const operationId = route.options.operationName ?? defaultOperationName(route.method, route.path);
    const auth = route.options.authorization ?? defaultAuthorization;
    const scheme = schemeFor(auth);
    const scopes = route.options.scopes ?? defaultScopes(auth) ?? [];
    const requirement: Record<string, string[]> = {};
    if (scheme) requirement[scheme] = [...scopes];
    if (route.options.apiKeyRequired) {
      securitySchemes.apiKey = { type: 'apiKey', in: 'header', name: 'x-api-key' };
      requirement.apiKey = [];
    }
    const operation: Record<string, unknown> = {
      operationId,
      security: Object.keys(requirement).length ? [requirement] : [],
      responses: {
        200: { description: 'Success' },
        400: { $ref: '#/components/responses/Error' },
        401: { $ref: '#/components/responses/Error' },
        403: { $ref: '#/components/responses/Error' },
        429: { $ref: '#/components/responses/Error' },
        500: { $ref: '#/components/responses/Error' },
      },
    };
    if (info.awsExtensions) Object.assign(operation, operationExtensions(route));
    const params = parameters(route);
    if (params.length) operation.parameters = params;
    if (route.options.requestSchema) {
      const name = `${operationId[0].toUpperCase()}${operationId.slice(1)}Request`;
      schemas[name] = toOpenApiSchema(route.options.requestSchema);
      operation.requestBody = { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } };
    }
    const item = (paths[route.path] ??= {});
    if (route.method === 'ANY') {
      for (const m of CONCRETE_METHODS) {
        if (!item[m]) item[m] = { ...operation, operationId: `${operationId}${m[0].toUpperCase()}${m.slice(1)}`, [ANY_METHOD_EXTENSION]: operationId };
      }
    } else {
      item[route.method.toLowerCase()] = operation;
    }
  }

  return {
    openapi: '3.0.3',
    info: { title: info.title, version: info.version ?? '1.0.0', ...(info.description ? { description: info.description } : {}) },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    ...(info.awsExtensions ? documentExtensions() : {}),
    paths,
    components: {
      schemas,
      responses: { Error: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
      ...(Object.keys(securitySchemes).length ? { securitySchemes } : {}),
    },
  };
}
