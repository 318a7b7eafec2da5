import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Construct, IConstruct } from 'constructs';
import { validateAuthorization } from './authorizers';
import { ImportNotes, warnTemplateSize } from './openapi/import-report';
import { DocumentOperation, documentOperations } from './openapi/operations';
import { isObject } from './openapi/pointer';
import { requestOf } from './openapi/request-import';
import { securityOf } from './openapi/security-import';
import { RouteOptions, defaultOperationName, validateRoute } from './routes';
import { ApiAuthorization } from '../core/authorization';
import { checkPattern, fail } from '../core/private/validation';

/**
 * Options of the OpenAPI import.
 */
export interface OpenApiImportOptions {
  /**
   * The backend of each operation, by `operationId` (an operation without one by its derived name, such as
   * `postStreams` for `POST /streams`); every operation needs one and every entry must be used.
   */
  readonly integrations: Record<string, apigateway.Integration>;
  /**
   * The authorization of each security scheme of the document, by scheme name. Implicitly, a scheme named as the
   * export names the API's default authorization (`jwt`, `cognito`, `lambdaToken`, `lambdaRequest`) maps to it, and
   * `sigv4` (or a scheme marked `x-amazon-apigateway-authtype: awsSigv4`) to IAM.
   * @default - only those implicit mappings
   */
  readonly authorizations?: Record<string, ApiAuthorization>;
  /**
   * Security schemes of `type: apiKey` that mean API Gateway's API key (`apiKeyRequired`). Callers send the key in
   * the `x-api-key` header whatever the scheme says (warning `OpenApiApiKeyHeader` otherwise).
   * @default - only apiKey schemes in the `x-api-key` header
   */
  readonly apiKeySchemes?: string[];
  /**
   * Scheme names in order of preference, for operations with alternative security requirements: the first
   * requirement that can be served and names the most preferred scheme wins.
   * @default - the first requirement that can be served, in document order
   */
  readonly preferredSchemes?: string[];
  /**
   * A path prefixed to every imported path, such as the path of the document's `servers` URL (`/v2`).
   * @default - the document's paths as they are (warning `OpenApiServersBasePath` when `servers` has a path)
   */
  readonly basePath?: string;
}

/** One route read from a document. */
export interface ImportedRoute {
  readonly method: string;
  readonly path: string;
  readonly options: RouteOptions;
  readonly integration: apigateway.Integration;
}

/** What the import needs to know of the API it adds routes to. */
export interface ImportTarget {
  readonly defaultAuthorization: ApiAuthorization;
  readonly api: apigateway.RestApi;
  /** `METHOD /path` of the routes the API has already. */
  readonly routes: readonly string[];
  /** The pattern's route defaults (applied by addRoute), so that the checks see what addRoute will see. */
  readonly routeDefaults: (options: RouteOptions) => RouteOptions;
}

/** A checked import: its routes, and what to do once they are added. */
export interface OpenApiImport {
  readonly routes: ImportedRoute[];
  /** Called with the methods added for `routes`; warns about the template size; returns the methods. */
  readonly added: (methods: apigateway.Method[]) => apigateway.Method[];
}

/**
 * Reads the routes of an OpenAPI 3.0/3.1 document and checks every one of them (route, model id, authorization),
 * naming the path and operation, before any is added. See the README's "OpenAPI import" for what is converted,
 * what is refused and why.
 */
export function importOpenApi(scope: Construct, document: any, options: OpenApiImportOptions, target: ImportTarget): OpenApiImport {
  const version = typeof document?.openapi === 'string' ? document.openapi : undefined;
  if (!version || !/^3\.[01]\.\d+$/.test(version)) {
    fail(scope, 'openApi.openapi', version ?? document?.swagger ?? document?.openapi, 'must be an OpenAPI 3.0.x or 3.1.x document');
  }
  const version31 = version.startsWith('3.1.');
  // `paths` is required in 3.0 and optional in 3.1 (a document may hold only webhooks or components).
  if (!(version31 && document.paths === undefined) && !isObject(document.paths)) fail(scope, 'openApi.paths', document.paths, 'must be an object of paths');
  const basePath = checkBasePath(scope, options.basePath);
  const notes = new ImportNotes();
  const note = (id: string, item: string) => notes.note(id, item);
  const failIn = (prop: string, value: unknown, allowed: string): never => fail(scope, prop, value, allowed);
  if (isObject(document.webhooks) && Object.keys(document.webhooks).length) note('OpenApiWebhooksNotImported', `webhooks ${Object.keys(document.webhooks).join(', ')}`);
  const serverPath = serversBasePath(document.servers);
  if (serverPath && basePath === undefined) note('OpenApiServersBasePath', `${serverPath} (servers[0])`);

  const operations = documentOperations(document, failIn, note);
  checkIntegrations(scope, operations, options.integrations);
  const schemes = isObject(document.components?.securitySchemes) ? document.components.securitySchemes : {};
  for (const [prop, names] of [['apiKeySchemes', options.apiKeySchemes], ['preferredSchemes', options.preferredSchemes]] as const) {
    for (const name of names ?? []) if (!isObject(schemes[name])) fail(scope, `openApi ${prop}`, name, 'must name security schemes of the document');
  }
  for (const [name, auth] of Object.entries(options.authorizations ?? {})) validateAuthorization(scope, `openApi authorizations.${name}`, auth);
  const security = {
    schemes,
    authorizations: options.authorizations ?? {},
    apiKeySchemes: options.apiKeySchemes ?? [],
    preferredSchemes: options.preferredSchemes ?? [],
    defaultAuthorization: target.defaultAuthorization,
    iam: ApiAuthorization.iam(),
    fail: failIn,
    note,
  };
  const routes = operations.map((d) => {
    const request = requestOf(d, { document, version31, fail: failIn, note });
    const routeOptions: RouteOptions = {
      operationName: d.operationName,
      requestSchema: request.requestSchema as apigateway.JsonSchema | undefined,
      requestParameters: request.requestParameters,
      ...securityOf(d.operation.security ?? document.security, d.where, security),
    };
    const path = basePath ? (d.path === '/' ? basePath : `${basePath}${d.path}`) : d.path;
    return { route: { method: d.method, path, integration: options.integrations[d.key], options: routeOptions }, where: d.where };
  });
  checkRoutes(scope, routes, target);
  notes.warn(scope);
  const imported = routes.map((r) => r.route);
  return { routes: imported, added: (methods) => (warnTemplateSize(scope, imported, methods), methods) };
}

/** Every operation has an integration and every integration an operation: all the gaps in one error each. */
function checkIntegrations(scope: IConstruct, operations: DocumentOperation[], integrations: Record<string, apigateway.Integration>): void {
  const keys = new Set(operations.map((o) => o.key));
  const unknown = Object.keys(integrations).filter((id) => !keys.has(id));
  if (unknown.length) fail(scope, 'openApi integrations', unknown, 'names operationIds the document does not have');
  const missing = operations.filter((o) => !integrations[o.key]);
  if (missing.length) {
    const list = missing.map((o) => `${o.method} ${o.path} (${o.key}${o.derivedKey ? ', no operationId: derived name' : ''})`);
    fail(scope, 'openApi integrations', missing.map((o) => o.key), `has no integration for ${missing.length} operation(s): ${list.join('; ')}`);
  }
}

/** The checks addRoute makes, and those it cannot make, for every route before the first is added. */
function checkRoutes(scope: IConstruct, routes: Array<{ route: ImportedRoute; where: string }>, target: ImportTarget): void {
  const cors = target.api.root.defaultCorsPreflightOptions !== undefined;
  const seen = new Map<string, string>(target.routes.map((r) => [r, 'the API']));
  const models = new Map<string, string>();
  for (const { route, where } of routes) {
    const method = validateRoute(scope, route.method, route.path, target.routeDefaults(route.options), where);
    const key = `${method} ${route.path}`;
    if (seen.has(key)) fail(scope, `${where} route`, key, `is already defined by ${seen.get(key)} (each method and path once)`);
    seen.set(key, where);
    if (method === 'OPTIONS' && cors) {
      fail(scope, `${where} route`, key, 'collides with the CORS preflight method the API adds on every path (cors): remove the operation or the cors prop');
    }
    if (route.options.requestSchema) {
      // The REST base names a route's model after its derived name, which two paths can share.
      const id = `${defaultOperationName(method, route.path)}Model`;
      const other = models.get(id) ?? (target.api.node.tryFindChild(id) ? 'a route of the API' : undefined);
      if (other) fail(scope, `${where} requestBody`, id, `is the model id of ${other} too (both paths give the same name): rename one of the paths`);
      models.set(id, where);
    }
  }
}

function checkBasePath(scope: IConstruct, basePath: string | undefined): string | undefined {
  if (basePath === undefined || basePath === '' || basePath === '/') return undefined;
  checkPattern(scope, 'openApi basePath', basePath, /^(\/[A-Za-z0-9:._$-]+)+$/, 'must be a path such as /v2 (literal segments, no trailing /)');
  return basePath;
}

/** The path of the first server URL (variables at their defaults), or undefined for none or `/`. */
function serversBasePath(servers: unknown): string | undefined {
  const url = Array.isArray(servers) && isObject(servers[0]) && typeof servers[0].url === 'string' ? servers[0] : undefined;
  if (!url) return undefined;
  const variables: Record<string, any> = isObject(url.variables) ? url.variables : {};
  const text = url.url.replace(/\{([^}]+)\}/g, (_m: string, name: string) => String(variables[name]?.default ?? name));
  const path = (/^[a-z][a-z0-9+.-]*:\/\/[^/]*(.*)$/i.exec(text)?.[1] ?? text).split(/[?#]/)[0].replace(/\/+$/, '');
  return path && path.startsWith('/') ? path : undefined;
}
