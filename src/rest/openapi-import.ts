import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { IConstruct } from 'constructs';
import { ANY_METHOD_EXTENSION, CONCRETE_METHODS as METHODS, SCHEME_NAMES, defaultScopes } from './openapi';
import { RouteOptions, pathParameterNames } from './routes';
import { ApiAuthorization, AuthorizationKind } from '../core/authorization';
import { fail } from '../core/private/validation';

/**
 * Options of the OpenAPI import.
 */
export interface OpenApiImportOptions {
  /** The backend of each operation, by `operationId`; every operation needs one and every entry must be used. */
  readonly integrations: Record<string, apigateway.Integration>;
  /**
   * The authorization of each security scheme of the document, by scheme name. A scheme named as the export
   * names the API's default authorization (`jwt`, `cognito`, `lambdaToken`, `lambdaRequest`, `sigv4`) maps to
   * it, `sigv4` to IAM, and an `apiKey` scheme named `apiKey` to `apiKeyRequired`.
   * @default - only those implicit mappings
   */
  readonly authorizations?: Record<string, ApiAuthorization>;
}

/** One route read from a document. */
export interface ImportedRoute {
  readonly method: string;
  readonly path: string;
  readonly options: RouteOptions;
  readonly integration: apigateway.Integration;
}

const ANY_KEY = 'x-amazon-apigateway-any-method';
const SCHEMA_TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];
/** OpenAPI keywords with no meaning for request validation: dropped. */
const DROPPED = new Set(['nullable', 'readOnly', 'writeOnly', 'example', 'examples', 'deprecated', 'discriminator', 'xml', 'externalDocs']);
/** Keywords passed through unchanged (JSON Schema draft 4 as API Gateway models accept it). */
const PLAIN = new Set([
  'type', 'title', 'description', 'format', 'default', 'enum', 'const', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum',
  'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties', 'required',
]);

/**
 * Reads the routes of an OpenAPI 3.0/3.1 document: one per operation, with its operationId as operation name,
 * its JSON request schema as model (with body validation), its query and header parameters, and its security
 * requirement as authorization, scopes and API-key requirement. Throws, naming the path and operation, on
 * anything it cannot map.
 */
export function importOpenApi(
  scope: IConstruct,
  document: any,
  options: OpenApiImportOptions,
  defaultAuthorization: ApiAuthorization,
): ImportedRoute[] {
  const version = typeof document?.openapi === 'string' ? document.openapi : undefined;
  if (!version || !/^3\.[01]\.\d+$/.test(version)) {
    fail(scope, 'openApi.openapi', version ?? document?.swagger ?? document?.openapi, 'must be an OpenAPI 3.0.x or 3.1.x document');
  }
  if (typeof document.paths !== 'object' || document.paths === null) fail(scope, 'openApi.paths', document.paths, 'must be an object of paths');
  const schemes: Record<string, any> = document.components?.securitySchemes ?? {};
  const used = new Set<string>();
  const iam = ApiAuthorization.iam();
  const routes: ImportedRoute[] = [];

  for (const [path, item] of Object.entries<any>(document.paths)) {
    const anyGroups = new Map<string, string[]>();
    for (const key of [...METHODS, ANY_KEY]) {
      const op = item?.[key];
      if (!op) continue;
      const where = `${key === ANY_KEY ? 'ANY' : key.toUpperCase()} ${path}`;
      const anyOf = typeof op[ANY_METHOD_EXTENSION] === 'string' ? op[ANY_METHOD_EXTENSION] : undefined;
      if (anyOf) {
        // The export spells an ANY route as every concrete method, each marked with the route's operationId.
        anyGroups.set(anyOf, [...(anyGroups.get(anyOf) ?? []), key]);
        continue;
      }
      const operationId = op.operationId;
      if (typeof operationId !== 'string' || !operationId) fail(scope, `openApi operation ${where} operationId`, operationId, 'every operation needs an operationId (it selects the integration)');
      routes.push(toRoute(operationId, key === ANY_KEY ? 'ANY' : key.toUpperCase(), path, op, item, where));
    }
    for (const [operationId, keys] of anyGroups) {
      if (keys.length !== METHODS.length) {
        fail(scope, `openApi operation ${path} ${ANY_METHOD_EXTENSION}`, operationId, `must mark all of ${METHODS.join(', ')} (found ${keys.join(', ')})`);
      }
      routes.push(toRoute(operationId, 'ANY', path, item[keys[0]], item, `ANY ${path}`));
    }
  }

  const unknown = Object.keys(options.integrations).filter((id) => !used.has(id));
  if (unknown.length) fail(scope, 'openApi integrations', unknown, 'names operationIds the document does not have');
  return routes;

  function toRoute(operationId: string, method: string, path: string, op: any, item: any, where: string): ImportedRoute {
    const prop = `openApi operation ${where} (${operationId})`;
    if (used.has(operationId)) fail(scope, `${prop} operationId`, operationId, 'must be unique in the document');
    used.add(operationId);
    const integration = options.integrations[operationId];
    if (!integration) fail(scope, `${prop} integration`, operationId, 'is missing from the integrations map');
    const requestParameters: Record<string, boolean> = {};
    const pathParams = new Set(pathParameterNames(path));
    for (const param of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
      const p = param?.$ref ? resolveRef(param.$ref, prop) : param;
      if (p?.in === 'path') {
        if (!pathParams.has(p.name)) fail(scope, `${prop} parameters`, p.name, 'path parameters must appear in the path template');
      } else if (p?.in === 'query' || p?.in === 'header') {
        requestParameters[`method.request.${p.in === 'query' ? 'querystring' : 'header'}.${p.name}`] = p.required === true;
      } else if (p?.in !== 'cookie') {
        fail(scope, `${prop} parameters`, p, 'must be path, query or header parameters with a name');
      }
    }
    const body = op.requestBody?.$ref ? resolveRef(op.requestBody.$ref, prop) : op.requestBody;
    const jsonSchema = body?.content?.['application/json']?.schema;
    const auth = authorizationOf(op.security ?? document.security, prop);
    return {
      method,
      path,
      integration,
      options: {
        operationName: operationId,
        requestSchema: jsonSchema ? toJsonSchema(jsonSchema, `${prop} requestBody`, []) : undefined,
        requestParameters: Object.keys(requestParameters).length ? requestParameters : undefined,
        ...auth,
      },
    };
  }

  function authorizationOf(security: any, prop: string): Pick<RouteOptions, 'authorization' | 'scopes' | 'apiKeyRequired'> {
    if (security === undefined) return {};
    if (!Array.isArray(security) || security.length > 1) fail(scope, `${prop} security`, security, 'must list at most one security requirement (API Gateway applies one authorizer per method)');
    if (security.length === 0) return { authorization: ApiAuthorization.none() };
    let authorization: ApiAuthorization | undefined;
    let scopes: string[] | undefined;
    let apiKeyRequired = false;
    for (const [name, requested] of Object.entries<any>(security[0])) {
      if (name === 'apiKey' && schemes[name]?.type === 'apiKey' && !options.authorizations?.[name]) {
        apiKeyRequired = true;
        continue;
      }
      if (authorization) fail(scope, `${prop} security`, security[0], 'must combine at most one authorization scheme with apiKey');
      authorization = options.authorizations?.[name] ?? implicitAuthorization(name);
      if (!authorization) {
        fail(scope, `${prop} security`, name, `names a scheme with no authorization: map it in authorizations (known: ${Object.keys(options.authorizations ?? {}).join(', ') || 'none'})`);
      }
      scopes = Array.isArray(requested) && requested.length ? requested : undefined;
    }
    const inherited = authorization === defaultAuthorization ? defaultScopes(defaultAuthorization) : undefined;
    return {
      authorization: authorization === defaultAuthorization ? undefined : authorization,
      scopes: scopes && JSON.stringify(scopes) !== JSON.stringify(inherited) ? scopes : undefined,
      apiKeyRequired: apiKeyRequired || undefined,
    };
  }

  function implicitAuthorization(name: string): ApiAuthorization | undefined {
    if (!schemes[name]) return undefined;
    if (name === SCHEME_NAMES[defaultAuthorization.kind]) return defaultAuthorization;
    if (name === SCHEME_NAMES[AuthorizationKind.IAM]) return iam;
    return undefined;
  }

  function resolveRef(ref: unknown, prop: string): any {
    const m = typeof ref === 'string' ? /^#\/components\/(schemas|parameters|requestBodies)\/([^/]+)$/.exec(ref) : null;
    const target = m ? document.components?.[m[1]]?.[m[2]] : undefined;
    if (!target) fail(scope, prop, ref, 'must be a $ref to #/components/{schemas|parameters|requestBodies}/<name> that exists');
    return target;
  }

  /** OpenAPI schema object -> API Gateway model schema; `$ref`s to components are inlined. */
  function toJsonSchema(schema: any, prop: string, seen: string[]): apigateway.JsonSchema {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) fail(scope, prop, schema, 'must be a schema object');
    if (schema.$ref) {
      if (seen.includes(schema.$ref)) fail(scope, prop, schema.$ref, 'must not be recursive (API Gateway models are inlined)');
      return toJsonSchema(resolveRef(schema.$ref, prop), prop, [...seen, schema.$ref]);
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries<any>(schema)) {
      if (DROPPED.has(key) || key.startsWith('x-')) continue;
      if (key === 'type') {
        const types = Array.isArray(value) ? value : [value];
        if (!types.every((t) => SCHEMA_TYPES.includes(t))) fail(scope, `${prop} type`, value, `must be one of ${SCHEMA_TYPES.join(', ')}`);
        out.type = schema.nullable === true && !Array.isArray(value) ? [value, 'null'] : value;
      } else if (key === 'required') {
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) fail(scope, `${prop} required`, value, 'must be a list of property names');
        out.required = value;
      } else if (PLAIN.has(key)) {
        out[key] = value;
      } else if (key === 'properties' || key === 'patternProperties') {
        if (typeof value !== 'object' || value === null) fail(scope, `${prop} ${key}`, value, 'must be an object of schemas');
        out[key] = Object.fromEntries(Object.entries<any>(value).map(([k, v]) => [k, toJsonSchema(v, `${prop}.${k}`, seen)]));
      } else if (key === 'items' || key === 'not' || (key === 'additionalProperties' && typeof value === 'object')) {
        out[key] = toJsonSchema(value, `${prop} ${key}`, seen);
      } else if (key === 'additionalProperties') {
        out[key] = value;
      } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
        if (!Array.isArray(value)) fail(scope, `${prop} ${key}`, value, 'must be a list of schemas');
        out[key] = value.map((v, i) => toJsonSchema(v, `${prop} ${key}[${i}]`, seen));
      } else {
        fail(scope, `${prop}`, key, 'is not a JSON schema keyword API Gateway models support');
      }
    }
    return out as apigateway.JsonSchema;
  }
}
