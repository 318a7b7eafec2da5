/**
 * The properties of MonetizedApi: tiers, static customers, onboarding, usage reports and AWS Marketplace.
 * Facts and limits: docs/limits.md ("Usage plans and API keys") and docs/monetized-runtime.md.
 */
import { Duration, SecretValue } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as events from 'aws-cdk-lib/aws-events';
import { ApiAuthorization } from '../core/authorization';
import { ThrottleOptions } from '../core/throttle';
import { RestApiPatternProps } from '../rest/rest-api-pattern-props';

/**
 * A request quota of a tier. API Gateway counts per API key and calls quotas best effort: never rely on them
 * alone to cap costs (the API's WAF rate rule stays on).
 */
export interface QuotaOptions {
  /** Requests per period and API key (an integer >= 0). */
  readonly limit: number;
  /** DAY, WEEK or MONTH. */
  readonly period: apigateway.Period;
  /**
   * Where the period starts (an integer >= 0): for WEEK, 0 is Sunday; for MONTH, 0 is the month's first day.
   * @default 0
   */
  readonly offset?: number;
}

/**
 * A pricing tier: one `AWS::ApiGateway::UsagePlan` bound to the API's stages.
 */
export interface UsageTier {
  /** The tier's name: 1-64 letters, digits, `-` or `_`, unique within the API. */
  readonly name: string;
  /**
   * A description of the tier (the usage plan's description).
   * @default - `Tier <name> of <construct path>`
   */
  readonly description?: string;
  /**
   * The tier's throttle (per API key). Required when `routeThrottles` is set: API Gateway refuses per-method
   * throttles without a plan-level one (aws-cdk#6411).
   * @default - no tier throttle: the stage and account throttles apply
   */
  readonly throttle?: ThrottleOptions;
  /**
   * The tier's quota (per API key).
   * @default - no quota
   */
  readonly quota?: QuotaOptions;
  /**
   * Per-route throttles of the tier, keyed by route as `addRoute` names it (`'GET /pets/{id}'`), rendered under
   * API Gateway's `/{path}/{METHOD}` keys. `{ rateLimit: 0, burstLimit: 0 }` switches the route off for the tier
   * (rendered literally, aws-cdk#10071). ANY routes cannot be throttled one method at a time: throttle a route per
   * method instead.
   * @default - no per-route throttle
   */
  readonly routeThrottles?: { [route: string]: ThrottleOptions };
  /**
   * The stages (by stage name) the tier covers, at least one.
   * @default - every stage of the API, including stages added later
   */
  readonly stages?: string[];
  /**
   * The AWS Marketplace product code this tier is sold as (one tier per product code). Needs `marketplace`.
   * @default - not sold through AWS Marketplace
   */
  readonly productCode?: string;
}

/**
 * A customer declared in code (static mode, for a few customers): an API key and its usage-plan key in the
 * stack. Onboard customers at scale through the admin routes instead.
 */
export interface StaticCustomer {
  /** The customer id: 1-128 letters, digits or `._:@-`, starting with a letter or digit; unique. */
  readonly id: string;
  /** The tier the customer's key belongs to. */
  readonly tier: string;
  /**
   * The key's value, from a secret (`SecretValue.secretsManager(...)`, `SecretValue.ssmSecure(...)` or a NoEcho
   * parameter): 20-128 alphanumeric characters, unique in the region. Plain text is refused, as it would be
   * readable in the template. Changing the reference changes the key's name too, so CloudFormation can replace the
   * key (aws-cdk#12745).
   * @default - API Gateway generates the value and the stack publishes it to a Secrets Manager secret
   *            (`customerSecret(id)`)
   */
  readonly value?: SecretValue;
  /**
   * The generation of a generated key: increase it to rotate (the key is replaced by a new one, its secret gets
   * the new value, and the quota counter restarts from zero).
   * @default 0
   */
  readonly generation?: number;
}

/** What a revoked or rotated-out API key becomes once it is detached from every usage plan. */
export enum KeyRetirement {
  /** The key is deleted (it stops counting against the region's 10,000 keys). */
  DELETE = 'delete',
  /** The key is disabled and kept (it still counts against the 10,000 keys). */
  DISABLE = 'disable',
}

/**
 * The admin routes for onboarding at scale (create, move, rotate, revoke, list, usage), IAM-authorized, backed by
 * a KMS-encrypted DynamoDB customer table.
 */
export interface OnboardingOptions {
  /**
   * Add the admin routes and their handler.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The resource path the admin routes hang under.
   * @default '/admin'
   */
  readonly basePath?: string;
  /**
   * How many keys the handlers may hold at once (1-10,000): the region's 10,000 API keys are shared with every
   * other stack and static customer of the account.
   * @default 10000
   */
  readonly keyLimit?: number;
  /**
   * What a revoked or rotated-out key becomes.
   * @default KeyRetirement.DELETE
   */
  readonly retirement?: KeyRetirement;
  /**
   * Prefix of the names of the keys the handlers create (`{prefix}{customerId}.{generation}`).
   * @default 'monetized-'
   */
  readonly keyNamePrefix?: string;
}

/** The daily usage export to S3 (JSON Lines, one object per tier and day). */
export interface UsageReportOptions {
  /**
   * Export usage every day.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * When the export runs (it exports the UTC day before).
   * @default - every day at 01:15 UTC
   */
  readonly schedule?: events.Schedule;
  /**
   * How long report objects are kept.
   * @default Duration.days(400)
   */
  readonly retention?: Duration;
  /**
   * The key prefix of the report objects.
   * @default 'usage/'
   */
  readonly prefix?: string;
}

/** Selling tiers through AWS Marketplace (SaaS contracts or subscriptions). */
export interface MarketplaceOptions {
  /**
   * The SNS topics AWS Marketplace publishes subscription notifications to (one per product); a queue subscribed
   * to them feeds the subscription-event handler.
   * @default - no subscription handling (registration only)
   */
  readonly subscriptionTopicArns?: string[];
  /**
   * The resource path of the registration (fulfilment) route AWS Marketplace POSTs buyers to.
   * @default '/marketplace/register'
   */
  readonly registrationPath?: string;
  /**
   * Create the account's `ApiGatewayMarketplaceMeteringRole` (trusting API Gateway with BatchMeterUsage and
   * ResolveCustomer), which API Gateway needs to meter Marketplace usage. Once per account: switch it off in every
   * other stack.
   * @default true
   */
  readonly meteringRole?: boolean;
}

/**
 * Properties of `MonetizedApi`.
 */
export interface MonetizedApiProps extends RestApiPatternProps {
  /**
   * Default authorization of every route. An API key identifies a caller for metering, it does not authenticate:
   * `ApiAuthorization.none()` is refused.
   */
  readonly authorization: ApiAuthorization;
  /** The pricing tiers (more with `addTier`). */
  readonly tiers: UsageTier[];
  /**
   * REGIONAL or EDGE.
   * @default apigateway.EndpointType.REGIONAL
   */
  readonly endpointType?: apigateway.EndpointType;
  /**
   * Where API Gateway reads the caller's key: the `x-api-key` header (HEADER), or the `usageIdentifierKey` the
   * Lambda authorizer returns (AUTHORIZER: customers authenticate with a token and are metered by key).
   * @default apigateway.ApiKeySourceType.HEADER
   */
  readonly apiKeySource?: apigateway.ApiKeySourceType;
  /**
   * With `apiKeySource: AUTHORIZER` and `ApiAuthorization.jwt()`: the token claim that names the caller's customer
   * id (a customer onboarded through the admin routes); the bundled authorizer returns that customer's active key as
   * `usageIdentifierKey`. A Lambda authorizer of your own must return `usageIdentifierKey` itself.
   * @default 'sub'
   */
  readonly apiKeyClaim?: string;
  /**
   * Customers declared in code, each with an API key in the stack (at most `maxStaticCustomers`).
   * @default - none
   */
  readonly customers?: StaticCustomer[];
  /**
   * The most static customers the stack may declare (0-100). Each costs 2-4 CloudFormation resources of the
   * stack's 500 and one of the region's 10,000 API keys: onboard more through the admin routes.
   * @default 25
   */
  readonly maxStaticCustomers?: number;
  /**
   * The admin routes and the customer table.
   * @default - on, under `/admin`
   */
  readonly onboarding?: OnboardingOptions;
  /**
   * The daily usage export.
   * @default - on, daily, kept 400 days
   */
  readonly usageReports?: UsageReportOptions;
  /**
   * Sell tiers through AWS Marketplace (tiers name their `productCode`).
   * @default - not sold through AWS Marketplace
   */
  readonly marketplace?: MarketplaceOptions;
  /**
   * Alarm when a stage throttles or refuses (quota exceeded) more requests than this in 5 minutes.
   * @default 100
   */
  readonly throttledRequestsThreshold?: number;
}
