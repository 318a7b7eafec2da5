/**
 * Customer onboarding: create a customer in a tier (its key value returned once), and the key steps every
 * lifecycle operation shares. Idempotent by customer id: the same request twice gives one key and one plan key; a
 * request repeated after a crash resumes (the key an unfinished attempt created is found again, by the id saved
 * right after CreateApiKey or by its name, and its value, never handed out, is returned then). No CDK imports.
 */
import { KEY_TAGS, MonetizedConfig, TierConfig, tierNamed } from './contract';
import { HttpError, Log } from './errors';
import { CreatedKey, KeyGateway } from './gateway';
import { Clock } from './retry';
import { CustomerRecord, CustomerStore, Lease, MarketplaceFields } from './store';

/** What the operations need: configuration, the API Gateway and table clients, time and a log. */
export interface MonetizedDependencies {
  readonly config: MonetizedConfig;
  readonly gateway: KeyGateway;
  readonly store: CustomerStore;
  readonly clock: Clock;
  readonly log: Log;
}

/** An operation's answer: an HTTP status and a JSON body. */
export interface OperationResult {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
}

/** A customer as the admin routes show it (no lease, no pending key). */
export function customerView(record: CustomerRecord): Record<string, unknown> {
  return {
    customerId: record.customerId,
    tier: record.tier,
    status: record.status,
    ...(record.keyId ? { keyId: record.keyId } : {}),
    generation: record.generation,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.revokedAt ? { revokedAt: record.revokedAt } : {}),
    ...(record.marketplace ? { marketplace: record.marketplace } : {}),
  };
}

/** The tier, or a 400 naming the tiers there are. */
export function requireTier(config: MonetizedConfig, name: string): TierConfig {
  const tier = tierNamed(config, name);
  if (!tier) throw new HttpError(400, 'UnknownTier', `unknown tier "${name}": one of ${config.tiers.map((t) => t.name).join(', ')}`);
  return tier;
}

/** The name of a customer's key of one generation. */
export function keyName(config: MonetizedConfig, customerId: string, generation: number): string {
  return `${config.keyNamePrefix}${customerId}.${generation}`;
}

/**
 * The customer's key of `generation`: the one an unfinished attempt created (by saved id, then by name), else,
 * with `reuse`, an enabled key already carrying the Marketplace customer id, else a new one (carrying
 * `marketplaceId` as its customerId, which API Gateway meters by), counted against KEY_LIMIT before CreateApiKey is
 * called. The new key's id is saved before anything else happens.
 */
export async function obtainKey(
  deps: MonetizedDependencies, lease: Lease, tier: TierConfig, generation: number, marketplaceId?: string, reuse = false,
): Promise<CreatedKey> {
  const { gateway, store, config } = deps;
  const record = lease.record;
  const name = keyName(config, record.customerId, generation);
  const candidates: string[] = [];
  if (record.pendingKeyId && record.pendingGeneration === generation) candidates.push(record.pendingKeyId);
  candidates.push(...(await gateway.keysNamed(name)).map((k) => k.id!));
  if (marketplaceId && reuse) candidates.push(...(await gateway.keysOfCustomer(marketplaceId)).filter((k) => k.enabled).map((k) => k.id!));
  for (const id of candidates) {
    const found = await gateway.getKey(id, true);
    if (found?.id && found.value) {
      deps.log('key reused', { customerId: record.customerId, keyId: found.id });
      await store.save(record.customerId, lease, { pendingKeyId: found.id, pendingGeneration: generation }, false, deps.clock.now());
      return { id: found.id, value: found.value };
    }
  }
  await store.reserveKey(config.keyLimit);
  let key: CreatedKey;
  try {
    key = await gateway.createKey(name, { [KEY_TAGS.customer]: record.customerId, [KEY_TAGS.tier]: tier.name }, marketplaceId);
  } catch (e) {
    await store.releaseKey();
    throw e;
  }
  deps.log('key created', { customerId: record.customerId, keyId: key.id, generation });
  await store.save(record.customerId, lease, { pendingKeyId: key.id, pendingGeneration: generation }, false, deps.clock.now());
  return key;
}

/** Detaches a key from every plan it is in (every page of GetUsagePlans), then deletes or disables it. */
export async function retireKey(deps: MonetizedDependencies, keyId: string): Promise<string[]> {
  const plans = (await deps.gateway.plansOfKey(keyId)).map((p) => p.id!).filter(Boolean);
  for (const planId of plans) await deps.gateway.detach(planId, keyId);
  if (deps.config.retireMode === 'delete') {
    if (await deps.gateway.deleteKey(keyId)) await deps.store.releaseKey();
  } else {
    await deps.gateway.disableKey(keyId);
  }
  deps.log('key retired', { keyId, plans: plans.length, mode: deps.config.retireMode });
  return plans;
}

/** Runs `work` under the customer's lease; the lease is released if `work` fails. */
export async function underLease<T>(deps: MonetizedDependencies, lease: Lease, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    await deps.store.release(lease.record.customerId, lease).catch(() => undefined);
    throw e;
  }
}

/** Options of a create that comes from the Marketplace fulfilment flow. */
export interface MarketplaceOnboarding {
  readonly fields: MarketplaceFields;
}

/**
 * Creates a customer in a tier: 201 with the key value (the only time it is returned); 200 without it when the
 * customer already exists in that tier (the plan key is checked again); 409 when it exists in another tier.
 * A revoked customer is onboarded again with a new key.
 */
export async function createCustomer(
  deps: MonetizedDependencies, customerId: string, tierName: string, marketplace?: MarketplaceOnboarding,
): Promise<OperationResult> {
  const tier = requireTier(deps.config, tierName);
  const lease = await deps.store.acquire(customerId, deps.clock.now(), { tier: tier.name, marketplace: marketplace?.fields });
  return underLease(deps, lease, async () => {
    const record = lease.record;
    if (record.status === 'ACTIVE' && record.keyId) {
      if (record.tier !== tier.name) {
        throw new HttpError(409, 'CustomerExists', `customer ${customerId} is in tier ${record.tier}: move it instead`);
      }
      await deps.gateway.attach(tier.usagePlanId, record.keyId);
      await deps.store.save(customerId, lease, {}, true, deps.clock.now());
      return { statusCode: 200, body: { ...customerView(record), created: false } };
    }
    const generation = record.pendingGeneration ?? record.generation + 1;
    const key = await obtainKey(deps, lease, tier, generation, marketplace ? customerId : undefined, true);
    await deps.gateway.attach(tier.usagePlanId, key.id);
    if (marketplace) await deps.gateway.updateKey(key.id, [{ op: 'replace', path: '/customerId', value: customerId }]);
    await deps.store.recordKey(key.id, customerId, tier.name, deps.clock.now());
    const now = deps.clock.now();
    await deps.store.save(customerId, lease, {
      status: 'ACTIVE',
      tier: tier.name,
      keyId: key.id,
      generation,
      pendingKeyId: undefined,
      pendingGeneration: undefined,
      revokedAt: undefined,
      ...(marketplace ? { marketplace: { ...record.marketplace, ...marketplace.fields } } : {}),
    }, true, now);
    deps.log('customer created', { customerId, tier: tier.name, keyId: key.id });
    const saved = { ...record, status: 'ACTIVE' as const, tier: tier.name, keyId: key.id, generation, updatedAt: new Date(now).toISOString() };
    return { statusCode: 201, body: { ...customerView(saved), created: true, apiKey: key.value } };
  });
}
