/**
 * The lifecycle of an onboarded customer: move to another tier, rotate the key, revoke, read, list a tier.
 * No CDK imports: runs inside Lambda.
 *
 * Order matters and follows API Gateway's rules:
 * - rotate: the new key is created and attached BEFORE the old one is detached, so the customer is never without
 *   a working key; the new key's quota counter starts at zero (usage is counted per key);
 * - move: the key is detached from the old plan BEFORE it is attached to the new one, because "a given API key can
 *   only be associated with one usage plan for each stage of your API"
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html); if the attach
 *   fails, the key goes back to the old plan. A key may be in at most 10 plans: checked before any call.
 * - revoke: the key leaves every plan it is in (not only the tier's), then is deleted or disabled.
 */
import { customerView, MonetizedDependencies, obtainKey, OperationResult, requireTier, retireKey, underLease } from './customers';
import { HttpError } from './errors';
import { PLANS_PER_KEY } from './gateway';
import { CustomerRecord } from './store';

function requireActive(record: CustomerRecord): string {
  if (record.status !== 'ACTIVE' || !record.keyId) {
    throw new HttpError(409, 'CustomerNotActive', `customer ${record.customerId} is ${record.status.toLowerCase()}`);
  }
  return record.keyId;
}

/** Moves an active customer's key to another tier's plan; moving to the tier it is in re-checks the plan key. */
export async function moveCustomer(deps: MonetizedDependencies, customerId: string, tierName: string): Promise<OperationResult> {
  const target = requireTier(deps.config, tierName);
  const lease = await deps.store.acquire(customerId, deps.clock.now());
  return underLease(deps, lease, async () => {
    const record = lease.record;
    const keyId = requireActive(record);
    const source = deps.config.tiers.find((t) => t.name === record.tier);
    if (record.marketplace && target.productCode !== record.marketplace.productCode) {
      // Metering and billing follow the buyer's product subscription: its tier is the tier of that product.
      throw new HttpError(409, 'MarketplaceCustomer', `customer ${customerId} is an AWS Marketplace buyer of the product of tier ${record.tier}`);
    }
    if (record.tier !== target.name) {
      const plans = (await deps.gateway.plansOfKey(keyId)).map((p) => p.id);
      const after = plans.filter((id) => id !== source?.usagePlanId && id !== target.usagePlanId).length + 1;
      if (after > PLANS_PER_KEY) {
        throw new HttpError(409, 'TooManyPlans', `key ${keyId} would be in ${after} usage plans; API Gateway allows ${PLANS_PER_KEY} per key`);
      }
      if (source) await deps.gateway.detach(source.usagePlanId, keyId);
      try {
        await deps.gateway.attach(target.usagePlanId, keyId);
      } catch (e) {
        if (source) await deps.gateway.attach(source.usagePlanId, keyId).catch(() => deps.log('restore failed', { customerId, keyId }));
        throw e;
      }
      await deps.store.recordKey(keyId, customerId, target.name, deps.clock.now());
    } else {
      await deps.gateway.attach(target.usagePlanId, keyId);
    }
    const now = deps.clock.now();
    await deps.store.save(customerId, lease, { tier: target.name }, true, now);
    deps.log('customer moved', { customerId, from: record.tier, to: target.name });
    return {
      statusCode: 200,
      body: { ...customerView({ ...record, tier: target.name, updatedAt: new Date(now).toISOString() }), previousTier: record.tier },
    };
  });
}

/** Replaces an active customer's key: new key created and attached, then the old one detached and retired. */
export async function rotateKey(deps: MonetizedDependencies, customerId: string): Promise<OperationResult> {
  const lease = await deps.store.acquire(customerId, deps.clock.now());
  return underLease(deps, lease, async () => {
    const record = lease.record;
    const oldKeyId = requireActive(record);
    const tier = requireTier(deps.config, record.tier);
    const generation = record.pendingGeneration ?? record.generation + 1;
    // A Marketplace buyer's new key carries its customer id too (API Gateway meters by it).
    const key = await obtainKey(deps, lease, tier, generation, record.marketplace ? customerId : undefined);
    await deps.gateway.attach(tier.usagePlanId, key.id);
    await deps.store.recordKey(key.id, customerId, tier.name, deps.clock.now());
    await retireKey(deps, oldKeyId);
    const now = deps.clock.now();
    await deps.store.save(customerId, lease, { keyId: key.id, generation, pendingKeyId: undefined, pendingGeneration: undefined }, true, now);
    deps.log('key rotated', { customerId, keyId: key.id, previousKeyId: oldKeyId });
    return {
      statusCode: 200,
      body: {
        ...customerView({ ...record, keyId: key.id, generation, updatedAt: new Date(now).toISOString() }),
        apiKey: key.value,
        previousKeyId: oldKeyId,
        // Usage plans count requests per key: the new key's quota starts from zero.
        quotaRestarted: true,
      },
    };
  });
}

/** Revokes a customer: every key of it leaves every plan, then is deleted or disabled; revoking twice is a no-op. */
export async function revokeCustomer(deps: MonetizedDependencies, customerId: string): Promise<OperationResult> {
  const lease = await deps.store.acquire(customerId, deps.clock.now());
  return underLease(deps, lease, async () => {
    const record = lease.record;
    if (record.status === 'REVOKED') {
      await deps.store.save(customerId, lease, {}, true, deps.clock.now());
      return { statusCode: 200, body: { ...customerView(record), alreadyRevoked: true } };
    }
    const keys = [...new Set([record.keyId, record.pendingKeyId].filter((k): k is string => !!k))];
    const detachedFrom: string[] = [];
    for (const keyId of keys) detachedFrom.push(...(await retireKey(deps, keyId)));
    const now = deps.clock.now();
    const revokedAt = new Date(now).toISOString();
    await deps.store.save(customerId, lease, { status: 'REVOKED', revokedAt, pendingKeyId: undefined, pendingGeneration: undefined }, true, now);
    deps.log('customer revoked', { customerId, keys: keys.length, mode: deps.config.retireMode });
    return {
      statusCode: 200,
      body: { ...customerView({ ...record, status: 'REVOKED', revokedAt, updatedAt: revokedAt }), detachedFrom, key: deps.config.retireMode === 'delete' ? 'deleted' : 'disabled' },
    };
  });
}

/** One customer. */
export async function getCustomer(deps: MonetizedDependencies, customerId: string): Promise<OperationResult> {
  const record = await deps.store.get(customerId);
  if (!record) throw new HttpError(404, 'CustomerNotFound', `no customer ${customerId}`);
  return { statusCode: 200, body: customerView(record) };
}

/** Page tokens: the table's resume key, base64url JSON, checked on the way back in. */
export function encodePageToken(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodePageToken(token: string, tier: string): Record<string, unknown> {
  const invalid = () => new HttpError(400, 'InvalidNextToken', 'nextToken is not one this operation returned');
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(token)) throw invalid();
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const k = key as Record<string, unknown>;
  const fields = k && typeof k === 'object' ? Object.keys(k).sort().join(',') : '';
  if (fields !== 'customerId,pk,tier' || k.tier !== tier || typeof k.pk !== 'string' || typeof k.customerId !== 'string' || k.pk !== `CUSTOMER#${k.customerId}`) {
    throw invalid();
  }
  return k;
}

/** One page of a tier's customers; `nextToken` is there when more follow. */
export async function listCustomers(deps: MonetizedDependencies, tierName: string, limit: number, nextToken?: string): Promise<OperationResult> {
  const tier = requireTier(deps.config, tierName);
  const page = await deps.store.listTier(tier.name, limit, nextToken ? decodePageToken(nextToken, tier.name) : undefined);
  return {
    statusCode: 200,
    body: { tier: tier.name, customers: page.items.map(customerView), ...(page.next ? { nextToken: encodePageToken(page.next) } : {}) },
  };
}
