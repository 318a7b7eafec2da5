import { Construct } from 'constructs';
import { binderOf } from './authorizers';
import { acceptsEmptyObject } from './openapi/model-schema';
import { ANY_METHOD_EXTENSION, CONCRETE_METHODS, SCHEME_NAMES, defaultScopes } from './openapi/names';
import { toOpenApiSchema } from './openapi/schema-export';
import { documentExtensions, operationExtensions, schemeExtensions } from './openapi-aws';
import { RouteEntry, defaultOperationName, pathParameterNames } from './routes';
import { ApiAuthorization } from '../core/authorization';

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

/**
 * The security requirements of a route: one, or, for Cognito's any-of scopes, one alternative per scope (OpenAPI's
 * scopes in one requirement are all-of).
 */
function requirements(scheme: string | undefined, auth: ApiAuthorization, scopes: string[], apiKey: boolean): Record<string, string[]>[] {
  const key: Record<string, string[]> = apiKey ? { apiKey: [] } : {};
  if (!scheme) return apiKey ? [key] : [];
  if (binderOf(auth).routeScopes === 'method' && scopes.length > 1) return scopes.map((s) => ({ [scheme]: [s], ...key }));
  return [{ [scheme]: [...scopes], ...key }];
}

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
  // Equal authorizations (same binder identity: every iam(), say) share one scheme, as they share one authorizer.
  const schemeNames = new Map<string, string>();

  const schemeFor = (auth: ApiAuthorization, scope: Construct): string | undefined => {
    const scheme = binderOf(auth).openApiScheme(auth);
    if (!scheme) return undefined;
    const identity = `${auth.kind} ${binderOf(auth).identity(scope, auth)}`;
    let name = schemeNames.get(identity);
    if (!name) {
      const base = SCHEME_NAMES[auth.kind];
      let n = 1;
      name = base;
      while (securitySchemes[name]) name = `${base}${++n}`;
      schemeNames.set(identity, name);
      securitySchemes[name] = info.awsExtensions ? { ...scheme, ...schemeExtensions(auth) } : scheme;
    }
    return name;
  };

  for (const route of routes) {
    const operationId = route.options.operationName ?? defaultOperationName(route.method, route.path);
    const auth = route.options.authorization ?? defaultAuthorization;
    const scheme = schemeFor(auth, route.cfnMethod);
    const scopes = route.options.scopes ?? defaultScopes(auth) ?? [];
    if (route.options.apiKeyRequired) securitySchemes.apiKey = { type: 'apiKey', in: 'header', name: 'x-api-key' };
    const operation: Record<string, unknown> = {
      operationId,
      security: requirements(scheme, auth, scopes, route.options.apiKeyRequired === true),
      responses: {
        200: { description: 'Success' },
        400: { $ref: '#/components/responses/Error' },
        401: { $ref: '#/components/responses/Error' },
        403: { $ref: '#/components/responses/Error' },
        429: { $ref: '#/components/responses/Error' },
        500: { $ref: '#/components/responses/Error' },
        // The route's own method responses (a non-proxy integration's status codes), where not listed above.
        ...Object.fromEntries((route.options.methodResponses ?? []).map((r) => [r.statusCode, { description: `HTTP ${r.statusCode}` }])
          .filter(([code]) => !['200', '400', '401', '403', '429', '500'].includes(code as string))),
      },
    };
    if (info.awsExtensions) Object.assign(operation, operationExtensions(route));
    const params = parameters(route);
    if (params.length) operation.parameters = params;
    if (route.options.requestSchema) {
      const name = `${operationId[0].toUpperCase()}${operationId.slice(1)}Request`;
      schemas[name] = toOpenApiSchema(route.options.requestSchema);
      // API Gateway validates a request without a body as {}: the body is required when the model refuses {}.
      const required = !acceptsEmptyObject(route.options.requestSchema);
      operation.requestBody = { required, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } };
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
