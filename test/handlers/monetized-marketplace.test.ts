/**
 * MonetizedApi AWS Marketplace flow (T-c11): registration with ResolveCustomer (mocked), subscription
 * notifications through SQS, on dynalite and the API Gateway model.
 */
import { ServiceUnavailableException } from '@aws-sdk/client-api-gateway';
import { MarketplaceMeteringClient, ResolveCustomerCommand } from '@aws-sdk/client-marketplace-metering';
import { mockClient } from 'aws-sdk-client-mock';
import { adminEvent, Harness, harness } from './support/monetized-setup';
import { handleAdmin } from '../../src/runtime/monetized/admin';
import { handleNotifications, MarketplaceDependencies, parseNotification, register } from '../../src/runtime/monetized/marketplace';
import { LocalDynamo, startDynalite } from '../support/dynalite';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => dynamo.close());

const json = (r: { body: string }) => JSON.parse(r.body);
const RESOLVED = { CustomerIdentifier: 'CUST0001', ProductCode: 'prod-mp-123', CustomerAWSAccountId: '111122223333', $metadata: {} };

function marketplace(h: Harness) {
  const metering = new MarketplaceMeteringClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(metering);
  const deps: MarketplaceDependencies = { ...h.deps, metering };
  return { deps, mock };
}

const registration = (token = 'tok/abc+==', options: { base64?: boolean; type?: string } = {}) => {
  const text = `${encodeURIComponent('x-amzn-marketplace-token')}=${encodeURIComponent(token)}`;
  return {
    httpMethod: 'POST',
    resource: '/marketplace/register',
    headers: { 'Content-Type': options.type ?? 'application/x-www-form-urlencoded' },
    body: options.base64 ? Buffer.from(text).toString('base64') : text,
    isBase64Encoded: !!options.base64,
  };
};

const mpError = (name: string) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: name === 'InternalServiceErrorException' ? 500 : 400 } });

describe('registration', () => {
  test('GIVEN a buyer token WHEN registered THEN ResolveCustomer, a key carrying the buyer id in the product\'s tier, the value once', async () => {
    const h = await harness(dynamo);
    const { deps, mock } = marketplace(h);
    mock.on(ResolveCustomerCommand).resolves(RESOLVED);
    const res = await register(deps, registration('tok/abc+==', { base64: true }));
    expect(res.statusCode).toBe(201);
    expect(mock.commandCalls(ResolveCustomerCommand)[0].args[0].input).toEqual({ RegistrationToken: 'tok/abc+==' });
    const body = json(res);
    expect(body).toMatchObject({ customerId: 'CUST0001', tier: 'mp', marketplace: { productCode: 'prod-mp-123', awsAccountId: '111122223333' } });
    const key = h.fake.keys.get(body.keyId)!;
    expect(body.apiKey).toBe(key.value);
    expect(key.customerId).toBe('CUST0001');
    const patch = h.fake.calls.find((c) => c.op === 'UpdateApiKey')!;
    expect(patch.input.patchOperations).toEqual([{ op: 'replace', path: '/customerId', value: 'CUST0001' }]);
    expect(h.fake.plansOf(key.id)).toEqual(['planmp']);
    expect(JSON.stringify(h.logs)).not.toContain('tok/abc');
  });

  test('GIVEN the same buyer registering twice WHEN handled THEN one key, one plan key; the second answer has no value', async () => {
    const h = await harness(dynamo);
    const { deps, mock } = marketplace(h);
    mock.on(ResolveCustomerCommand).resolves(RESOLVED);
    await register(deps, registration());
    const again = await register(deps, registration());
    expect(again.statusCode).toBe(200);
    expect(json(again).apiKey).toBeUndefined();
    expect(h.fake.keys.size).toBe(1);
    expect(h.fake.plans.get('planmp')!.keys).toHaveLength(1);
  });

  test('GIVEN a key that already carries the buyer id WHEN registered THEN it is reused (GetApiKeys by customerId), not created', async () => {
    const h = await harness(dynamo);
    const { deps, mock } = marketplace(h);
    mock.on(ResolveCustomerCommand).resolves(RESOLVED);
    const existing = h.fake.CreateApiKey({ name: 'portal-key', enabled: true, customerId: 'CUST0001' });
    h.fake.calls.length = 0;
    const body = json(await register(deps, registration()));
    expect(body).toMatchObject({ keyId: existing.id, apiKey: existing.value });
    expect(h.fake.ops()).not.toContain('CreateApiKey');
    expect(h.fake.calls.find((c) => c.op === 'GetApiKeys' && c.input.customerId === 'CUST0001')).toBeDefined();
    expect(h.fake.plansOf(existing.id)).toEqual(['planmp']);
  });

  const errors: Array<[string, number, number, string]> = [
    ['InvalidTokenException', 1, 400, 'InvalidRegistrationToken'],
    ['ExpiredTokenException', 1, 400, 'ExpiredRegistrationToken'],
    ['ThrottlingException', 6, 429, 'TooManyRequests'],
    ['InternalServiceErrorException', 6, 503, 'ServiceUnavailable'],
    ['DisabledApiException', 1, 500, 'InternalError'],
  ];
  test.each(errors)('GIVEN ResolveCustomer fails with %s WHEN registering THEN %i attempt(s), then the mapped answer, and no key', async (name, attempts, status, code) => {
    const h = await harness(dynamo);
    const { deps, mock } = marketplace(h);
    mock.on(ResolveCustomerCommand).rejects(mpError(name));
    const res = await register(deps, registration());
    expect([res.statusCode, json(res).error]).toEqual([status, code]);
    expect(mock.commandCalls(ResolveCustomerCommand)).toHaveLength(attempts);
    expect(h.fake.keys.size).toBe(0);
  });

  test('GIVEN ResolveCustomer throttled twice WHEN registering THEN retried and the buyer registered', async () => {
    const h = await harness(dynamo);
    const { deps, mock } = marketplace(h);
    mock.on(ResolveCustomerCommand).rejectsOnce(mpError('ThrottlingException')).rejectsOnce(mpError('ThrottlingException')).resolves(RESOLVED);
    expect((await register(deps, registration())).statusCode).toBe(201);
  });

  test('GIVEN a product code no tier sells, or no token WHEN registering THEN 400 and no key', async () => {
    const h = await harness(dynamo);
    const { deps, mock } = marketplace(h);
    mock.on(ResolveCustomerCommand).resolves({ ...RESOLVED, ProductCode: 'someone-else' });
    expect(json(await register(deps, registration())).error).toBe('UnknownProduct');
    expect(json(await register(deps, { ...registration(), body: 'other=1' })).error).toBe('MissingRegistrationToken');
    expect(json(await register(deps, registration('bad token with spaces'))).error).toBe('MissingRegistrationToken');
    expect(h.fake.keys.size).toBe(0);
  });
});

const sqsRecord = (messageId: string, action: string, at: string, extra: Record<string, string> = {}) => ({
  messageId,
  body: JSON.stringify({
    Type: 'Notification',
    TopicArn: 'arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-prodmp',
    Timestamp: at,
    Message: JSON.stringify({ 'action': action, 'customer-identifier': 'CUST0001', 'product-code': 'prod-mp-123', ...extra }),
  }),
});

describe('subscription notifications', () => {
  async function registered() {
    const h = await harness(dynamo);
    const { deps, mock } = marketplace(h);
    mock.on(ResolveCustomerCommand).resolves(RESOLVED);
    const { keyId } = json(await register(deps, registration()));
    return { h, keyId };
  }

  test('GIVEN unsubscribe-success twice THEN the key leaves the plan once; subscribe-success twice THEN one plan key again', async () => {
    const { h, keyId } = await registered();
    const out1 = await handleNotifications(h.deps, { Records: [sqsRecord('m1', 'unsubscribe-success', '2026-01-15T10:00:00Z'), sqsRecord('m2', 'unsubscribe-success', '2026-01-15T10:00:00Z')] });
    expect(out1.batchItemFailures).toEqual([]);
    expect(h.fake.plansOf(keyId)).toEqual([]);
    await handleNotifications(h.deps, { Records: [sqsRecord('m3', 'subscribe-success', '2026-01-16T10:00:00Z'), sqsRecord('m4', 'subscribe-success', '2026-01-16T10:00:00Z')] });
    expect(h.fake.plans.get('planmp')!.keys).toEqual([keyId]);
    expect((await h.deps.store.get('CUST0001'))?.marketplace).toMatchObject({ subscription: 'subscribe-success', subscriptionAt: '2026-01-16T10:00:00Z' });
  });

  test('GIVEN subscribe-fail THEN the key is detached; unsubscribe-pending changes nothing', async () => {
    const { h, keyId } = await registered();
    await handleNotifications(h.deps, { Records: [sqsRecord('m1', 'unsubscribe-pending', '2026-01-15T10:00:00Z')] });
    expect(h.fake.plansOf(keyId)).toEqual(['planmp']);
    await handleNotifications(h.deps, { Records: [sqsRecord('m2', 'subscribe-fail', '2026-01-15T11:00:00Z')] });
    expect(h.fake.plansOf(keyId)).toEqual([]);
  });

  test('GIVEN a subscribe-success older than the last unsubscribe-success THEN it is ignored (SNS Timestamp order)', async () => {
    const { h, keyId } = await registered();
    await handleNotifications(h.deps, { Records: [sqsRecord('m1', 'unsubscribe-success', '2026-01-15T12:00:00Z')] });
    await handleNotifications(h.deps, { Records: [sqsRecord('m2', 'subscribe-success', '2026-01-15T11:00:00Z')] });
    expect(h.fake.plansOf(keyId)).toEqual([]);
  });

  test('GIVEN a transient API Gateway failure THEN only that message is reported for a retry; malformed ones are dropped', async () => {
    const { h, keyId } = await registered();
    await handleNotifications(h.deps, { Records: [sqsRecord('m0', 'unsubscribe-success', '2026-01-15T09:00:00Z')] });
    h.fake.failNext('CreateUsagePlanKey', ...Array.from({ length: 6 }, () => new ServiceUnavailableException({ message: 'down', $metadata: {} })));
    const out = await handleNotifications(h.deps, { Records: [{ messageId: 'bad', body: '{"not":"a notification"}' }, sqsRecord('m1', 'subscribe-success', '2026-01-15T10:00:00Z')] });
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    // The retry of m1 succeeds.
    const retry = await handleNotifications(h.deps, { Records: [sqsRecord('m1', 'subscribe-success', '2026-01-15T10:00:00Z')] });
    expect(retry.batchItemFailures).toEqual([]);
    expect(h.fake.plansOf(keyId)).toEqual(['planmp']);
  });

  test('GIVEN notifications for an unknown product, an unregistered buyer or an unexpected topic THEN nothing changes', async () => {
    const { h } = await registered();
    const strict = await harness(dynamo, { MARKETPLACE_TOPIC_ARNS: 'arn:aws:sns:us-east-1:287250355862:expected' });
    h.fake.calls.length = 0;
    await handleNotifications(h.deps, { Records: [sqsRecord('m1', 'unsubscribe-success', '2026-01-15T10:00:00Z', { 'product-code': 'other' })] });
    await handleNotifications(h.deps, { Records: [sqsRecord('m2', 'unsubscribe-success', '2026-01-15T10:00:00Z', { 'customer-identifier': 'NOBODY' })] });
    await handleNotifications(strict.deps, { Records: [sqsRecord('m3', 'unsubscribe-success', '2026-01-15T10:00:00Z')] });
    expect(h.fake.calls).toEqual([]);
    expect(strict.fake.calls).toEqual([]);
    expect(strict.logs.some(([m]) => m === 'notification from an unexpected topic ignored')).toBe(true);
  });

  test('notifications parse from an SNS envelope, a raw SQS body and a direct SNS event', () => {
    const message = { 'action': 'subscribe-success', 'customer-identifier': 'C1', 'product-code': 'p' };
    expect(parseNotification({ body: JSON.stringify(message) })).toEqual({ action: 'subscribe-success', customerId: 'C1', productCode: 'p' });
    expect(parseNotification({ Sns: { Message: JSON.stringify(message), Timestamp: '2026-01-01T00:00:00Z', TopicArn: 'arn:t' } }))
      .toEqual({ action: 'subscribe-success', customerId: 'C1', productCode: 'p', at: '2026-01-01T00:00:00Z', topicArn: 'arn:t' });
    expect(parseNotification({ body: JSON.stringify({ ...message, action: 'entitlement-updated' }) })).toBeUndefined();
    expect(parseNotification({ body: '{' })).toBeUndefined();
  });
});

describe('lifecycle of a Marketplace buyer', () => {
  test('GIVEN a registered buyer WHEN its key is rotated THEN the new key carries its customerId (metering) and the old one is retired', async () => {
    const h = await harness(dynamo);
    const { deps, mock } = marketplace(h);
    mock.on(ResolveCustomerCommand).resolves(RESOLVED);
    const first = json(await register(deps, registration()));
    const rotated = json(await handleAdmin(h.deps, adminEvent('POST', '/customers/{customerId}/rotate', { path: { customerId: 'CUST0001' } })));
    expect(rotated.keyId).not.toBe(first.keyId);
    expect(h.fake.keys.get(rotated.keyId)!.customerId).toBe('CUST0001');
    expect(h.fake.keys.has(first.keyId)).toBe(false);
    expect(h.fake.plans.get('planmp')!.keys).toEqual([rotated.keyId]);
  });

  test('GIVEN a registered buyer WHEN moved to a tier of another product THEN 409 MarketplaceCustomer, nothing detached', async () => {
    const h = await harness(dynamo);
    const { deps, mock } = marketplace(h);
    mock.on(ResolveCustomerCommand).resolves(RESOLVED);
    const { keyId } = json(await register(deps, registration()));
    const res = await handleAdmin(h.deps, adminEvent('PUT', '/customers/{customerId}/tier', { path: { customerId: 'CUST0001' }, body: { tier: 'pro' } }));
    expect([res.statusCode, json(res).error]).toEqual([409, 'MarketplaceCustomer']);
    expect(h.fake.plansOf(keyId)).toEqual(['planmp']);
  });
});
