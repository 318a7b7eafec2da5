/**
 * MonetizedApi admin handler: onboarding through the admin routes against the customer table on dynalite and API
 * Gateway mocked with aws-sdk-client-mock (driving a model that enforces API Gateway's documented rules).
 */
import { LimitExceededException, NotFoundException, ServiceUnavailableException, TooManyRequestsException, UnauthorizedException, BadRequestException, ConflictException } from '@aws-sdk/client-api-gateway';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { adminEvent, Harness, harness } from './support/monetized-setup';
import { handleAdmin } from '../../src/runtime/monetized/admin';
import { LEASE_MS } from '../../src/runtime/monetized/store';
import { LocalDynamo, startDynalite } from '../support/dynalite';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => dynamo.close());

const create = (h: Harness, customerId: string, tier = 'basic') =>
  handleAdmin(h.deps, adminEvent('POST', '/customers', { body: { customerId, tier } }));
const json = (r: { body: string }) => JSON.parse(r.body);
const meta = { $metadata: {} };

describe('create a customer', () => {
  test('GIVEN a new customer WHEN created THEN 201 returns the key value once, the key is in the tier plan, tagged and named', async () => {
    const h = await harness(dynamo);
    const res = await create(h, 'acme');
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = json(res);
    expect(body).toMatchObject({ customerId: 'acme', tier: 'basic', status: 'ACTIVE', created: true, generation: 1 });
    const key = h.fake.keys.get(body.keyId)!;
    expect(body.apiKey).toBe(key.value);
    expect(key).toMatchObject({ name: 'shop-acme.1', enabled: true, tags: { 'cdk-apigateway-patterns:customer': 'acme', 'cdk-apigateway-patterns:tier': 'basic' } });
    expect(h.fake.plansOf(body.keyId)).toEqual(['planbasic']);
    // The value reaches the caller, never the log.
    expect(JSON.stringify(h.logs)).not.toContain(key.value);
  });

  test('GIVEN the same request twice WHEN handled THEN one key and one plan key; the second answer has no key value', async () => {
    const h = await harness(dynamo);
    const first = json(await create(h, 'acme'));
    const second = await create(h, 'acme');
    expect(second.statusCode).toBe(200);
    expect(json(second)).toMatchObject({ keyId: first.keyId, created: false });
    expect(json(second).apiKey).toBeUndefined();
    expect(h.fake.keys.size).toBe(1);
    expect(h.fake.ops().filter((o) => o === 'CreateApiKey')).toHaveLength(1);
    expect(h.fake.plans.get('planbasic')!.keys).toEqual([first.keyId]);
  });

  test('GIVEN an attempt that failed after CreateApiKey WHEN repeated THEN the same key is attached and its value returned then', async () => {
    const h = await harness(dynamo);
    h.fake.failNext('CreateUsagePlanKey', new BadRequestException({ message: 'boom', ...meta }));
    expect((await create(h, 'acme')).statusCode).toBe(400);
    expect(h.fake.keys.size).toBe(1);
    const [orphan] = h.fake.keys.values();
    const retry = await create(h, 'acme');
    expect(retry.statusCode).toBe(201);
    expect(json(retry)).toMatchObject({ keyId: orphan.id, apiKey: orphan.value });
    expect(h.fake.ops().filter((o) => o === 'CreateApiKey')).toHaveLength(1);
    expect(h.fake.plansOf(orphan.id)).toEqual(['planbasic']);
  });

  test('GIVEN a crash before the new key id was saved WHEN repeated THEN the key is found by name across GetApiKeys pages (position)', async () => {
    const h = await harness(dynamo);
    // Keys whose names share the prefix fill the first pages (GetApiKeys' nameQuery matches by prefix).
    for (const n of ['shop-acme.10', 'shop-acme.11', 'shop-acme.12']) h.fake.CreateApiKey({ name: n, enabled: true });
    h.fake.failNext('CreateUsagePlanKey', new BadRequestException({ message: 'boom', ...meta }));
    await create(h, 'acme');
    const orphan = [...h.fake.keys.values()].find((k) => k.name === 'shop-acme.1')!;
    await dynamo.doc.send(new UpdateCommand({ TableName: h.config.tableName, Key: { pk: 'CUSTOMER#acme' }, UpdateExpression: 'REMOVE pendingKeyId, pendingGeneration' }));
    h.fake.calls.length = 0;
    const retry = json(await create(h, 'acme'));
    expect(retry.keyId).toBe(orphan.id);
    const pages = h.fake.calls.filter((c) => c.op === 'GetApiKeys');
    expect(pages.map((c) => c.input.position)).toEqual([undefined, '2']);
    expect(pages[0].input).toMatchObject({ nameQuery: 'shop-acme.1', limit: 500 });
    expect(h.fake.ops()).not.toContain('CreateApiKey');
  });

  test('GIVEN an operation running on the customer WHEN another request comes THEN 409 OperationInProgress, until the lease expires', async () => {
    const h = await harness(dynamo);
    await h.deps.store.acquire('acme', h.clock.now(), { tier: 'basic' });
    const res = await create(h, 'acme');
    expect([res.statusCode, json(res).error]).toEqual([409, 'OperationInProgress']);
    h.clock.t += LEASE_MS + 1;
    expect((await create(h, 'acme')).statusCode).toBe(201);
  });

  test('GIVEN a customer in basic WHEN created again in pro THEN 409 CustomerExists and nothing changes', async () => {
    const h = await harness(dynamo);
    await create(h, 'acme');
    const res = await create(h, 'acme', 'pro');
    expect([res.statusCode, json(res).error]).toEqual([409, 'CustomerExists']);
    expect(h.fake.plans.get('planpro')!.keys).toEqual([]);
  });
});

describe('limits and rates', () => {
  test('GIVEN the region holds 10,000 keys (the default KEY_LIMIT) WHEN a customer is created THEN it is refused before CreateApiKey', async () => {
    // 10,000 API keys per region, not raisable (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
    const h = await harness(dynamo);
    expect(h.config.keyLimit).toBe(10_000);
    await dynamo.doc.send(new UpdateCommand({ TableName: h.config.tableName, Key: { pk: 'META#keys' }, UpdateExpression: 'SET keyCount = :n', ExpressionAttributeValues: { ':n': 10_000 } }));
    const res = await create(h, 'acme');
    expect([res.statusCode, json(res).error]).toEqual([409, 'KeyLimitReached']);
    expect(json(res).message).toContain('10,000 API keys per region');
    expect(h.fake.ops()).not.toContain('CreateApiKey');
  });

  test('GIVEN KEY_LIMIT=2 WHEN a third customer comes THEN refused; once one is revoked (key deleted) THEN it fits', async () => {
    const h = await harness(dynamo, { KEY_LIMIT: '2' });
    await create(h, 'a1');
    await create(h, 'a2');
    expect(json(await create(h, 'a3')).error).toBe('KeyLimitReached');
    await handleAdmin(h.deps, adminEvent('DELETE', '/customers/{customerId}', { path: { customerId: 'a1' } }));
    expect((await create(h, 'a3')).statusCode).toBe(201);
    expect(await h.deps.store.keyCount()).toBe(2);
  });

  test('GIVEN 12 customers onboarded back to back WHEN timed on the fake clock THEN CreateApiKey runs at most 5 times in any second', async () => {
    // CreateApiKey: 5 requests per second per account (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
    const h = await harness(dynamo);
    for (let i = 0; i < 12; i++) expect((await create(h, `c${i}`)).statusCode).toBe(201);
    const times = h.fake.calls.filter((c) => c.op === 'CreateApiKey').map((c) => c.at);
    expect(times).toHaveLength(12);
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(5);
    // Any two control-plane calls are 100 ms apart at least (about 10 requests per second per account).
    const all = h.fake.calls.map((c) => c.at);
    for (let i = 1; i < all.length; i++) expect(all[i] - all[i - 1]).toBeGreaterThanOrEqual(100);
  });

  test('GIVEN CreateApiKey answers 429 twice WHEN creating THEN it is retried with backoff no shorter than retryAfterSeconds', async () => {
    const h = await harness(dynamo);
    const throttled = () => new TooManyRequestsException({ message: 'slow down', retryAfterSeconds: '3', ...meta });
    h.fake.failNext('CreateApiKey', throttled(), throttled());
    expect((await create(h, 'acme')).statusCode).toBe(201);
    expect(h.fake.ops().filter((o) => o === 'CreateApiKey')).toHaveLength(3);
    expect(h.clock.sleeps.filter((s) => s >= 3000)).toHaveLength(2);
    expect(await h.deps.store.keyCount()).toBe(1);
  });
});

describe('every API Gateway error has an HTTP answer', () => {
  const cases: Array<[string, () => unknown, number, string]> = [
    ['BadRequest', () => new BadRequestException({ message: 'bad', ...meta }), 400, 'BadRequest'],
    ['NotFound', () => new NotFoundException({ message: 'gone', ...meta }), 404, 'NotFound'],
    ['Conflict', () => new ConflictException({ message: 'API Key already exists', ...meta }), 409, 'Conflict'],
    ['LimitExceeded', () => new LimitExceededException({ message: 'limit', ...meta }), 429, 'LimitExceeded'],
    ['TooManyRequests after every retry', () => new TooManyRequestsException({ message: 'slow', retryAfterSeconds: '1', ...meta }), 429, 'TooManyRequests'],
    ['ServiceUnavailable after every retry', () => new ServiceUnavailableException({ message: 'down', ...meta }), 503, 'ServiceUnavailable'],
    ['Unauthorized (the function role)', () => new UnauthorizedException({ message: 'arn:aws:iam::123456789012:role/x', ...meta }), 500, 'InternalError'],
    ['AccessDenied (the function role)', () => Object.assign(new Error('denied'), { name: 'AccessDeniedException' }), 500, 'InternalError'],
  ];
  test.each(cases)('GIVEN CreateApiKey fails with %s WHEN creating THEN the answer is mapped and the reservation is returned', async (_n, error, status, code) => {
    const h = await harness(dynamo);
    // Throttling and server faults are retried (6 attempts in all); other errors are answered at once.
    const retried = status === 503 || code === 'TooManyRequests';
    h.fake.failNext('CreateApiKey', ...Array.from({ length: retried ? 6 : 1 }, error));
    const res = await create(h, 'acme');
    expect([res.statusCode, json(res).error]).toEqual([status, code]);
    expect(await h.deps.store.keyCount()).toBe(0);
    if (status === 500) {
      // The code is logged; the message (which may carry ARNs) is not echoed.
      expect(h.logs.some(([m, f]) => m === 'operation failed' && f.code === (error() as Error).name && f.deployment === true)).toBe(true);
      expect(res.body).not.toContain('arn:aws');
    }
    if (code === 'TooManyRequests') expect(res.headers['retry-after']).toBe('1');
    expect(h.fake.ops().filter((o) => o === 'CreateApiKey')).toHaveLength(retried ? 6 : 1);
    // The customer is not stuck: the lease was released.
    expect((await create(h, 'acme')).statusCode).toBe(201);
  });
});

describe('admin input validation', () => {
  const cases: Array<[string, ReturnType<typeof adminEvent>, number, string]> = [
    ['a customer id with #', adminEvent('POST', '/customers', { body: { customerId: 'a#b', tier: 'basic' } }), 400, 'InvalidCustomerId'],
    ['no customer id', adminEvent('POST', '/customers', { body: { tier: 'basic' } }), 400, 'InvalidCustomerId'],
    ['an unknown tier', adminEvent('POST', '/customers', { body: { customerId: 'a', tier: 'gold' } }), 400, 'UnknownTier'],
    ['a malformed tier', adminEvent('POST', '/customers', { body: { customerId: 'a', tier: 'no spaces' } }), 400, 'InvalidTier'],
    ['an extra field', adminEvent('POST', '/customers', { body: { customerId: 'a', tier: 'basic', value: 'x'.repeat(30) } }), 400, 'InvalidBody'],
    ['a number field', adminEvent('POST', '/customers', { body: { customerId: 1, tier: 'basic' } }), 400, 'InvalidBody'],
    ['a JSON array', adminEvent('POST', '/customers', { body: '[]' }), 400, 'InvalidBody'],
    ['not JSON', adminEvent('POST', '/customers', { body: '{' }), 400, 'InvalidJson'],
    ['a body over 4 KB', adminEvent('POST', '/customers', { body: { customerId: 'a', tier: 'x'.repeat(5000) } }), 413, 'BodyTooLarge'],
    ['an unknown route', adminEvent('PATCH', '/customers', {}), 404, 'UnknownRoute'],
    ['a limit of 0', adminEvent('GET', '/tiers/{tier}/customers', { path: { tier: 'basic' }, query: { limit: '0' } }), 400, 'InvalidLimit'],
    ['a forged nextToken', adminEvent('GET', '/tiers/{tier}/customers', { path: { tier: 'basic' }, query: { nextToken: Buffer.from('{"pk":"KEY#x"}').toString('base64url') } }), 400, 'InvalidNextToken'],
    ['a usage range over 366 days', adminEvent('GET', '/usage', { query: { from: '2025-01-01', to: '2026-01-02' } }), 400, 'InvalidRange'],
    ['an impossible date', adminEvent('GET', '/usage', { query: { from: '2026-02-30', to: '2026-03-01' } }), 400, 'InvalidDate'],
  ];
  test.each(cases)('GIVEN %s WHEN handled THEN %i %s', async (_n, event, status, code) => {
    const h = await harness(dynamo);
    const res = await handleAdmin(h.deps, event);
    expect([res.statusCode, json(res).error]).toEqual([status, code]);
    expect(h.fake.calls).toEqual([]);
  });

  test('GIVEN a request without an IAM caller WHEN handled THEN 403 (the admin routes require IAM)', async () => {
    const h = await harness(dynamo);
    const event = { ...adminEvent('POST', '/customers', { body: { customerId: 'a', tier: 'basic' } }), requestContext: { requestId: 'r', identity: { userArn: null } } };
    expect(json(await handleAdmin(h.deps, event)).error).toBe('IamRequired');
  });

  test('GIVEN a form body WHEN creating THEN 415', async () => {
    const h = await harness(dynamo);
    const event = { ...adminEvent('POST', '/customers', { body: 'customerId=a&tier=basic' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    expect((await handleAdmin(h.deps, event)).statusCode).toBe(415);
  });
});

describe('list the customers of a tier', () => {
  test('GIVEN 5 customers in basic and 1 in pro WHEN listed 2 at a time THEN 3 pages with nextToken give the 5, in id order', async () => {
    const h = await harness(dynamo);
    for (const id of ['e', 'b', 'd', 'a', 'c']) await create(h, id);
    await create(h, 'z', 'pro');
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = json(await handleAdmin(h.deps, adminEvent('GET', '/tiers/{tier}/customers', { path: { tier: 'basic' }, query: { limit: '2', ...(token ? { nextToken: token } : {}) } })));
      seen.push(...res.customers.map((c: { customerId: string }) => c.customerId));
      expect(res.customers.every((c: Record<string, unknown>) => c.tier === 'basic' && !('leaseToken' in c) && !('apiKey' in c))).toBe(true);
      token = res.nextToken;
      pages++;
    } while (token && pages < 10);
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  test('GIVEN a token of one tier WHEN used on another THEN 400', async () => {
    const h = await harness(dynamo);
    for (const id of ['a', 'b', 'c']) await create(h, id);
    const first = json(await handleAdmin(h.deps, adminEvent('GET', '/tiers/{tier}/customers', { path: { tier: 'basic' }, query: { limit: '1' } })));
    const res = await handleAdmin(h.deps, adminEvent('GET', '/tiers/{tier}/customers', { path: { tier: 'pro' }, query: { nextToken: first.nextToken } }));
    expect(json(res).error).toBe('InvalidNextToken');
  });
});
