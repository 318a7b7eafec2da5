/**
 * One stage of a REST pattern and everything that belongs to it: method settings (stage-wide and per route), the
 * cache and its invalidation settings, the execution-log group API Gateway writes to, alarms and dashboard widgets
 * (through its one `StageMetrics` factory), the WAF association and the account-logging dependency. The REST base
 * creates the first (default) stage; `addStage` creates more. Nothing else reads a singular stage.
 */
import { CfnResource, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { grantInvalidateCache, requireAuthorizedCacheInvalidation } from './cache-control';
import { CanaryLogGroups, CanaryMetrics, createCanaryLogGroups } from './canary-logs';
import { CanaryOptions } from './canary-options';
import { StageCanaryRelease } from './canary-release';
import { RestDeployments } from './deployments';
import { acknowledgeNoCache } from './permissions';
import { StageMetrics } from './stage-metrics';
import { ApiFirewall } from '../core/firewall';
import { ApiObservability } from '../core/observability';
import { acknowledgeJsonAccessLogFormat } from '../core/private/access-log-format';
import { FunctionHardening } from '../core/private/functions';
import { prepareStageLogging } from '../core/private/stage-logging';
import { fail } from '../core/private/validation';
import { RouteOptions, RouteTable } from '../rest/routes';
import { StageSettings, methodSettingPath, renderStageOptions, validateStageSettings } from '../rest/stage-settings';

/** API Gateway's quota of stages per REST API (docs/limits.md). */
const MAX_STAGES = 10;

/** What a stage needs from its API (internal: built by the REST base). */
export interface RestStageContext {
  readonly scope: Construct;
  readonly api: apigateway.RestApi;
  readonly deployments: RestDeployments;
  readonly observability: ApiObservability;
  readonly firewall?: ApiFirewall;
  readonly clientCertificate?: apigateway.CfnClientCertificate;
  readonly accountLogging: boolean;
  readonly hardening: () => FunctionHardening;
}

/** One route as a stage's method settings see it. */
interface StageRoute {
  readonly httpMethod: string;
  readonly path: string;
  readonly options: RouteOptions;
  /** Whether the route's plan caches it (on stages with a cache). */
  readonly cached: boolean;
}

/**
 * A stage of a REST pattern. Get the default one from `api.defaultStage`, add more with `api.addStage()`.
 */
export class RestStage {
  /**
   * @internal
   * Creates the stage object; the default stage wraps the `RestApi`'s own deployment stage, others get a new one.
   */
  public static _create(context: RestStageContext, id: string | undefined, settings: StageSettings, stageName: string): RestStage {
    const accessLogGroup = id === undefined ? context.observability.accessLogGroup : context.observability.createLogGroup(`${id}AccessLogs`);
    const stage = id === undefined ? context.api.deploymentStage : new apigateway.Stage(context.scope, id, {
      ...RestStage._deployOptions(settings, context.observability, context.clientCertificate),
      accessLogDestination: new apigateway.LogGroupLogDestination(accessLogGroup),
      deployment: context.deployments.current,
    });
    return new RestStage(context, id ?? '', stage, settings, stageName, accessLogGroup);
  }

  /**
   * @internal
   * Adds a stage to the API's `stages` after checking it against the others (unique names, at most 10, caches before
   * routes), with the routes added so far.
   */
  public static _addTo(stages: RestStage[], context: RestStageContext, id: string, settings: StageSettings, routes: RouteTable): RestStage {
    const scope = context.scope;
    const stageName = validateStageSettings(scope, settings);
    if (stages.some((s) => s.stageName === stageName)) fail(scope, 'stage.stageName', stageName, 'must be unique among the API\'s stages');
    if (stages.length >= MAX_STAGES) fail(scope, 'stages', `${stages.length + 1} stages`, `must be at most ${MAX_STAGES} per REST API (API Gateway quota)`);
    if (settings.cache && !stages.some((s) => s.cached) && routes.size > 0) {
      fail(scope, `stage ${stageName} cache`, 'added after routes', 'add stages with a cache before the first route, so every cached route gets its cache key');
    }
    const stage = RestStage._create(context, id, settings, stageName);
    for (const route of routes.routes) stage._addRoute(route.method, route.path, route.options, routes.cachedOf(route));
    stages.push(stage);
    return stage;
  }

  /** @internal The deploy options of the default stage, which the `RestApi` creates with its first deployment. */
  public static _deployOptions(
    settings: StageSettings, observability: ApiObservability, clientCertificate?: apigateway.CfnClientCertificate,
  ): apigateway.StageOptions {
    return {
      ...renderStageOptions(settings, observability.tracing),
      accessLogDestination: new apigateway.LogGroupLogDestination(observability.accessLogGroup),
      accessLogFormat: ApiObservability.restAccessLogFormat(),
      clientCertificateId: clientCertificate?.attrClientCertificateId,
    };
  }

  /** The stage. Escape hatch: `stage.node.defaultChild` is the `CfnStage`. */
  public readonly stage: apigateway.Stage;
  /** The stage name. */
  public readonly stageName: string;
  /** The stage's metrics (the same factory its alarms and dashboard widgets use). */
  public readonly metrics: StageMetrics;
  /** The execution-log group API Gateway writes to (`API-Gateway-Execution-Logs_{apiId}/{stage}`). */
  public readonly executionLogGroup: logs.ILogGroup;
  /** The alarms of this stage. */
  public readonly alarms: cloudwatch.IAlarm[];
  /** Whether the stage has a cache cluster. */
  public readonly cached: boolean;
  /** The stage variables. */
  public readonly variables: Record<string, string>;
  /** The stage's canary, as configured. */
  public readonly canary?: CanaryOptions;
  /** The stage's access-log group. */
  public readonly accessLogGroup: logs.ILogGroup;
  /** The log groups of the stage's canary traffic (pre-created for every stage, canary or not). */
  public readonly canaryLogGroups: CanaryLogGroups;
  /** The alarms on the canary's own traffic that roll it back (empty without a canary or automatic rollback). */
  public readonly canaryGuardAlarms: cloudwatch.IAlarm[] = [];
  /** The function that rolls the canary back when a guard alarm enters ALARM, with automatic rollback. */
  public readonly canaryRollbackFunction?: lambda.IFunction;

  private readonly canaryMetrics?: CanaryMetrics;
  private readonly canaryRelease?: StageCanaryRelease;

  private readonly routes: StageRoute[] = [];

  private constructor(
    private readonly context: RestStageContext,
    idPrefix: string,
    stage: apigateway.Stage,
    private readonly settings: StageSettings,
    stageName: string,
    accessLogGroup: logs.ILogGroup,
  ) {
    const { api, observability } = context;
    this.stage = stage;
    this.accessLogGroup = accessLogGroup;
    this.variables = { ...settings.variables };
    this.canary = settings.canary;
    this.stageName = stageName;
    this.cached = settings.cache !== undefined;
    this.metrics = new StageMetrics(api.restApiName, stage.stageName);

    acknowledgeJsonAccessLogFormat(stage.node.defaultChild as CfnResource);
    if (!this.cached) {
      acknowledgeNoCache(stage);
    } else {
      requireAuthorizedCacheInvalidation(context.scope, { api, stage, hardening: context.hardening(), idPrefix });
    }
    const before = observability.alarms.length;
    observability.watchRestApi({ apiName: api.restApiName, apiId: api.restApiId, stageName });
    this.alarms = observability.alarms.slice(before);
    this.executionLogGroup = prepareStageLogging(stage, { observability, apiId: api.restApiId, stageName, accountLogging: context.accountLogging });
    context.firewall?.associate(stage.stageArn);
    this.canaryLogGroups = createCanaryLogGroups(stage, { observability, idPrefix, apiId: api.restApiId, stageName, accessLogGroup });

    // Per-route method settings join the stage's own, rendered when every route is known.
    const cfnStage = stage.node.defaultChild as apigateway.CfnStage;
    const baseDeploymentId = context.deployments.deploymentIdFor('stage.baseDeployment', settings.baseDeployment);
    cfnStage.deploymentId = baseDeploymentId;
    if (settings.canary) {
      this.canaryMetrics = new CanaryMetrics(context.scope, idPrefix, this.canaryLogGroups, api.restApiId, stageName);
      observability.dashboard?.addWidgets(...this.canaryMetrics.widgets(stageName, this.metrics));
    }
    if (settings.canary || settings.removeCanary) {
      this.canaryRelease = new StageCanaryRelease({
        scope: context.scope,
        idPrefix,
        api,
        stage,
        stageName,
        observability,
        hardening: context.hardening(),
        baseDeploymentId,
        candidateDeploymentId: context.deployments.current.deploymentId,
        metrics: this.canaryMetrics,
      }, settings.canary, settings.removeCanary ?? false);
      this.canaryGuardAlarms.push(...this.canaryRelease.guardAlarms);
      this.canaryRollbackFunction = this.canaryRelease.rollbackFunction;
    }
    const stageLevel = cfnStage.methodSettings;
    cfnStage.methodSettings = Lazy.any({
      produce: () => [
        ...((Stack.of(stage).resolve(stageLevel) as unknown[]) ?? []),
        ...this.routes.flatMap((r) => this.routeSetting(r)),
      ],
    }) as unknown as apigateway.CfnStage.MethodSettingProperty[];
  }

  /**
   * Grants `grantee` `execute-api:InvalidateCache` on methods of this stage: its SigV4-signed requests with
   * `Cache-Control: max-age=0` refresh the cached entry; every other such request is answered normally with a
   * warning header.
   *
   * @param method HTTP method, or `*` for all
   * @param path resource path, or `/*` for all
   */
  public grantInvalidateCache(grantee: iam.IGrantable, method: string = '*', path: string = '/*'): iam.Grant {
    return grantInvalidateCache(grantee, this.context.api, this.stage.stageName, method, path);
  }

  /** @internal Records a route for this stage's method settings. */
  public _addRoute(httpMethod: string, path: string, options: RouteOptions, cached: boolean): void {
    this.routes.push({ httpMethod, path, options, cached });
  }

  /** A route's own method setting, when it needs one (a throttle, or cache settings unlike the stage-wide ones). */
  private routeSetting(route: StageRoute): apigateway.CfnStage.MethodSettingProperty[] {
    const { httpMethod, path, options } = route;
    const stageCache = this.settings.cache;
    const cacheEnabled = this.cached && route.cached;
    // The stage-wide `/*` `/*` setting caches every method: a route that is not cached, or has its own TTL, needs its own.
    const hasOwnCache = stageCache !== undefined && (options.cache !== undefined || !cacheEnabled);
    if (!options.throttle && !hasOwnCache) return [];
    const ttl = options.cache?.ttl ?? stageCache?.ttl;
    return [{
      resourcePath: methodSettingPath(path),
      httpMethod: httpMethod === 'ANY' ? '*' : httpMethod,
      loggingLevel: this.settings.loggingLevel ?? apigateway.MethodLoggingLevel.ERROR,
      dataTraceEnabled: this.settings.dataTrace ?? false,
      metricsEnabled: this.settings.detailedMetrics ?? true,
      throttlingRateLimit: options.throttle?.rateLimit,
      throttlingBurstLimit: options.throttle?.burstLimit,
      cachingEnabled: stageCache !== undefined ? cacheEnabled : undefined,
      cacheTtlInSeconds: cacheEnabled ? (ttl && !Token.isUnresolved(ttl) ? ttl.toSeconds() : 300) : undefined,
      cacheDataEncrypted: stageCache !== undefined ? true : undefined,
    }];
  }
}
