/** MonetizedApi runtime: the environment contract (a round trip), pacing and backoff on a fake clock, error answers. */
import { FakeClock } from './support/monetized-fakes';
import {
  ADMIN_ROUTES, MONETIZED_DEFAULTS, MONETIZED_ENV, MonetizedConfig, MonetizedConfigError,
  parseMonetizedEnvironment, renderMonetizedEnvironment, tierForProduct,
} from '../../src/runtime/monetized/contract';
import { HttpError, toHttpError } from '../../src/runtime/monetized/errors';
import { CALL_SPACING_MS, DEFAULT_RETRY, isRetryable, paced, Pacer, retryDelay, UPDATE_USAGE_PLAN_RETRY } from '../../src/runtime/monetized/retry';

const full: MonetizedConfig = {
  tableName: 'shop-customers',
  tiers: [
    { name: 'basic', usagePlanId: 'abc123' },
    { name: 'pro', usagePlanId: 'def456', productCode: 'prodcode1' },
  ],
  keyNamePrefix: 'Shop/api-',
  keyLimit: 2500,
  retireMode: 'disable',
  adminBasePath: '/ops/admin',
  reportBucket: 'shop-usage-reports',
  reportPrefix: 'billing/',
  reportKmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  marketplaceTopicArns: ['arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-prodcode1'],
};

describe('environment contract', () => {
  test('GIVEN a full configuration WHEN rendered and parsed THEN the same configuration comes back', () => {
    expect(parseMonetizedEnvironment(renderMonetizedEnvironment(full))).toEqual(full);
  });

  test('GIVEN only the required values WHEN parsed THEN the documented defaults apply', () => {
    const minimal = { ...full, reportBucket: undefined, reportKmsKeyId: undefined, marketplaceTopicArns: [], tiers: [full.tiers[0]] };
    const env = renderMonetizedEnvironment(minimal);
    expect(env).not.toHaveProperty(MONETIZED_ENV.reportBucket);
    expect(env).not.toHaveProperty(MONETIZED_ENV.productCodes);
    const parsed = parseMonetizedEnvironment({ CUSTOMER_TABLE: 'tbl', TIERS: 'basic=abc123' });
    expect(parsed).toMatchObject({
      keyNamePrefix: MONETIZED_DEFAULTS.keyNamePrefix, keyLimit: 10_000, retireMode: 'delete', adminBasePath: '/admin', reportPrefix: 'usage/', marketplaceTopicArns: [],
    });
  });

  test('GIVEN unresolved CDK tokens WHEN rendered THEN they are placed as they are (the construct resolves them)', () => {
    const env = renderMonetizedEnvironment({ ...full, tableName: '${Token[TOKEN.1]}', tiers: [{ name: 'basic', usagePlanId: '${Token[TOKEN.2]}' }] });
    expect(env.CUSTOMER_TABLE).toBe('${Token[TOKEN.1]}');
    expect(env.TIERS).toBe('basic=${Token[TOKEN.2]}');
  });

  const bad: Array<[string, Record<string, string>, string]> = [
    ['no table', { TIERS: 'a=abc' }, 'CUSTOMER_TABLE must be a DynamoDB table name'],
    ['no tiers', { CUSTOMER_TABLE: 'tbl' }, 'TIERS is not set'],
    ['a malformed tier pair', { CUSTOMER_TABLE: 'tbl', TIERS: 'a=abc,b' }, 'TIERS must be "tier=usagePlanId" pairs'],
    ['a tier twice', { CUSTOMER_TABLE: 'tbl', TIERS: 'a=abc,a=def' }, 'names tier "a" twice'],
    ['one plan for two tiers', { CUSTOMER_TABLE: 'tbl', TIERS: 'a=abc,b=abc' }, 'gives usage plan abc to two tiers'],
    ['a product code of an unknown tier', { CUSTOMER_TABLE: 'tbl', TIERS: 'a=abc', TIER_PRODUCT_CODES: 'b=code' }, 'names unknown tier "b"'],
    ['one product code for two tiers', { CUSTOMER_TABLE: 'tbl', TIERS: 'a=abc,b=def', TIER_PRODUCT_CODES: 'a=code,b=code' }, 'one product code to two tiers'],
    ['a key limit over 10,000', { CUSTOMER_TABLE: 'tbl', TIERS: 'a=abc', KEY_LIMIT: '10001' }, 'KEY_LIMIT must be a whole number between 1 and 10000'],
    ['an unknown retire mode', { CUSTOMER_TABLE: 'tbl', TIERS: 'a=abc', RETIRE_MODE: 'keep' }, 'RETIRE_MODE must be "delete" or "disable"'],
    ['a base path without /', { CUSTOMER_TABLE: 'tbl', TIERS: 'a=abc', ADMIN_BASE_PATH: 'admin' }, 'ADMIN_BASE_PATH must be a resource path'],
    ['a bad bucket', { CUSTOMER_TABLE: 'tbl', TIERS: 'a=abc', REPORT_BUCKET: 'Bad_Bucket' }, 'REPORT_BUCKET must be an S3 bucket name'],
    ['a bad topic', { CUSTOMER_TABLE: 'tbl', TIERS: 'a=abc', MARKETPLACE_TOPIC_ARNS: 'arn:aws:sqs:x' }, 'MARKETPLACE_TOPIC_ARNS must be SNS topic ARNs'],
  ];
  test.each(bad)('GIVEN %s WHEN parsed THEN MonetizedConfigError names the variable', (_n, env, message) => {
    expect(() => parseMonetizedEnvironment(env)).toThrow(MonetizedConfigError);
    expect(() => parseMonetizedEnvironment(env)).toThrow(message);
  });

  test('the tier of a product code, and the admin routes are unique', () => {
    expect(tierForProduct(full, 'prodcode1')?.name).toBe('pro');
    expect(tierForProduct(full, 'other')).toBeUndefined();
    expect(new Set(ADMIN_ROUTES.map((r) => `${r.method} ${r.path}`)).size).toBe(ADMIN_ROUTES.length);
  });
});

describe('pacing and backoff (fake clock)', () => {
  test('GIVEN 11 CreateApiKey turns WHEN paced THEN they are 200 ms apart (5 per second)', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer(clock);
    const times: number[] = [];
    for (let i = 0; i < 11; i++) {
      await pacer.turn('CreateApiKey');
      times.push(clock.now());
    }
    expect(times[10] - times[0]).toBe(2000);
    expect(CALL_SPACING_MS.CreateApiKey).toBe(200);
  });

  test('GIVEN two UpdateUsagePlan turns WHEN paced THEN the second waits 20 s (1 per 20 s), other calls are not held by it', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer(clock);
    await pacer.turn('UpdateUsagePlan');
    const start = clock.now();
    await pacer.turn('GetUsagePlan');
    expect(clock.now() - start).toBe(100);
    await pacer.turn('UpdateUsagePlan');
    expect(clock.now() - start).toBe(20_000);
  });

  test('retry delays grow, are capped, jittered, and never shorter than the service hint', () => {
    expect(retryDelay(DEFAULT_RETRY, 1, () => 0)).toBe(125);
    expect(retryDelay(DEFAULT_RETRY, 1, () => 1)).toBe(250);
    expect(retryDelay(DEFAULT_RETRY, 3, () => 1)).toBe(1000);
    expect(retryDelay(DEFAULT_RETRY, 10, () => 1)).toBe(DEFAULT_RETRY.maxDelayMs);
    expect(retryDelay(DEFAULT_RETRY, 1, () => 0, 5)).toBe(5000);
    expect(retryDelay(UPDATE_USAGE_PLAN_RETRY, 1, () => 0)).toBeGreaterThanOrEqual(10_000);
  });

  test('GIVEN a call throttled 5 times WHEN paced THEN the 6th attempt succeeds; a 7th failure would be thrown', async () => {
    const clock = new FakeClock();
    const ctx = { clock, pacer: new Pacer(clock), random: () => 0.5 };
    let calls = 0;
    const throttled = Object.assign(new Error('slow'), { name: 'TooManyRequestsException' });
    expect(await paced(ctx, 'GetApiKeys', async () => {
      if (++calls < 6) throw throttled;
      return 'ok';
    })).toBe('ok');
    expect(clock.sleeps.length).toBe(5);
    calls = 0;
    await expect(paced(ctx, 'GetApiKeys', async () => {
      calls++;
      throw throttled;
    })).rejects.toBe(throttled);
    expect(calls).toBe(DEFAULT_RETRY.attempts);
  });

  test('only throttling, server faults and connection failures are retried', () => {
    for (const name of ['TooManyRequestsException', 'ThrottlingException', 'ServiceUnavailableException', 'InternalServiceErrorException', 'ECONNRESET', 'TimeoutError']) {
      expect(isRetryable({ name })).toBe(true);
    }
    expect(isRetryable({ name: 'X', $metadata: { httpStatusCode: 502 } })).toBe(true);
    for (const name of ['BadRequestException', 'ConflictException', 'NotFoundException', 'LimitExceededException', 'UnauthorizedException', 'InvalidTokenException']) {
      expect(isRetryable({ name, $metadata: { httpStatusCode: 400 } })).toBe(false);
    }
  });
});

describe('every AWS Marketplace error has an HTTP answer', () => {
  const cases: Array<[string, number, string]> = [
    ['InvalidTokenException', 400, 'InvalidRegistrationToken'],
    ['ExpiredTokenException', 400, 'ExpiredRegistrationToken'],
    ['ThrottlingException', 429, 'TooManyRequests'],
    ['InternalServiceErrorException', 503, 'ServiceUnavailable'],
    ['DisabledApiException', 500, 'InternalError'],
  ];
  test.each(cases)('%s becomes %i %s', (name, status, code) => {
    const logs: unknown[] = [];
    const error = toHttpError(Object.assign(new Error('secret detail'), { name }), (m, f) => logs.push([m, f]), 'register');
    expect(error).toBeInstanceOf(HttpError);
    expect([error.statusCode, error.code]).toEqual([status, code]);
    expect(error.message).not.toContain('secret detail');
    expect(JSON.stringify(logs)).toContain(name);
  });
});
