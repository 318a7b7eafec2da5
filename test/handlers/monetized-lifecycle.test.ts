/**
 * MonetizedApi admin handler: rotate, revoke and move (T-c5), with the rules of API Gateway that decide their order,
 * on dynalite and a rule-enforcing API Gateway model behind aws-sdk-client-mock.
 */
import { BadRequestException, CreateUsagePlanKeyCommand } from '@aws-sdk/client-api-gateway';
import { adminEvent, Harness, harness } from './support/monetized-setup';
import { handleAdmin } from '../../src/runtime/monetized/admin';
import { LocalDynamo, startDynalite } from '../support/dynalite';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => dynamo.close());

const json = (r: { body: string }) => JSON.parse(r.body);
const meta = { $metadata: {} };
const onboard = async (h: Harness, customerId: string, tier = 'basic') =>
  json(await handleAdmin(h.deps, adminEvent('POST', '/customers', { body: { customerId, tier } })));
const rotate = (h: Harness, customerId: string) => handleAdmin(h.deps, adminEvent('POST', '/customers/{customerId}/rotate', { path: { customerId } }));
const revoke = (h: Harness, customerId: string) => handleAdmin(h.deps, adminEvent('DELETE', '/customers/{customerId}', { path: { customerId } }));
const move = (h: Harness, customerId: string, tier: string) =>
  handleAdmin(h.deps, adminEvent('PUT', '/customers/{customerId}/tier', { path: { customerId }, body: { tier } }));

describe('rotate a key', () => {
  test('GIVEN an active customer WHEN its key is rotated THEN the new key is created and attached BEFORE the old one is detached', async () => {
    const h = await harness(dynamo);
    const { keyId: oldKey } = await onboard(h, 'acme');
    h.fake.calls.length = 0;
    const res = await rotate(h, 'acme');
    expect(res.statusCode).toBe(200);
    const body = json(res);
    expect(body).toMatchObject({ previousKeyId: oldKey, generation: 2, quotaRestarted: true });
    expect(body.apiKey).toBe(h.fake.keys.get(body.keyId)!.value);
    const at = (op: string, keyId: string) => h.fake.calls.findIndex((c) => c.op === op && (c.input.keyId === keyId || c.input.apiKey === keyId || op === 'CreateApiKey'));
    const created = h.fake.calls.findIndex((c) => c.op === 'CreateApiKey');
    expect(created).toBeGreaterThanOrEqual(0);
    expect(at('CreateUsagePlanKey', body.keyId)).toBeGreaterThan(created);
    expect(at('DeleteUsagePlanKey', oldKey)).toBeGreaterThan(at('CreateUsagePlanKey', body.keyId));
    expect(at('DeleteApiKey', oldKey)).toBeGreaterThan(at('DeleteUsagePlanKey', oldKey));
    expect(h.fake.plans.get('planbasic')!.keys).toEqual([body.keyId]);
    expect(h.fake.keys.has(oldKey)).toBe(false);
    expect(h.fake.keys.get(body.keyId)!.name).toBe('shop-acme.2');
    expect(await h.deps.store.keyCount()).toBe(1);
  });

  test('GIVEN a rotation that failed after the new key was attached WHEN repeated THEN it finishes with that key (no third key)', async () => {
    const h = await harness(dynamo);
    const { keyId: oldKey } = await onboard(h, 'acme');
    h.fake.failNext('GetUsagePlans', new BadRequestException({ message: 'boom', ...meta }));
    expect((await rotate(h, 'acme')).statusCode).toBe(400);
    // Both keys work meanwhile: the customer is never without one.
    expect(h.fake.plans.get('planbasic')!.keys).toHaveLength(2);
    const retry = json(await rotate(h, 'acme'));
    expect(h.fake.keys.size).toBe(1);
    expect(retry.previousKeyId).toBe(oldKey);
    expect(h.fake.plans.get('planbasic')!.keys).toEqual([retry.keyId]);
    expect(h.fake.ops().filter((o) => o === 'CreateApiKey')).toHaveLength(2);
  });

  test('GIVEN a revoked customer WHEN rotated THEN 409 and no key is created', async () => {
    const h = await harness(dynamo);
    await onboard(h, 'acme');
    await revoke(h, 'acme');
    h.fake.calls.length = 0;
    const res = await rotate(h, 'acme');
    expect([res.statusCode, json(res).error]).toEqual([409, 'CustomerNotActive']);
    expect(h.fake.ops()).not.toContain('CreateApiKey');
  });

  test('GIVEN an unknown customer WHEN rotated THEN 404', async () => {
    const h = await harness(dynamo);
    expect(json(await rotate(h, 'nobody')).error).toBe('CustomerNotFound');
  });
});

describe('revoke a customer', () => {
  test('GIVEN a key in its tier plan and in two more plans WHEN revoked THEN it leaves every plan (paged GetUsagePlans), then is deleted', async () => {
    const h = await harness(dynamo);
    const { keyId } = await onboard(h, 'acme');
    h.fake.plan('extra1', [{ apiId: 'other00001', stage: 'prod' }]).keys.push(keyId);
    h.fake.plan('extra2', [{ apiId: 'other00002', stage: 'prod' }]).keys.push(keyId);
    h.fake.calls.length = 0;
    const res = await revoke(h, 'acme');
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ status: 'REVOKED', key: 'deleted' });
    expect(json(res).detachedFrom.sort()).toEqual(['extra1', 'extra2', 'planbasic']);
    const pages = h.fake.calls.filter((c) => c.op === 'GetUsagePlans');
    expect(pages.map((c) => [c.input.keyId, c.input.position])).toEqual([[keyId, undefined], [keyId, '2']]);
    const detaches = h.fake.calls.filter((c) => c.op === 'DeleteUsagePlanKey');
    expect(detaches).toHaveLength(3);
    expect(h.fake.ops().indexOf('DeleteApiKey')).toBeGreaterThan(h.fake.calls.lastIndexOf(detaches[2]));
    expect(h.fake.keys.has(keyId)).toBe(false);
    expect((await h.deps.store.get('acme'))?.status).toBe('REVOKED');
    expect(await h.deps.store.keyCount()).toBe(0);
  });

  test('GIVEN RETIRE_MODE=disable WHEN revoked THEN the key is detached and UpdateApiKey sets enabled=false', async () => {
    const h = await harness(dynamo, { RETIRE_MODE: 'disable' });
    const { keyId } = await onboard(h, 'acme');
    h.fake.calls.length = 0;
    expect(json(await revoke(h, 'acme')).key).toBe('disabled');
    expect(h.fake.ops()).toEqual(['GetUsagePlans', 'DeleteUsagePlanKey', 'UpdateApiKey']);
    expect(h.fake.calls[2].input.patchOperations).toEqual([{ op: 'replace', path: '/enabled', value: 'false' }]);
    expect(h.fake.keys.get(keyId)!.enabled).toBe(false);
    expect(h.fake.plansOf(keyId)).toEqual([]);
  });

  test('GIVEN a revoked customer WHEN revoked again THEN 200 alreadyRevoked and no API Gateway call', async () => {
    const h = await harness(dynamo);
    await onboard(h, 'acme');
    await revoke(h, 'acme');
    h.fake.calls.length = 0;
    expect(json(await revoke(h, 'acme')).alreadyRevoked).toBe(true);
    expect(h.fake.calls).toEqual([]);
  });

  test('GIVEN a revoked customer WHEN created again THEN it gets a new key of the next generation', async () => {
    const h = await harness(dynamo);
    await onboard(h, 'acme');
    await revoke(h, 'acme');
    const again = await onboard(h, 'acme', 'pro');
    expect(again).toMatchObject({ created: true, tier: 'pro', generation: 2, status: 'ACTIVE' });
    expect(h.fake.plansOf(again.keyId)).toEqual(['planpro']);
  });
});

describe('move a customer to another tier', () => {
  test('the AWS rule: a key can be in only one usage plan per API stage (attaching first would fail)', async () => {
    // "a given API key can only be associated with one usage plan for each stage of your API"
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
    const h = await harness(dynamo);
    const { keyId } = await onboard(h, 'acme');
    expect(() => h.fake.CreateUsagePlanKey({ usagePlanId: 'planpro', keyId })).toThrow(/same API stage/);
    // And the handlers' attach does not mistake that Conflict for "already in the plan".
    await expect(h.deps.gateway.attach('planpro', keyId)).rejects.toMatchObject({ name: 'ConflictException' });
    expect(await h.deps.gateway.attach('planbasic', keyId)).toBe('already');
  });

  test('GIVEN a customer in basic WHEN moved to pro (same stage) THEN detached from basic first, then attached to pro', async () => {
    const h = await harness(dynamo);
    const { keyId } = await onboard(h, 'acme');
    h.fake.calls.length = 0;
    const res = await move(h, 'acme', 'pro');
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ tier: 'pro', previousTier: 'basic', keyId });
    const ops = h.fake.calls.map((c) => `${c.op}:${c.input.usagePlanId ?? ''}`);
    expect(ops).toEqual(['GetUsagePlans:', 'DeleteUsagePlanKey:planbasic', 'CreateUsagePlanKey:planpro']);
    expect(h.fake.plansOf(keyId)).toEqual(['planpro']);
    expect((await h.deps.store.get('acme'))?.tier).toBe('pro');
    // Moving again to the same tier changes nothing.
    expect(json(await move(h, 'acme', 'pro')).previousTier).toBe('pro');
    expect(h.fake.plansOf(keyId)).toEqual(['planpro']);
  });

  test('GIVEN the attach to the new plan fails WHEN moving THEN the key goes back to its old plan and the tier is unchanged', async () => {
    const h = await harness(dynamo);
    const { keyId } = await onboard(h, 'acme');
    h.apigw.on(CreateUsagePlanKeyCommand, { usagePlanId: 'planpro' }).rejectsOnce(new BadRequestException({ message: 'no', ...meta }));
    const res = await move(h, 'acme', 'pro');
    expect(res.statusCode).toBe(400);
    expect(h.fake.plansOf(keyId)).toEqual(['planbasic']);
    expect((await h.deps.store.get('acme'))?.tier).toBe('basic');
  });

  test('GIVEN a key already in 10 other plans WHEN moved THEN 409 TooManyPlans before any attach or detach', async () => {
    // At most 10 usage plans per API key (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
    const h = await harness(dynamo);
    const { keyId } = await onboard(h, 'acme');
    h.fake.plans.get('planbasic')!.keys = [];
    for (let i = 0; i < 10; i++) h.fake.plan(`other${i}`, [{ apiId: `api${i}`.padEnd(10, '0'), stage: 'prod' }]).keys.push(keyId);
    h.fake.calls.length = 0;
    const res = await move(h, 'acme', 'pro');
    expect([res.statusCode, json(res).error]).toEqual([409, 'TooManyPlans']);
    expect(json(res).message).toContain('11 usage plans');
    expect(h.fake.ops().filter((o) => o !== 'GetUsagePlans')).toEqual([]);
  });

  test('the AWS rule: an 11th plan for one key is refused (LimitExceeded, answered 429)', async () => {
    const h = await harness(dynamo);
    const { keyId } = await onboard(h, 'acme');
    for (let i = 0; i < 9; i++) h.fake.plan(`other${i}`, [{ apiId: `api${i}`.padEnd(10, '0'), stage: 'prod' }]).keys.push(keyId);
    h.fake.plan('eleventh', [{ apiId: 'apizzzzzzz', stage: 'prod' }]);
    await expect(h.deps.gateway.attach('eleventh', keyId)).rejects.toMatchObject({ name: 'LimitExceededException' });
  });

  test('GIVEN an unknown target tier WHEN moving THEN 400 UnknownTier naming the tiers', async () => {
    const h = await harness(dynamo);
    await onboard(h, 'acme');
    const res = json(await move(h, 'acme', 'gold'));
    expect(res).toMatchObject({ error: 'UnknownTier' });
    expect(res.message).toContain('basic, pro, mp');
  });
});

test('GET a customer shows its state and never a key value or lease', async () => {
  const h = await harness(dynamo);
  const created = await onboard(h, 'acme');
  const res = json(await handleAdmin(h.deps, adminEvent('GET', '/customers/{customerId}', { path: { customerId: 'acme' } })));
  expect(res).toMatchObject({ customerId: 'acme', tier: 'basic', status: 'ACTIVE', keyId: created.keyId });
  expect(Object.keys(res)).not.toEqual(expect.arrayContaining(['apiKey']));
  expect(JSON.stringify(res)).not.toContain(created.apiKey);
  expect(res.leaseToken).toBeUndefined();
});
