/**
 * Turns one route of the route table into API Gateway resources: its authorization bound, its path node placed in
 * the API's stack or a nested one, its request model and validator, its cache key, one API-scoped Lambda permission
 * per function, and the per-method acknowledgements. Internal to the REST base: the base owns one builder per API.
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { RestAuthorizers } from './authorizers';
import { acknowledgeMethod } from './permissions';
import { planRouteCache } from './route-cache';
import { RouteShards } from './sharding';
import { ApiAuthorization, AuthorizationKind } from '../core/authorization';
import { lambdaIntegrationParts } from '../core/private/cdk-internals';
import { secureLambdaPermissions } from '../core/private/lambda-permissions';
import { REQUEST_VALIDATORS, RouteEntry, RouteOptions, defaultOperationName, pathParameterNames } from '../rest/routes';

/** A route as built: its table entry and whether its cache plan caches it. */
export interface BuiltRoute {
  readonly entry: RouteEntry;
  readonly cached: boolean;
}

export class RouteBuilder {
  private validators?: { body: apigateway.RequestValidator; params: apigateway.RequestValidator };
  private readonly securedAuthorizers = new Set<apigateway.IAuthorizer>();
  private readonly securedFunctions = new Set<lambda.IFunction>();

  constructor(
    private readonly owner: Construct,
    private readonly api: apigateway.RestApi,
    private readonly authorizers: RestAuthorizers,
    private readonly shards: RouteShards,
  ) {}

  /** Builds a validated, new route; `stageCached` says whether any stage of the API has a cache. */
  public build(
    httpMethod: string, path: string, integration: apigateway.Integration, options: RouteOptions, auth: ApiAuthorization, stageCached: boolean,
  ): BuiltRoute {
    const bound = this.authorizers.bind(auth, options.scopes);
    const requestParameters: Record<string, boolean> = { ...options.requestParameters };
    for (const name of pathParameterNames(path)) requestParameters[`method.request.path.${name}`] = true;
    const tokenHeader = bound.tokenHeader;
    const cache = planRouteCache(this.owner, { httpMethod, path, options, requestParameters, authorization: auth, tokenHeader, stageCached });
    Object.assign(requestParameters, cache.addedRequestParameters);

    const { resource, shard } = this.shards.place(path);
    const model = options.requestSchema ? this.addModel(httpMethod, path, options.requestSchema, resource) : undefined;
    const validators = this.requestValidators();
    const method = resource.addMethod(httpMethod, this.shards.integrationFor(apiScoped(integration), shard), {
      authorizationType: bound.authorizationType,
      authorizer: bound.authorizer,
      authorizationScopes: bound.scopes,
      apiKeyRequired: options.apiKeyRequired ?? false,
      operationName: options.operationName ?? defaultOperationName(httpMethod, path),
      requestParameters: Object.keys(requestParameters).length ? requestParameters : undefined,
      requestValidator: model ? validators.body : validators.params,
      requestModels: model ? { 'application/json': model } : undefined,
      methodResponses: options.methodResponses,
    });
    if (cache.keyParameters.length) {
      (method.node.defaultChild as apigateway.CfnMethod).addPropertyOverride('Integration.CacheKeyParameters', cache.keyParameters);
    }
    // A Lambda integration adds its function's one permission under the API (never in shards) on the function's
    // first route; an authorizer adds its function's permission when first attached. Walking only then keeps
    // addRoute linear in the number of routes.
    const handler = lambdaIntegrationParts(integration)?.handler;
    if (handler && !this.securedFunctions.has(handler)) {
      this.securedFunctions.add(handler);
      secureLambdaPermissions(this.api);
    }
    if (bound.authorizer && !this.securedAuthorizers.has(bound.authorizer)) {
      this.securedAuthorizers.add(bound.authorizer);
      secureLambdaPermissions(this.owner);
    }
    acknowledgeMethod(method, auth.kind);
    return { entry: { method: httpMethod, path, options, integration, cfnMethod: method }, cached: cache.enabled };
  }

  /** The nested stacks holding routes. */
  public get routeStacks() {
    return this.shards.stacks;
  }

  /** CORS preflight methods cannot carry authorization: browsers send no credentials with them. */
  public acknowledgePreflight(node: apigateway.IResource): void {
    const preflight = node.node.tryFindChild('OPTIONS');
    if (preflight instanceof apigateway.Method) acknowledgeMethod(preflight, AuthorizationKind.NONE, true);
  }

  private requestValidators() {
    if (!this.validators) {
      const { name: body, ...bodyFlags } = REQUEST_VALIDATORS.body;
      const { name: params, ...paramsFlags } = REQUEST_VALIDATORS.params;
      this.validators = { body: this.api.addRequestValidator(body, bodyFlags), params: this.api.addRequestValidator(params, paramsFlags) };
    }
    return this.validators;
  }

  /** A request model, in the stack of the route's method (the API's own models stay as they were). */
  private addModel(httpMethod: string, path: string, schema: apigateway.JsonSchema, resource: apigateway.IResource): apigateway.Model {
    const id = `${defaultOperationName(httpMethod, path)}Model`;
    if (resource.api === this.api) return this.api.addModel(id, { contentType: 'application/json', schema });
    return new apigateway.Model(resource.api, id, { restApi: resource.api, contentType: 'application/json', schema });
  }
}

/**
 * The same Lambda integration with one permission per function per API (source ARN scoped to the API) instead of
 * two per method: the L2's `scopePermissionToMethod: false`. Many per-method permissions overflow the function's
 * 20 KB resource policy (aws-cdk#5774). The user's integration object is left as it is; other integrations pass.
 */
function apiScoped(integration: apigateway.Integration): apigateway.Integration {
  const parts = lambdaIntegrationParts(integration);
  if (!parts) return integration;
  // allowTestInvoke false together with scopePermissionToMethod false is ignored by the L2 (docs/mechanics.md).
  return new apigateway.LambdaIntegration(parts.handler, { ...parts.options, scopePermissionToMethod: false, allowTestInvoke: true });
}
