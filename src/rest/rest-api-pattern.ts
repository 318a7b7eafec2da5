import { CfnResource, Lazy, Names, NestedStack, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { RestAuthorizers } from './authorizers';
import { grantInvalidateCache, requireAuthorizedCacheInvalidation } from './cache-control';
import { CorsSettings, ResourcePolicyOptions, addGatewayResponses, renderCors, renderResourcePolicy } from './gateway';
import { bindJwtAuthorizerFunction } from './jwt-function';
import { acknowledgeMethod, acknowledgeNoCache, consolidateLambdaPermission, lambdaHandlerOf } from './permissions';
import { planRouteCache } from './route-cache';
import { RouteShardingOptions, RouteShards } from './sharding';
import { ApiGatewayAccountLogging } from '../core/account-logging';
import { ApiAuthorization, AuthorizationKind } from '../core/authorization';
import { ApiFirewall, FirewallOptions } from '../core/firewall';
import { ApiObservability, ObservabilityOptions } from '../core/observability';
import { OpenApiExportOptions, exportOpenApi } from '../core/openapi';
import { OpenApiImportOptions, importOpenApi } from '../core/openapi-import';
import { acknowledgeJsonAccessLogFormat } from '../core/private/access-log-format';
import { FunctionHardening } from '../core/private/functions';
import { secureLambdaPermissions } from '../core/private/lambda-permissions';
import { checkOneOf } from '../core/private/validation';
import { REQUEST_VALIDATORS, RouteOptions, RouteTable, defaultOperationName, pathParameterNames, validateRoute } from '../core/routes';
import { StageSettings, methodSettingPath, renderStageOptions, validateStageSettings } from '../core/stage';

/**
 * Properties shared by the REST patterns.
 */
export interface RestApiPatternProps {
  /**
   * API name.
   * @default - a name derived from the construct path
   */
  readonly apiName?: string;
  /**
   * API description.
   * @default - none
   */
  readonly description?: string;
  /**
   * Stage settings: name, variables, throttling, cache, logging.
   * @default - stage `prod`, ERROR logging, 1,000 rps / 2,000 burst, no cache
   */
  readonly stage?: StageSettings;
  /**
   * Logs, alarms, dashboard and tracing.
   * @default - see `ObservabilityOptions`
   */
  readonly observability?: ObservabilityOptions;
  /**
   * CORS with an explicit origin list.
   * @default - no CORS
   */
  readonly cors?: CorsSettings;
  /**
   * A resource policy restricting callers by source address or account.
   * @default - no resource policy
   */
  readonly resourcePolicy?: ResourcePolicyOptions;
  /**
   * The WAF web ACL associated with the stage: managed rule groups, a rate-based rule, IP and geo lists, logging.
   * @default - the `FirewallOptions` defaults
   */
  readonly firewall?: FirewallOptions;
  /**
   * Associate a WAF web ACL with the stage. Switch it off only when another web ACL protects the API (for
   * example one managed by AWS Firewall Manager).
   * @default true
   */
  readonly firewallEnabled?: boolean;
  /**
   * Create the account-level CloudWatch Logs role of API Gateway (once per app and environment). Switch it off
   * when your account is already configured.
   * @default true
   */
  readonly accountLogging?: boolean;
  /**
   * Attach a backend client certificate to the stage, so backends can verify calls come from API Gateway.
   * @default true
   */
  readonly clientCertificate?: boolean;
  /**
   * VPC for the library's own Lambda functions (such as the JWT authorizer), in its private subnets with egress.
   * @default - no VPC; the "Lambda in VPC" findings are acknowledged on each function, with the reason
   */
  readonly lambdaVpc?: ec2.IVpc;
  /**
   * How routes are spread over nested stacks once the API outgrows its own stack. Sharding is automatic: the
   * first `routesInParent` routes stay in the API's stack, later ones go into nested stacks.
   * @default - the `RouteShardingOptions` defaults (100 routes in the API's stack, then 10 nested stacks)
   */
  readonly routeSharding?: RouteShardingOptions;
}

/**
 * What a REST pattern passes to the shared base.
 */
export interface RestApiPatternBaseProps extends RestApiPatternProps {
  /** Default authorization of every route. */
  readonly authorization: ApiAuthorization;
  /** REGIONAL, EDGE or PRIVATE. */
  readonly endpointType: apigateway.EndpointType;
  /**
   * A resource policy the pattern builds itself (PrivateVpcApi); takes precedence over `resourcePolicy`.
   * @default - rendered from `resourcePolicy`
   */
  readonly policy?: iam.PolicyDocument;
}

/**
 * The shared base of the REST patterns: one route table as the single source of truth, a stage with logging,
 * tracing, throttling and caching, authorizers, request validation, JSON gateway responses, consolidated Lambda
 * permissions, and observability.
 */
export abstract class RestApiPattern extends Construct {
  /** The REST API. Escape hatch: `api.node.defaultChild` is the `CfnRestApi`. */
  public readonly api: apigateway.RestApi;
  /** The stage. */
  public readonly stage: apigateway.Stage;
  /** Logs, alarms, dashboard. */
  public readonly observability: ApiObservability;
  /** The backend client certificate, if any. */
  public readonly clientCertificate?: apigateway.CfnClientCertificate;
  /** The WAF web ACL of the stage, unless switched off. */
  public readonly firewall?: ApiFirewall;
  /** The default authorization of the routes. */
  public readonly authorization: ApiAuthorization;

  private readonly routeTable = new RouteTable();
  private readonly authorizerSet: RestAuthorizers;
  private readonly stageSettings: StageSettings;
  private readonly methodSettings: apigateway.CfnStage.MethodSettingProperty[] = [];
  private validators?: { body: apigateway.RequestValidator; params: apigateway.RequestValidator };
  private readonly lambdaVpc?: ec2.IVpc;
  private readonly shards: RouteShards;
  private readonly securedAuthorizers = new Set<apigateway.IAuthorizer>();
  private readonly securedFunctions = new Set<lambda.IFunction>();

  protected constructor(
    scope: Construct,
    id: string,
    props: RestApiPatternBaseProps,
  ) {
    super(scope, id);
    checkOneOf(this, 'endpointType', props.endpointType, [apigateway.EndpointType.REGIONAL, apigateway.EndpointType.EDGE, apigateway.EndpointType.PRIVATE]);
    this.authorization = props.authorization;
    this.lambdaVpc = props.lambdaVpc;
    this.stageSettings = props.stage ?? {};
    const stageName = validateStageSettings(this, this.stageSettings);
    const cors = props.cors ? renderCors(this, props.cors) : undefined;
    const policy = props.policy ?? renderResourcePolicy(this, props.resourcePolicy);

    this.observability = new ApiObservability(this, 'Observability', props.observability);
    if (props.clientCertificate ?? true) {
      this.clientCertificate = new apigateway.CfnClientCertificate(this, 'ClientCertificate', {
        description: `Backend client certificate of ${this.node.path}`,
      });
    }
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: props.apiName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
      description: props.description,
      endpointConfiguration: { types: [props.endpointType] },
      cloudWatchRole: false,
      policy,
      defaultCorsPreflightOptions: cors,
      deployOptions: {
        ...renderStageOptions(this.stageSettings, this.observability.tracing),
        accessLogDestination: new apigateway.LogGroupLogDestination(this.observability.accessLogGroup),
        accessLogFormat: ApiObservability.restAccessLogFormat(),
        clientCertificateId: this.clientCertificate?.attrClientCertificateId,
      },
    });
    this.stage = this.api.deploymentStage;
    this.shards = new RouteShards(this, this.api, cors, (node) => this.acknowledgePreflight(node), props.routeSharding);
    this.acknowledgePreflight(this.api.root);
    this.authorizerSet = new RestAuthorizers(this, (s, fid, auth) =>
      bindJwtAuthorizerFunction(s, fid, auth, {
        hardening: this.functionHardening(),
        routes: () => this.routeTable.routes,
        defaultAuthorization: this.authorization,
      }),
    );

    if (props.firewallEnabled ?? true) {
      this.firewall = new ApiFirewall(this, 'Firewall', {
        ...props.firewall,
        encryptionKey: this.observability.encryptionKey,
        logRetention: this.observability.logRetention,
        associatedResourceArn: this.stage.stageArn,
      });
    }
    addGatewayResponses(this.api, cors);
    acknowledgeJsonAccessLogFormat(this.stage.node.defaultChild as CfnResource);
    if (!this.stageSettings.cache) {
      acknowledgeNoCache(this.stage);
    } else {
      requireAuthorizedCacheInvalidation(this, { api: this.api, stage: this.stage, hardening: this.functionHardening() });
    }
    this.observability.watchRestApi({ apiName: this.api.restApiName, apiId: this.api.restApiId, stageName });
    this.stage.node.addDependency(this.observability.executionLogGroup(this.api.restApiId, stageName));
    if (props.accountLogging ?? true) ApiGatewayAccountLogging.of(this).addDependent(this.stage);

    // Per-route method settings are added to the stage's own as routes arrive.
    const cfnStage = this.stage.node.defaultChild as apigateway.CfnStage;
    const stageLevel = cfnStage.methodSettings;
    cfnStage.methodSettings = Lazy.any({
      produce: () => [...((Stack.of(this).resolve(stageLevel) as unknown[]) ?? []), ...this.methodSettings],
    }) as unknown as apigateway.CfnStage.MethodSettingProperty[];

    this.node.addValidation({ validate: () => (this.routeTable.size === 0 ? [`${this.node.path}: the API has no route: call addRoute() at least once`] : []) });
  }

  /**
   * Adds a route and returns its method.
   *
   * @param method HTTP method: ANY, GET, PUT, POST, DELETE, PATCH, HEAD or OPTIONS
   * @param path resource path such as `/orders/{id}`
   * @param integration the backend; Lambda integrations share one permission per function per API
   */
  public addRoute(method: string, path: string, integration: apigateway.Integration, options: RouteOptions = {}): apigateway.Method {
    const httpMethod = validateRoute(this, method, path, options);
    this.routeTable.assertNew(this, httpMethod, path);
    const auth = options.authorization ?? this.authorization;
    const bound = this.authorizerSet.bind(auth, options.scopes);
    const validators = this.requestValidators();
    const requestParameters: Record<string, boolean> = { ...options.requestParameters };
    for (const name of pathParameterNames(path)) requestParameters[`method.request.path.${name}`] = true;

    const stageCached = this.stageSettings.cache !== undefined;
    const tokenHeader = bound.tokenHeader;
    const cache = planRouteCache(this, { httpMethod, path, options, requestParameters, authorization: auth, tokenHeader, stageCached });
    Object.assign(requestParameters, cache.addedRequestParameters);

    consolidateLambdaPermission(integration);
    const { resource, shard } = this.shards.place(path);
    const model = options.requestSchema ? this.addModel(httpMethod, path, options.requestSchema, resource) : undefined;
    const result = resource.addMethod(httpMethod, this.shards.integrationFor(integration, shard), {
      authorizationType: bound.authorizationType,
      authorizer: bound.authorizer,
      authorizationScopes: bound.scopes,
      apiKeyRequired: options.apiKeyRequired ?? false,
      operationName: options.operationName ?? defaultOperationName(httpMethod, path),
      requestParameters: Object.keys(requestParameters).length ? requestParameters : undefined,
      requestValidator: model ? validators.body : validators.params,
      requestModels: model ? { 'application/json': model } : undefined,
    });
    if (cache.keyParameters.length) {
      (result.node.defaultChild as apigateway.CfnMethod).addPropertyOverride('Integration.CacheKeyParameters', cache.keyParameters);
    }
    this.addMethodSetting(httpMethod, path, options, cache.enabled);
    this.routeTable.add({ method: httpMethod, path, options, integration, cfnMethod: result });
    // A Lambda integration adds its function's one permission under the API (never in shards) on the function's
    // first route; an authorizer adds its function's permission when first attached. Walking only then keeps
    // addRoute linear in the number of routes.
    const handler = lambdaHandlerOf(integration);
    if (handler && !this.securedFunctions.has(handler)) {
      this.securedFunctions.add(handler);
      secureLambdaPermissions(this.api);
    }
    if (bound.authorizer && !this.securedAuthorizers.has(bound.authorizer)) {
      this.securedAuthorizers.add(bound.authorizer);
      secureLambdaPermissions(this);
    }
    acknowledgeMethod(result, auth.kind);
    return result;
  }

  /**
   * The API as an OpenAPI 3.0.3 document (routes, parameters, request schemas, security schemes, API-key
   * requirements), for client SDK generators. Route paths and names must be literals.
   */
  public toOpenApi(options: OpenApiExportOptions = {}): any {
    return exportOpenApi(this.routeTable.routes, this.authorization, { ...options, title: options.title ?? this.api.restApiName });
  }

  /**
   * Adds a route for every operation of an OpenAPI 3.0/3.1 document: the operationId names the operation and
   * picks its integration, the JSON request body schema becomes a model with body validation, query and header
   * parameters become request parameters, and the security requirement becomes the route's authorization,
   * scopes and API-key requirement (no `security`: the API's default; `security: []`: none). Anything that
   * cannot be mapped fails the synth with the path and operation. Returns the methods in document order.
   */
  public addRoutesFromOpenApi(document: any, options: OpenApiImportOptions): apigateway.Method[] {
    return importOpenApi(this, document, options, this.authorization).map((r) => this.addRoute(r.method, r.path, r.integration, r.options));
  }

  /** The nested stacks holding routes past `routeSharding.routesInParent` (empty until the API needs them). */
  public get routeStacks(): NestedStack[] {
    return this.shards.stacks;
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

  /** The access-log group of the stage. */
  public get accessLogGroup(): logs.ILogGroup {
    return this.observability.accessLogGroup;
  }

  /** The execution-log group of the stage (`API-Gateway-Execution-Logs_{apiId}/{stage}`). */
  public get executionLogGroup(): logs.ILogGroup {
    return this.observability.executionLogGroup(this.api.restApiId, this.stage.stageName);
  }

  /** The alarms on the stage. */
  public get alarms(): cloudwatch.IAlarm[] {
    return this.observability.alarms;
  }

  /** The dashboard, unless switched off. */
  public get dashboard(): cloudwatch.Dashboard | undefined {
    return this.observability.dashboard;
  }

  /** The URL of the stage. */
  public get url(): string {
    return this.api.url;
  }

  /**
   * Grants `grantee` permission to invoke the API (IAM-authorized routes).
   *
   * @param method HTTP method, or `*` for all
   * @param path resource path, or `/*` for all
   */
  public grantInvoke(grantee: iam.IGrantable, method: string = '*', path: string = '/*'): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.api.arnForExecuteApi(method, path, this.stage.stageName)],
    });
  }

  /**
   * Grants `grantee` `execute-api:InvalidateCache` on methods of the stage: its SigV4-signed requests with
   * `Cache-Control: max-age=0` refresh the cached entry. Every other such request (browsers send it on a reload,
   * Cognito, JWT and Lambda-authorized callers cannot sign) is answered normally with a warning header.
   *
   * @param method HTTP method, or `*` for all
   * @param path resource path, or `/*` for all
   */
  public grantInvalidateCache(grantee: iam.IGrantable, method: string = '*', path: string = '/*'): iam.Grant {
    return grantInvalidateCache(grantee, this.api, this.stage.stageName, method, path);
  }

  /** A metric of the stage (`AWS/ApiGateway`, dimensions ApiName and Stage). */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: { ApiName: this.api.restApiName, Stage: this.stage.stageName },
      ...props,
    });
  }

  /** 5XX errors (Sum over 5 minutes by default). */
  public metricServerError(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('5XXError', { statistic: 'Sum', ...props });
  }

  /** 4XX errors (Sum over 5 minutes by default). */
  public metricClientError(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('4XXError', { statistic: 'Sum', ...props });
  }

  /** Requests (Sum). */
  public metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Count', { statistic: 'Sum', ...props });
  }

  /** Latency (p99 by default). */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Latency', { statistic: 'p99', ...props });
  }

  /** Integration latency (p99 by default). */
  public metricIntegrationLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('IntegrationLatency', { statistic: 'p99', ...props });
  }

  /** Cache hits (Sum). */
  public metricCacheHitCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CacheHitCount', { statistic: 'Sum', ...props });
  }

  /** Cache misses (Sum). */
  public metricCacheMissCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CacheMissCount', { statistic: 'Sum', ...props });
  }

  /** How the library's own functions of this API are hardened. */
  private functionHardening(): FunctionHardening {
    return {
      encryptionKey: this.observability.encryptionKey,
      createLogGroup: (logId) => this.observability.createLogGroup(logId),
      vpc: this.lambdaVpc,
      tracing: this.observability.tracing,
    };
  }

  private requestValidators() {
    if (!this.validators) {
      const { name: body, ...bodyFlags } = REQUEST_VALIDATORS.body;
      const { name: params, ...paramsFlags } = REQUEST_VALIDATORS.params;
      this.validators = { body: this.api.addRequestValidator(body, bodyFlags), params: this.api.addRequestValidator(params, paramsFlags) };
    }
    return this.validators;
  }

  private addMethodSetting(httpMethod: string, path: string, options: RouteOptions, cacheEnabled: boolean): void {
    const stageCache = this.stageSettings.cache;
    // The stage-wide `/*` `/*` setting caches every method: a route that is not cached, or has its own TTL, needs its own.
    const hasOwnCache = stageCache !== undefined && (options.cache !== undefined || !cacheEnabled);
    if (!options.throttle && !hasOwnCache) return;
    const ttl = options.cache?.ttl ?? stageCache?.ttl;
    this.methodSettings.push({
      resourcePath: methodSettingPath(path),
      httpMethod: httpMethod === 'ANY' ? '*' : httpMethod,
      loggingLevel: this.stageSettings.loggingLevel ?? apigateway.MethodLoggingLevel.ERROR,
      dataTraceEnabled: this.stageSettings.dataTrace ?? false,
      metricsEnabled: this.stageSettings.detailedMetrics ?? true,
      throttlingRateLimit: options.throttle?.rateLimit,
      throttlingBurstLimit: options.throttle?.burstLimit,
      cachingEnabled: stageCache !== undefined ? cacheEnabled : undefined,
      cacheTtlInSeconds: stageCache !== undefined && cacheEnabled ? (ttl && !Token.isUnresolved(ttl) ? ttl.toSeconds() : 300) : undefined,
      cacheDataEncrypted: stageCache !== undefined ? true : undefined,
    });
  }

  /** A request model, in the stack of the route's method (the API's own models stay as they were). */
  private addModel(httpMethod: string, path: string, schema: apigateway.JsonSchema, resource: apigateway.IResource): apigateway.Model {
    const id = `${defaultOperationName(httpMethod, path)}Model`;
    if (resource.api === this.api) return this.api.addModel(id, { contentType: 'application/json', schema });
    return new apigateway.Model(resource.api, id, { restApi: resource.api, contentType: 'application/json', schema });
  }

  /** CORS preflight methods cannot carry authorization: browsers send no credentials with them. */
  private acknowledgePreflight(node: apigateway.IResource): void {
    const preflight = node.node.tryFindChild('OPTIONS');
    if (preflight instanceof apigateway.Method) acknowledgeMethod(preflight, AuthorizationKind.NONE, true);
  }
}

