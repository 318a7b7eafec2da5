import { NestedStack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { RestAuthorizers } from './authorizers';
import { LambdaAliasIntegration } from './canary-alias-integration';
import { RestDeployments } from './deployments';
import { RestDomain, RestDomainOptions, RestDomains } from './domains';
import { addGatewayResponses, renderCors } from './gateway';
import { GrantInvokeOptions, InvokeGrants } from './invoke-grants';
import { RestApiPatternMembers } from './rest-api-members';
import { RestApiPatternBaseProps } from './rest-api-pattern-props';
import { configureClientCertificate, configureFirewall, configureRestApi } from './rest-api-steps';
import { RestStage, RestStageContext } from './rest-stage';
import { RouteBuilder } from './route-builder';
import { RouteShards } from './sharding';
import { bindJwtAuthorizerFunction } from '../authorizers/jwt-function';
import { ApiAuthorization } from '../core/authorization';
import { ApiFirewall } from '../core/firewall';
import { ApiObservability } from '../core/observability';
import { FunctionHardening, hardeningOf } from '../core/private/functions';
import { checkOneOf } from '../core/private/validation';
import { OpenApiExportOptions, exportOpenApi } from '../rest/openapi';
import { OpenApiImportOptions, importOpenApi } from '../rest/openapi-import';
import { RouteEntry, RouteOptions, RouteTable, validateRoute } from '../rest/routes';
import { StageSettings, validateStageSettings } from '../rest/stage-settings';

export * from './rest-api-pattern-props';

/**
 * The shared base of the REST patterns: one route table (the single source of truth), stages with their deployments and
 * canaries, custom domains, authorizers, validation, gateway responses, consolidated Lambda permissions, observability.
 * The constructor is a sequence of steps; patterns adapt it through their props and the route hooks.
 */
export abstract class RestApiPattern extends RestApiPatternMembers {
  /** The REST API. Escape hatch: `api.node.defaultChild` is the `CfnRestApi`. */
  public readonly api: apigateway.RestApi;
  /** The default stage's `apigateway.Stage` (the first stage; see `defaultStage` and `stages`). */
  public readonly stage: apigateway.Stage;
  /** The default (first) stage. */
  public readonly defaultStage: RestStage;
  /** Logs, alarms, dashboard. */
  public readonly observability: ApiObservability;
  /** The backend client certificate, if any. */
  public readonly clientCertificate?: apigateway.CfnClientCertificate;
  /** The WAF web ACL of the stages, unless switched off. */
  public readonly firewall?: ApiFirewall;
  /** The default authorization of the routes. */
  public readonly authorization: ApiAuthorization;

  private readonly routeTable = new RouteTable();
  private readonly stageList: RestStage[] = [];
  private readonly stageContext: RestStageContext;
  private readonly authorizerSet: RestAuthorizers;
  private readonly builder: RouteBuilder;
  private readonly lambdaVpc?: RestApiPatternBaseProps['lambdaVpc'];
  private readonly invokeGrants: InvokeGrants;
  private readonly domainSet: RestDomains;

  protected constructor(scope: Construct, id: string, props: RestApiPatternBaseProps) {
    super(scope, id);
    checkOneOf(this, 'endpointType', props.endpointType, [apigateway.EndpointType.REGIONAL, apigateway.EndpointType.EDGE, apigateway.EndpointType.PRIVATE]);
    this.authorization = props.authorization;
    this.lambdaVpc = props.lambdaVpc;
    const settings = props.stage ?? {};
    const stageName = validateStageSettings(this, settings);
    const cors = props.cors ? renderCors(this, props.cors) : undefined;

    this.observability = new ApiObservability(this, 'Observability', props.observability);
    this.clientCertificate = configureClientCertificate(this, props);
    this.api = configureRestApi(this, props, { cors, observability: this.observability, clientCertificate: this.clientCertificate });
    this.firewall = configureFirewall(this, props, this.observability);
    this.authorizerSet = new RestAuthorizers(this, this.authorization, (s, fid, auth, protects) =>
      bindJwtAuthorizerFunction(s, fid, auth, {
        hardening: this._functionHardening(), routes: () => this.routeTable.routes, defaultAuthorization: this.authorization, protects,
      }));
    const shards = new RouteShards(this, this.api, cors, (node) => this.builder.acknowledgePreflight(node), props.routeSharding);
    this.builder = new RouteBuilder(this, this.api, this.authorizerSet, shards);
    this.builder.acknowledgePreflight(this.api.root);
    addGatewayResponses(this.api, cors);

    const { api, observability, firewall, clientCertificate } = this;
    const [accountLogging, deployments, hardening] = [props.accountLogging ?? true, new RestDeployments(this, api), () => this._functionHardening()];
    this.stageContext = { scope: this, api, deployments, observability, firewall, clientCertificate, accountLogging, hardening };
    this.defaultStage = RestStage._create(this.stageContext, undefined, settings, stageName);
    this.stageList.push(this.defaultStage);
    this.stage = this.defaultStage.stage;
    this.invokeGrants = new InvokeGrants(this, () => this.routeTable.routes, this.authorization);
    this.domainSet = new RestDomains(this, api, props.endpointType, props.domain, this.defaultStage);
    this.node.addValidation({ validate: () => (this.routeTable.size === 0 ? [`${this.node.path}: the API has no route: call addRoute() at least once`] : []) });
  }

  /** Every stage, the default one first. */
  public get stages(): RestStage[] {
    return [...this.stageList];
  }

  /**
   * Adds a stage serving the API's deployment, with its own settings (variables, throttling, cache, logging),
   * execution-log group, alarms, dashboard widgets and WAF association. At most 10 stages per API.
   *
   * @param id construct id of the stage
   */
  public addStage(id: string, settings: StageSettings): RestStage {
    return RestStage._addTo(this.stageList, this.stageContext, id, settings, this.routeTable);
  }

  /** Adds a custom domain mapping a stage at `basePath` (more with `addMapping()`); turns off the execute-api endpoint. */
  public addDomainName(id: string, options: RestDomainOptions): RestDomain {
    return this.domainSet.add(id, options, this.defaultStage);
  }

  /** The custom domains (the `domain` prop's first); map more stages with their `addMapping()`. */
  public get domains(): RestDomain[] { return this.domainSet.domains; }

  /**
   * Adds a route and returns its method.
   *
   * @param method HTTP method: ANY, GET, PUT, POST, DELETE, PATCH, HEAD or OPTIONS
   * @param path resource path such as `/orders/{id}`
   * @param integration the backend; Lambda integrations share one permission per function per API
   */
  public addRoute(method: string, path: string, integration: apigateway.Integration, options: RouteOptions = {}): apigateway.Method {
    const routeOptions = this._routeDefaults(options);
    const httpMethod = validateRoute(this, method, path, routeOptions);
    this.routeTable.assertNew(this, httpMethod, path);
    const auth = routeOptions.authorization ?? this.authorization;
    if (integration instanceof LambdaAliasIntegration) integration._bindToApi(this, this.api, () => this.stageList);
    const built = this.builder.build(httpMethod, path, integration, routeOptions, auth, this.stageList.some((s) => s.cached));
    this.routeTable.add(built.entry, built.cached);
    for (const stage of this.stageList) stage._addRoute(httpMethod, path, routeOptions, built.cached);
    this._onRouteAdded(built.entry);
    return built.entry.cfnMethod;
  }

  /**
   * Grants `grantee` `execute-api:Invoke` on IAM-authorized methods (for other authorizations API Gateway does not
   * check it: naming such a route fails the synth).
   */
  public grantInvoke(grantee: iam.IGrantable, options: GrantInvokeOptions = {}): iam.Grant {
    return this.invokeGrants.grant(this.api, this.stage.stageName, grantee, options);
  }

  /**
   * The API as an OpenAPI 3.0.3 document (routes, parameters, request schemas, security schemes, API-key
   * requirements), for client SDK generators. Route paths and names must be literals.
   */
  public toOpenApi(options: OpenApiExportOptions = {}): any {
    return exportOpenApi(this.routeTable.routes, this.authorization, { ...options, title: options.title ?? this.api.restApiName });
  }

  /**
   * Adds a route for every operation of an OpenAPI 3.0/3.1 document (see the README's "OpenAPI import"); every operation
   * is checked, naming its path and operation, before the first route is added. Returns the methods in document order.
   */
  public addRoutesFromOpenApi(document: any, options: OpenApiImportOptions): apigateway.Method[] {
    const routeDefaults = (o: RouteOptions) => this._routeDefaults(o);
    const context = { defaultAuthorization: this.authorization, api: this.api, routes: this.routes, routeDefaults };
    const plan = importOpenApi(this, document, options, context);
    return plan.added(plan.routes.map((r) => this.addRoute(r.method, r.path, r.integration, r.options)));
  }

  /** The nested stacks holding routes past `routeSharding.routesInParent` (empty until the API needs them). */
  public get routeStacks(): NestedStack[] {
    return this.builder.routeStacks;
  }

  /** Every route added so far, as `METHOD /path`. */
  public get routes(): string[] {
    return this.routeTable.routes.map((r) => `${r.method} ${r.path}`);
  }

  /** The authorizers the API uses. */
  public get authorizers(): apigateway.IAuthorizer[] {
    return this.authorizerSet.authorizers;
  }

  /** The authorizer of the default authorization (undefined for IAM and none, or before the first route). */
  public get authorizer(): apigateway.IAuthorizer | undefined {
    return this.authorizerSet.authorizerOf(this.authorization);
  }

  /**
   * @internal
   * Hook: the options a route is built with (MonetizedApi requires API keys by default). Runs before validation.
   */
  protected _routeDefaults(options: RouteOptions): RouteOptions {
    return options;
  }

  /** @internal Hook: called after a route is added (MonetizedApi adds tier throttles). */
  protected _onRouteAdded(_route: RouteEntry): void {}

  /** @internal How the library's own functions of this API are hardened (for patterns' handlers too). */
  protected _functionHardening(): FunctionHardening {
    return hardeningOf(this.observability, this.lambdaVpc);
  }
}
