/**
 * The bundled JWT authorizer function of a REST API (or of a WebSocket `$connect`): hardened (see
 * core/private/functions.ts) and configured through the contract of src/runtime/jwt/config.ts.
 *
 * The route-scope map does not fit the function's environment (Lambda allows 4 KB of environment variables in
 * total, https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html; a 1,000-route map is tens of
 * KB), so it ships as a file in a Lambda layer the handler reads once per execution environment
 * (src/runtime/jwt/routes.ts). Routes are added after the authorizer exists, so the layer is built by an Aspect,
 * which runs before synthesis when every route is known; the environment keeps only small values. Internal to the
 * REST base.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Aspects, IAspect } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IConstruct } from 'constructs';
import { JwtAuthorizerFunction } from './jwt-authorizer-function';
import { ApiAuthorization, JwtTokenUse } from '../core/authorization';
import { acknowledgeFunctionFindings, hardenedFunctionOptions, FunctionHardening } from '../core/private/functions';
import { RouteEntry } from '../rest/routes';
import { ROUTES_FILE_NAME, ROUTES_FILE_PATH, ROUTES_LAYER_DIRECTORY, RouteScopeEntry, renderRouteConfig } from '../runtime/jwt/routes';

/** What the REST base gives the factory. */
export interface JwtFunctionContext {
  readonly hardening: FunctionHardening;
  /**
   * The API's routes, read at synth time (routes are added after the authorizer is created).
   * @default - no route-scope map: the function only authorizes WebSocket `$connect`
   */
  readonly routes?: () => RouteEntry[];
  readonly defaultAuthorization: ApiAuthorization;
  /**
   * Which routes' authorizations this function serves (equal authorizations share one authorizer).
   * @default - the routes whose authorization is `auth` itself
   */
  readonly protects?: (other: ApiAuthorization) => boolean;
  /**
   * Query-string parameter that may carry the token (WebSocket $connect).
   * @default - none
   */
  readonly tokenQuery?: string;
}

/** The routes this authorization protects (API default or explicit) and the scopes each needs. */
export function routeScopesFor(
  auth: ApiAuthorization,
  routes: RouteEntry[],
  defaultAuthorization: ApiAuthorization,
  protects: (other: ApiAuthorization) => boolean = (o) => o === auth,
): RouteScopeEntry[] {
  return routes
    .filter((route) => protects(route.options.authorization ?? defaultAuthorization))
    .map((route) => ({ method: route.method, path: route.path, scopes: route.options.scopes ?? [] }));
}

/**
 * Renders the route map when every route is known (Aspects run before synthesis), into a layer of the function.
 * The layer's source folder is named by the content's hash, so repeated synths reuse it.
 */
class RouteMapLayer implements IAspect {
  private layer?: lambda.LayerVersion;

  constructor(
    private readonly fn: lambda.Function,
    private readonly render: () => string,
  ) {}

  public visit(node: IConstruct): void {
    if (node !== this.fn || this.layer) return;
    const content = this.render();
    const hash = crypto.createHash('sha256').update(content).digest('hex').slice(0, 32);
    const source = path.join(os.tmpdir(), 'cdk-apigateway-patterns', `jwt-routes-${hash}`);
    const file = path.join(source, ROUTES_LAYER_DIRECTORY, ROUTES_FILE_NAME);
    if (!fs.existsSync(file)) {
      // Written aside and renamed: a concurrent synth of the same content never sees a partial file.
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const partial = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(partial, content);
      fs.renameSync(partial, file);
    }
    this.layer = new lambda.LayerVersion(this.fn.node.scope!, `${this.fn.node.id}Routes`, {
      code: lambda.Code.fromAsset(source),
      description: `Route-scope map of the JWT authorizer ${this.fn.node.path}`,
      compatibleRuntimes: [this.fn.runtime],
    });
    this.fn.addLayers(this.layer);
  }
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
  const tokenUse = options.tokenUse ?? JwtTokenUse.ACCESS;
  const spec = {
    purpose: `Verifies JWTs from ${options.issuer} for ${scope.node.path}`,
    noVpcReason: 'the authorizer fetches the issuer\'s public JWKS over the internet and holds no data',
    memorySize: 256,
    environment: {
      JWT_ISSUER: options.issuer,
      JWT_AUDIENCE: options.audience.join(','),
      ...(options.jwksUri ? { JWT_JWKS_URI: options.jwksUri } : {}),
      ...(options.requiredScopes?.length ? { JWT_REQUIRED_SCOPES: options.requiredScopes.join(' ') } : {}),
      ...(tokenUse !== JwtTokenUse.ACCESS ? { JWT_TOKEN_USE: tokenUse } : {}),
      ...(options.requireTokenUse ? { JWT_REQUIRE_TOKEN_USE: 'true' } : {}),
      ...(context.routes ? { JWT_ROUTES_FILE: ROUTES_FILE_PATH } : {}),
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
  const routes = context.routes;
  if (routes) {
    const render = () => renderRouteConfig(routeScopesFor(auth, routes(), context.defaultAuthorization, context.protects));
    Aspects.of(fn).add(new RouteMapLayer(fn, render));
  }
  return fn;
}
