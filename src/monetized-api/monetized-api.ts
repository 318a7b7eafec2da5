import { Annotations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { watchQuota, watchRefusals } from './alarms';
import { lookUpUsageKeys } from './authorizer-key';
import { CustomerKey, DEFAULT_MAX_STATIC_CUSTOMERS, importKey, validateCustomers } from './customers';
import { MonetizedApiProps, UsageTier } from './monetized-api-props';
import { MonetizedSettings, resolveSettings } from './settings';
import { ITierPlan, TierPlan, validateTier, warnNearPlanQuota } from './tiers';
import { MonetizedWiring } from './wiring';
import { AuthorizationKind } from '../core/authorization';
import { createEncryptionKey } from '../core/private/encryption';
import { checkOneOf, checkPattern, fail, warn } from '../core/private/validation';
import { RestApiPattern } from '../rest/rest-api-pattern';
import { RestStage } from '../rest/rest-stage';
import { RouteEntry, RouteOptions } from '../rest/routes';
import { StageSettings } from '../rest/stage-settings';
import { ADMIN_ROUTES } from '../runtime/monetized/contract';

/** Authorizations that can return the caller's key (`usageIdentifierKey`) to API Gateway. */
const KEY_RETURNING = [AuthorizationKind.JWT, AuthorizationKind.LAMBDA_TOKEN, AuthorizationKind.LAMBDA_REQUEST];

/**
 * A REST API sold by pricing tier: every route requires an API key by default, each tier is a usage plan bound
 * to the API's stages (throttle, quota, per-route throttles), a few customers can be declared in code, many more
 * are onboarded at run time through IAM-authorized admin routes (create, move, rotate, revoke, list, usage) backed
 * by a KMS-encrypted customer table, usage is exported daily to a KMS-encrypted S3 bucket, and tiers can be sold
 * through AWS Marketplace. An API key identifies a caller for metering; it never replaces authorization. Quotas
 * and throttles are best effort (API Gateway): the WAF rate rule stays on as cost protection.
 *
 * @example
 * const api = new MonetizedApi(this, 'Weather', {
 *   authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['weather'] }),
 *   tiers: [
 *     { name: 'free', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: apigateway.Period.MONTH } },
 *     { name: 'pro', throttle: { rateLimit: 100, burstLimit: 200 }, quota: { limit: 1000000, period: apigateway.Period.MONTH } },
 *   ],
 * });
 * api.addRoute('GET', '/forecast', new apigateway.LambdaIntegration(forecast));
 */
export class MonetizedApi extends RestApiPattern {
  /** Where API Gateway reads the caller's key. */
  public readonly apiKeySource: apigateway.ApiKeySourceType;
  /** The key that encrypts the customer table, report bucket, key secrets and queues. */
  public readonly dataKey: kms.IKey;
  /** The customer table (onboarding, usage reports, Marketplace), if any. */
  public readonly customerTable?: dynamodb.ITable;
  /** The admin routes' handler, unless onboarding is off. */
  public readonly adminFunction?: lambda.IFunction;
  /** The daily usage export, unless off. */
  public readonly usageExportFunction?: lambda.IFunction;
  /** The bucket the usage export writes to, unless off. */
  public readonly reportBucket?: s3.IBucket;
  /** The AWS Marketplace registration (fulfilment) handler, when selling through AWS Marketplace. */
  public readonly registrationFunction?: lambda.IFunction;
  /** The AWS Marketplace subscription-event handler, when subscription topics are given. */
  public readonly subscriptionEventsFunction?: lambda.IFunction;
  /** The account's AWS Marketplace metering role, when created here. */
  public readonly meteringRole?: iam.IRole;

  private readonly settings: MonetizedSettings;
  private readonly wiring: MonetizedWiring;
  private readonly tierPlans: TierPlan[] = [];
  private readonly customerKeys = new Map<string, CustomerKey>();
  private readonly internalPaths = new Set<string>();

  constructor(scope: Construct, id: string, props: MonetizedApiProps) {
    const endpointType = props.endpointType ?? apigateway.EndpointType.REGIONAL;
    super(scope, id, { ...props, endpointType });
    checkOneOf(this, 'endpointType', endpointType, [apigateway.EndpointType.REGIONAL, apigateway.EndpointType.EDGE]);
    if (props.authorization.kind === AuthorizationKind.NONE) {
      fail(this, 'authorization', 'ApiAuthorization.none()', 'must authenticate callers: an API key identifies a caller for metering, it is not authorization (API Gateway usage plans guide)');
    }
    this.apiKeySource = props.apiKeySource ?? apigateway.ApiKeySourceType.HEADER;
    checkOneOf(this, 'apiKeySource', this.apiKeySource, [apigateway.ApiKeySourceType.HEADER, apigateway.ApiKeySourceType.AUTHORIZER]);
    if (this.apiKeySource === apigateway.ApiKeySourceType.AUTHORIZER && !KEY_RETURNING.includes(props.authorization.kind)) {
      fail(this, 'apiKeySource', 'AUTHORIZER', `needs a Lambda authorizer that returns usageIdentifierKey (JWT, LAMBDA_TOKEN or LAMBDA_REQUEST), not ${props.authorization.kind}`);
    }
    (this.api.node.defaultChild as apigateway.CfnRestApi).apiKeySourceType = this.apiKeySource;
    if (!(props.tiers?.length)) fail(this, 'tiers', `${props.tiers?.length ?? 0} item(s)`, 'must name at least one tier');

    this.settings = resolveSettings(this, props);
    this.dataKey = createEncryptionKey(this, 'DataKey', {
      description: `Encrypts the customer table, usage reports, key secrets and queues of ${this.node.path}`,
      // EventBridge writes undeliverable schedule events to an encrypted dead-letter queue.
      servicePrincipals: ['events.amazonaws.com'],
    });
    this.wiring = new MonetizedWiring(this, {
      settings: this.settings,
      dataKey: this.dataKey as kms.Key,
      hardening: () => this._functionHardening(),
      tiers: () => this.tierPlans,
    });
    const w = this.wiring;
    this.configureKeyLookup(props);
    this.customerTable = w.table;
    this.adminFunction = w.adminFunction;
    this.usageExportFunction = w.exportFunction;
    this.reportBucket = w.reportBucket;
    this.registrationFunction = w.registrationFunction;
    this.subscriptionEventsFunction = w.eventsFunction;
    this.meteringRole = w.meteringRole;

    for (const tier of props.tiers) this.addTier(tier);
    const customers = props.customers ?? [];
    validateCustomers(this, customers, this.tierPlans.map((t) => t.tierName), props.maxStaticCustomers ?? DEFAULT_MAX_STATIC_CUSTOMERS);
    for (const c of customers) {
      this.customerKeys.set(c.id, new CustomerKey(this, `Customer${c.id}`, c, w.customerContext((tier) => this.tier(tier).usagePlan)));
    }
    for (const route of w.internalRoutes(this.api)) {
      this.internalPaths.add(`${route.method} ${route.path}`);
      const method = this.addRoute(route.method, route.path, route.integration, route.options);
      if (route.path === this.settings.registrationPath) w.acknowledgeRegistration(method);
    }
    if (w.registrationFunction) {
      // The one route without authorization is the Marketplace registration route (a browser form post).
      Annotations.of(this).acknowledgeWarning('cdk-apigateway-patterns:NoAuthorization',
        `${this.settings.registrationPath} is AWS Marketplace's fulfilment URL, posted by the buyer's browser; its token is checked with ResolveCustomer`);
    }
    this.watchStage(this.defaultStage);
    Annotations.of(this).addInfo('Usage-plan quotas and throttles are best effort (API Gateway): they never cap costs on their own, so the WAF rate rule stays on as cost protection.');
  }

  /** The tiers, in the order they were added. */
  public get tiers(): ITierPlan[] {
    return [...this.tierPlans];
  }

  /**
   * Adds a tier: a usage plan on the API's stages (or those the tier names), with its throttle, quota and per-route
   * throttles, cleaned up (stages and keys detached) before CloudFormation deletes it.
   */
  public addTier(tier: UsageTier): ITierPlan {
    validateTier(this, tier, this.tierPlans.map((t) => t.tierName));
    if (tier.productCode !== undefined && !this.settings.marketplace) fail(this, `tier ${tier.name} productCode`, tier.productCode, 'needs the marketplace prop (registration route and metering role)');
    if (tier.productCode !== undefined && this.tierPlans.some((t) => t.tier.productCode === tier.productCode)) {
      fail(this, `tier ${tier.name} productCode`, tier.productCode, 'must be unique: one tier per AWS Marketplace product');
    }
    const plan = new TierPlan(this, `Tier${tier.name}`, tier, { api: this.api, stages: () => this.stages, routes: () => this.routes });
    this.tierPlans.push(plan);
    this.wiring.bindTier(plan);
    if (this.wiring.exportFunction) watchQuota(this.observability, plan);
    warnNearPlanQuota(this);
    return plan;
  }

  /** The tier named `name`. */
  public tier(name: string): ITierPlan {
    const found = this.tierPlans.find((t) => t.tierName === name);
    if (!found) fail(this, 'tier', name, `must name a tier of the API (${this.tierPlans.map((t) => t.tierName).join(', ')})`);
    return found;
  }

  /**
   * Attaches an API key made elsewhere (another stack, the console) to a tier: a usage-plan key only, no API key
   * in this stack.
   *
   * @param id construct id of the usage-plan key
   * @param keyId the API key's id
   * @param tierName the tier
   */
  public importKey(id: string, keyId: string, tierName: string): apigateway.CfnUsagePlanKey {
    return importKey(this, id, keyId, this.tier(tierName).usagePlan);
  }

  /** A static customer's API key id. */
  public customerApiKeyId(customerId: string): string {
    return this.customerKey(customerId).apiKey.ref;
  }

  /** The secret holding a static customer's generated key (`{"apiKeyId","apiKey"}`); undefined for given values. */
  public customerSecret(customerId: string): secretsmanager.ISecret | undefined {
    return this.customerKey(customerId).secret;
  }

  /** Grants `grantee` `execute-api:Invoke` on every admin route (SigV4-signed calls of the onboarding API). */
  public grantAdmin(grantee: iam.IGrantable): iam.Grant {
    if (!this.adminFunction) fail(this, 'onboarding.enabled', false, 'grantAdmin needs the admin routes');
    const base = this.settings.adminBasePath;
    return ADMIN_ROUTES.map((r) => this.grantInvoke(grantee, { method: r.method, path: `${base}${r.path}` })).reduce((a, b) => a.combine(b));
  }

  /** Adds a stage: tiers that cover every stage cover it too, and its 429 alarms join the dashboard. */
  public addStage(id: string, settings: StageSettings): RestStage {
    const stage = super.addStage(id, settings);
    this.watchStage(stage, id);
    return stage;
  }

  /** @internal Routes require an API key unless they say otherwise. */
  protected _routeDefaults(options: RouteOptions): RouteOptions {
    return { ...options, apiKeyRequired: options.apiKeyRequired ?? true };
  }

  /** @internal Warns about routes an API key alone would guard, or that no tier meters. */
  protected _onRouteAdded(route: RouteEntry): void {
    const key = `${route.method} ${route.path}`;
    if (this.internalPaths.has(key)) return;
    if (route.options.authorization?.kind === AuthorizationKind.NONE) {
      warn(this, 'ApiKeyOnlyRoute', `${key} has no authorization: an API key identifies a caller for metering, anyone holding one can call it (API keys are not authorization)`);
    } else if (route.options.apiKeyRequired === false) {
      warn(this, 'UnmeteredRoute', `${key} requires no API key: no tier meters, throttles or limits it`);
    }
  }

  /** AUTHORIZER key source: the bundled JWT authorizers find the caller's key by a claim (authorizer-key.ts). */
  private configureKeyLookup(props: MonetizedApiProps): void {
    if (this.apiKeySource !== apigateway.ApiKeySourceType.AUTHORIZER) {
      if (props.apiKeyClaim !== undefined) fail(this, 'apiKeyClaim', props.apiKeyClaim, 'applies only with apiKeySource AUTHORIZER');
      return;
    }
    const claim = props.apiKeyClaim ?? 'sub';
    checkPattern(this, 'apiKeyClaim', claim, /^[A-Za-z0-9_:.-]{1,128}$/, 'must be a token claim name');
    if (props.authorization.kind === AuthorizationKind.JWT && !this.settings.onboarding) {
      fail(this, 'onboarding.enabled', false, 'must be on with apiKeySource AUTHORIZER and a JWT authorization: the authorizer finds keys in the customer table');
    }
    if (this.settings.onboarding) lookUpUsageKeys(this, this.wiring.table!, this.dataKey, claim);
  }

  private customerKey(customerId: string): CustomerKey {
    const found = this.customerKeys.get(customerId);
    if (!found) fail(this, 'customerId', customerId, 'must name a static customer (customers prop)');
    return found;
  }

  private watchStage(stage: RestStage, id?: string): void {
    const accessLogGroup = id === undefined ? this.observability.accessLogGroup : this.wiring.accessLogGroupOf(this.observability, id);
    watchRefusals(this, {
      observability: this.observability,
      accessLogGroup,
      restApiId: this.api.restApiId,
      stageName: stage.stageName,
      threshold: this.settings.throttledRequestsThreshold,
      idPrefix: id === undefined ? 'Stage' : `Stage${id}`,
    });
  }
}
