/**
 * The contract between MonetizedApi (which renders it into its functions' environment and creates the customer
 * table with the schema below) and the monetization handlers (which parse it once per execution environment): one
 * pure module both import, so a variable's name, format and default exist in one place. No CDK imports: runs
 * inside Lambda.
 *
 * `renderMonetizedEnvironment` accepts unresolved CDK tokens (table name, usage plan ids, bucket name) inside its
 * strings and does not validate them; `parseMonetizedEnvironment` validates every value and throws
 * `MonetizedConfigError` naming the variable.
 */

/** One tier as the handlers see it: its name, its usage plan and, when sold through AWS Marketplace, its product code. */
export interface TierConfig {
  readonly name: string;
  readonly usagePlanId: string;
  readonly productCode?: string;
}

/** What a revoked (or rotated-out) key becomes once it is detached from every plan. */
export type RetireMode = 'delete' | 'disable';

/** Everything the monetization handlers are configured with. */
export interface MonetizedConfig {
  /** The customer table (schema: CUSTOMER_TABLE_SCHEMA). */
  readonly tableName: string;
  readonly tiers: readonly TierConfig[];
  /** Prefix of the names of the keys the handlers create (`{prefix}{customerId}.{generation}`). */
  readonly keyNamePrefix: string;
  /** Keys the handlers may hold at once (the region's 10,000 are shared with every other key of the account). */
  readonly keyLimit: number;
  readonly retireMode: RetireMode;
  /** The admin routes' base path (the routes of ADMIN_ROUTES hang under it). */
  readonly adminBasePath: string;
  /** Where usage exports go (the export handler requires it). */
  readonly reportBucket?: string;
  readonly reportPrefix: string;
  /** The KMS key the export objects are encrypted with (else the bucket's default encryption). */
  readonly reportKmsKeyId?: string;
  /** SNS topics whose Marketplace subscription notifications are accepted (none: every topic the queue receives from). */
  readonly marketplaceTopicArns: readonly string[];
}

/** The variable names (the contract). */
export const MONETIZED_ENV = {
  tableName: 'CUSTOMER_TABLE',
  tiers: 'TIERS',
  productCodes: 'TIER_PRODUCT_CODES',
  keyNamePrefix: 'KEY_NAME_PREFIX',
  keyLimit: 'KEY_LIMIT',
  retireMode: 'RETIRE_MODE',
  adminBasePath: 'ADMIN_BASE_PATH',
  reportBucket: 'REPORT_BUCKET',
  reportPrefix: 'REPORT_PREFIX',
  reportKmsKeyId: 'REPORT_KMS_KEY_ID',
  marketplaceTopicArns: 'MARKETPLACE_TOPIC_ARNS',
} as const;

/** Defaults, shared by the construct's documentation and the parser. */
export const MONETIZED_DEFAULTS = {
  keyNamePrefix: 'monetized-',
  /** API Gateway's API keys per account and region, not raisable. */
  keyLimit: 10_000,
  retireMode: 'delete' as RetireMode,
  adminBasePath: '/admin',
  reportPrefix: 'usage/',
} as const;

/**
 * The customer table: partition key `pk` (string) and the GSI `tier-index` (partition `tier`, sort `customerId`,
 * projection ALL) that lists the customers of a tier. The construct creates it KMS-encrypted with point-in-time
 * recovery; the item format is documented in docs/monetized-runtime.md and written by ./store.ts.
 */
export const CUSTOMER_TABLE_SCHEMA = {
  partitionKey: 'pk',
  tierIndex: { name: 'tier-index', partitionKey: 'tier', sortKey: 'customerId' },
} as const;

/** The admin operations and their routes, relative to the admin base path (each IAM-authorized by the construct). */
export const ADMIN_ROUTES = [
  { operation: 'createCustomer', method: 'POST', path: '/customers' },
  { operation: 'getCustomer', method: 'GET', path: '/customers/{customerId}' },
  { operation: 'moveCustomer', method: 'PUT', path: '/customers/{customerId}/tier' },
  { operation: 'rotateKey', method: 'POST', path: '/customers/{customerId}/rotate' },
  { operation: 'revokeCustomer', method: 'DELETE', path: '/customers/{customerId}' },
  { operation: 'listCustomers', method: 'GET', path: '/tiers/{tier}/customers' },
  { operation: 'getUsage', method: 'GET', path: '/usage' },
] as const;

/** An admin operation's name. */
export type AdminOperation = (typeof ADMIN_ROUTES)[number]['operation'];

/** Tags the handlers put on the keys they create (static customers' keys carry them too, so reports can name their owner). */
export const KEY_TAGS = {
  customer: 'cdk-apigateway-patterns:customer',
  tier: 'cdk-apigateway-patterns:tier',
} as const;

/** Tier names: what a path parameter, a tag value and a report field can carry. */
export const TIER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Customer ids: letters, digits and `._:@-` (never `#`, which the table's own items use). */
export const CUSTOMER_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
/** API Gateway ids (usage plans, keys). */
export const RESOURCE_ID = /^[a-z0-9]{1,64}$/;
/** AWS Marketplace product codes. */
export const PRODUCT_CODE = /^[A-Za-z0-9_-]{1,255}$/;
const KEY_NAME_PREFIX = /^[A-Za-z0-9_.:/-]{1,128}$/;
const BASE_PATH = /^(\/[A-Za-z0-9._~-]+)+$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const OBJECT_PREFIX = /^[A-Za-z0-9!_.*'()/=-]{0,512}$/;
const KMS_KEY = /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+|alias\/[A-Za-z0-9/_-]+|[0-9a-f-]{36})$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** A variable of the contract is missing or malformed. */
export class MonetizedConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.name = 'MonetizedConfigError';
  }
}

/** `name=value` pairs joined with `,` (values may be unresolved CDK tokens, which never contain `,` or `=`). */
function renderPairs(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([k, v]) => `${k}=${v}`).join(',');
}

/** The environment variables for `config` (values may be unresolved CDK tokens). */
export function renderMonetizedEnvironment(config: MonetizedConfig): Record<string, string> {
  const codes = config.tiers.filter((t) => t.productCode !== undefined).map((t) => [t.name, t.productCode!] as const);
  const optional = (name: string, value: string | undefined) => (value !== undefined && value !== '' ? { [name]: value } : {});
  return {
    [MONETIZED_ENV.tableName]: config.tableName,
    [MONETIZED_ENV.tiers]: renderPairs(config.tiers.map((t) => [t.name, t.usagePlanId] as const)),
    ...optional(MONETIZED_ENV.productCodes, codes.length ? renderPairs(codes) : undefined),
    [MONETIZED_ENV.keyNamePrefix]: config.keyNamePrefix,
    [MONETIZED_ENV.keyLimit]: String(config.keyLimit),
    [MONETIZED_ENV.retireMode]: config.retireMode,
    [MONETIZED_ENV.adminBasePath]: config.adminBasePath,
    ...optional(MONETIZED_ENV.reportBucket, config.reportBucket),
    [MONETIZED_ENV.reportPrefix]: config.reportPrefix,
    ...optional(MONETIZED_ENV.reportKmsKeyId, config.reportKmsKeyId),
    ...optional(MONETIZED_ENV.marketplaceTopicArns, config.marketplaceTopicArns.length ? config.marketplaceTopicArns.join(',') : undefined),
  };
}

function parsePairs(variable: string, raw: string, value: RegExp, what: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of raw.split(',')) {
    const [name, v, extra] = part.split('=');
    if (extra !== undefined || !TIER_NAME.test(name ?? '') || !value.test(v ?? '')) {
      throw new MonetizedConfigError(variable, `must be "tier=${what}" pairs separated by ",": "${part}"`);
    }
    if (pairs.some(([n]) => n === name)) throw new MonetizedConfigError(variable, `names tier "${name}" twice`);
    pairs.push([name, v]);
  }
  return pairs;
}

function parseTiers(env: Record<string, string | undefined>): TierConfig[] {
  const raw = env[MONETIZED_ENV.tiers];
  if (!raw) throw new MonetizedConfigError(MONETIZED_ENV.tiers, 'is not set');
  const plans = parsePairs(MONETIZED_ENV.tiers, raw, RESOURCE_ID, 'usagePlanId');
  const rawCodes = env[MONETIZED_ENV.productCodes];
  const codes = new Map(rawCodes ? parsePairs(MONETIZED_ENV.productCodes, rawCodes, PRODUCT_CODE, 'productCode') : []);
  for (const name of codes.keys()) {
    if (!plans.some(([n]) => n === name)) throw new MonetizedConfigError(MONETIZED_ENV.productCodes, `names unknown tier "${name}"`);
  }
  const seen = new Set<string>();
  for (const [, planId] of plans) {
    if (seen.has(planId)) throw new MonetizedConfigError(MONETIZED_ENV.tiers, `gives usage plan ${planId} to two tiers`);
    seen.add(planId);
  }
  const productCodes = [...codes.values()];
  if (new Set(productCodes).size !== productCodes.length) {
    // One tier per product: a product code on two plans makes the buyer's tier ambiguous.
    throw new MonetizedConfigError(MONETIZED_ENV.productCodes, 'gives one product code to two tiers');
  }
  return plans.map(([name, usagePlanId]) => ({ name, usagePlanId, ...(codes.has(name) ? { productCode: codes.get(name)! } : {}) }));
}

function matching(env: Record<string, string | undefined>, name: string, pattern: RegExp, what: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!pattern.test(raw)) throw new MonetizedConfigError(name, `must be ${what}`);
  return raw;
}

function parseKeyLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return MONETIZED_DEFAULTS.keyLimit;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > MONETIZED_DEFAULTS.keyLimit) {
    throw new MonetizedConfigError(MONETIZED_ENV.keyLimit, `must be a whole number between 1 and ${MONETIZED_DEFAULTS.keyLimit}`);
  }
  return Number(raw);
}

/** The configuration in `env`; throws MonetizedConfigError. */
export function parseMonetizedEnvironment(env: Record<string, string | undefined>): MonetizedConfig {
  const tableName = env[MONETIZED_ENV.tableName];
  if (!tableName || !/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) throw new MonetizedConfigError(MONETIZED_ENV.tableName, 'must be a DynamoDB table name');
  const retireMode = (env[MONETIZED_ENV.retireMode] || MONETIZED_DEFAULTS.retireMode) as RetireMode;
  if (retireMode !== 'delete' && retireMode !== 'disable') throw new MonetizedConfigError(MONETIZED_ENV.retireMode, 'must be "delete" or "disable"');
  const topics = env[MONETIZED_ENV.marketplaceTopicArns] ? env[MONETIZED_ENV.marketplaceTopicArns]!.split(',') : [];
  if (topics.some((t) => !TOPIC_ARN.test(t))) throw new MonetizedConfigError(MONETIZED_ENV.marketplaceTopicArns, 'must be SNS topic ARNs separated by ","');
  return {
    tableName,
    tiers: parseTiers(env),
    keyNamePrefix: matching(env, MONETIZED_ENV.keyNamePrefix, KEY_NAME_PREFIX, 'at most 128 letters, digits or "_.:/-"') ?? MONETIZED_DEFAULTS.keyNamePrefix,
    keyLimit: parseKeyLimit(env[MONETIZED_ENV.keyLimit]),
    retireMode,
    adminBasePath: matching(env, MONETIZED_ENV.adminBasePath, BASE_PATH, 'a resource path such as /admin') ?? MONETIZED_DEFAULTS.adminBasePath,
    reportBucket: matching(env, MONETIZED_ENV.reportBucket, BUCKET, 'an S3 bucket name'),
    reportPrefix: matching(env, MONETIZED_ENV.reportPrefix, OBJECT_PREFIX, 'an S3 key prefix') ?? MONETIZED_DEFAULTS.reportPrefix,
    reportKmsKeyId: matching(env, MONETIZED_ENV.reportKmsKeyId, KMS_KEY, 'a KMS key id, key ARN or alias'),
    marketplaceTopicArns: topics,
  };
}

/** The tier named `name`, if any. */
export function tierNamed(config: MonetizedConfig, name: string): TierConfig | undefined {
  return config.tiers.find((t) => t.name === name);
}

/** The tier sold as `productCode`, if any. */
export function tierForProduct(config: MonetizedConfig, productCode: string): TierConfig | undefined {
  return config.tiers.find((t) => t.productCode === productCode);
}

/** The metric the export handler publishes from `lowestRemaining` (the construct alarms on it near each quota). */
export const QUOTA_METRIC = Object.freeze({
  namespace: 'CdkApiGatewayPatterns/Monetized',
  service: 'monetized-usage-export',
  name: 'LowestRemainingQuota',
  dimension: 'UsagePlanId',
});
