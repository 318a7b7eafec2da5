/**
 * Claim-to-key lookup of the bundled JWT authorizer, for REST APIs whose API key source is AUTHORIZER
 * (MonetizedApi `apiKeySource: AUTHORIZER`): the authorizer returns the caller's API key VALUE as
 * `usageIdentifierKey`, and API Gateway meters and throttles the request under the usage plan that key is in.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html and
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 *
 * The token's claim (`sub` by default) names the customer of the MonetizedApi customer table
 * (src/runtime/monetized/store.ts: item `CUSTOMER#{customerId}` with `status` and `keyId`); an ACTIVE customer's
 * key value is read with `GetApiKey includeValue`. A customer that is unknown, pending or revoked gets no key (the
 * authorizer denies the route). Values are kept in memory for `ttlMs` (and API Gateway caches the whole policy for
 * the authorizer's result TTL), so a revocation or rotation reaches callers within the two.
 *
 * No CDK imports: this module runs inside Lambda. Key values are never logged.
 */

/** The customer table's view the lookup needs. */
export interface UsageKeyCustomer {
  readonly status?: unknown;
  readonly keyId?: unknown;
}

/** What the lookup reads: the customer record and a key's value (injected: the handler passes SDK calls). */
export interface UsageKeySources {
  readonly customer: (customerId: string) => Promise<UsageKeyCustomer | undefined>;
  readonly keyValue: (keyId: string) => Promise<string | undefined>;
}

/** The customer ids of the monetized runtime (src/runtime/monetized/contract.ts CUSTOMER_ID). */
const CUSTOMER_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
/** API Gateway key ids, and key values (20-128 alphanumeric characters, docs/limits.md). */
const KEY_ID = /^[a-z0-9]{1,64}$/;
const KEY_VALUE = /^[A-Za-z0-9]{20,128}$/;

/** The claim's value when it can name a customer, else undefined. */
export function customerIdOf(payload: Record<string, unknown>, claim: string): string | undefined {
  const value = payload[claim];
  return typeof value === 'string' && CUSTOMER_ID.test(value) ? value : undefined;
}

/** Thrown when the table or API Gateway cannot be read: the authorizer fails the request (500), never allows it. */
export class UsageKeyLookupError extends Error {
  constructor(public readonly reason: string) {
    super(reason);
  }
}

export interface UsageKeyLookupOptions {
  /** How long a found (or missing) key is remembered. */
  readonly ttlMs: number;
  /** At most this many customers are remembered (the oldest is forgotten first). */
  readonly maxEntries: number;
  readonly now?: () => number;
}

/** A cached lookup: customer id -> the key value of its current key, or undefined (no active key). */
export function createUsageKeyLookup(sources: UsageKeySources, options: UsageKeyLookupOptions): (customerId: string) => Promise<string | undefined> {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { value: string | undefined; until: number }>();
  return async (customerId) => {
    const hit = cache.get(customerId);
    if (hit && hit.until > now()) return hit.value;
    let value: string | undefined;
    try {
      const record = await sources.customer(customerId);
      const keyId = record?.status === 'ACTIVE' && typeof record.keyId === 'string' && KEY_ID.test(record.keyId) ? record.keyId : undefined;
      const found = keyId === undefined ? undefined : await sources.keyValue(keyId);
      value = found && KEY_VALUE.test(found) ? found : undefined;
    } catch (e) {
      throw new UsageKeyLookupError(e instanceof Error && /^[A-Za-z]{1,64}$/.test(e.name) ? e.name : 'LookupFailed');
    }
    cache.delete(customerId);
    if (cache.size >= options.maxEntries) cache.delete(cache.keys().next().value as string);
    cache.set(customerId, { value, until: now() + options.ttlMs });
    return value;
  };
}
