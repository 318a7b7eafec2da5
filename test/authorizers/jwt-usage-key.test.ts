/**
 * The bundled JWT authorizer's claim-to-key lookup (API key source AUTHORIZER). AWS rule tested here: with
 * `ApiKeySourceType: AUTHORIZER`, API Gateway takes the request's API key from the authorizer's
 * `usageIdentifierKey`, which must be the key's VALUE, and the key must be in a usage plan of the stage
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html; sls#5051).
 */
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { decide } from '../../src/runtime/jwt/authorize';
import { JwtConfigError, parseConfig } from '../../src/runtime/jwt/config';
import { ROUTES_FILE_PATH, renderRouteConfig } from '../../src/runtime/jwt/routes';
import { UsageKeyLookupError, UsageKeySources, createUsageKeyLookup, customerIdOf } from '../../src/runtime/jwt/usage-key';
import { createVerifier } from '../../src/runtime/jwt/verify';
import { AUDIENCE, ISSUER, JwksServer, claims, loopbackFetch, requestEvent, rsaKey, sign, startJwksServer } from '../handlers/support/jwt';

const VALUE = 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6';
const ENV = { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_JWKS_URI: 'https://login.example.com/.well-known/jwks.json', JWT_ROUTES_FILE: ROUTES_FILE_PATH };

function sources(records: Record<string, { status: string; keyId?: string }>, values: Record<string, string> = { k1: VALUE }) {
  const calls: string[] = [];
  const s: UsageKeySources = {
    customer: async (id) => { calls.push(`customer ${id}`); return records[id]; },
    keyValue: async (id) => { calls.push(`key ${id}`); return values[id]; },
  };
  return { s, calls };
}

describe('the lookup', () => {
  test('an ACTIVE customer gets its current key\'s value; pending, revoked and unknown customers get none', async () => {
    const { s } = sources({ acme: { status: 'ACTIVE', keyId: 'k1' }, wip: { status: 'PENDING', keyId: 'k1' }, gone: { status: 'REVOKED', keyId: 'k1' } });
    const lookup = createUsageKeyLookup(s, { ttlMs: 1000, maxEntries: 10 });
    expect(await lookup('acme')).toBe(VALUE);
    for (const id of ['wip', 'gone', 'nobody']) expect(await lookup(id)).toBeUndefined();
  });

  test('values that are not API key values, and key ids that are not ids, are never returned', async () => {
    const { s } = sources({ a: { status: 'ACTIVE', keyId: 'k1' }, b: { status: 'ACTIVE', keyId: '../k1' } }, { k1: 'short' });
    const lookup = createUsageKeyLookup(s, { ttlMs: 1000, maxEntries: 10 });
    expect(await lookup('a')).toBeUndefined();
    expect(await lookup('b')).toBeUndefined();
  });

  test('answers are remembered for ttlMs, then read again (a revocation reaches callers)', async () => {
    let now = 0;
    const records: Record<string, { status: string; keyId?: string }> = { acme: { status: 'ACTIVE', keyId: 'k1' } };
    const { s, calls } = sources(records);
    const lookup = createUsageKeyLookup(s, { ttlMs: 60_000, maxEntries: 10, now: () => now });
    await lookup('acme');
    now = 59_999;
    expect(await lookup('acme')).toBe(VALUE);
    expect(calls).toEqual(['customer acme', 'key k1']);
    records.acme = { status: 'REVOKED', keyId: 'k1' };
    now = 60_001;
    expect(await lookup('acme')).toBeUndefined();
    expect(calls).toHaveLength(3);
  });

  test('at most maxEntries customers are remembered', async () => {
    const { s, calls } = sources({});
    const lookup = createUsageKeyLookup(s, { ttlMs: 60_000, maxEntries: 2, now: () => 0 });
    for (const id of ['a', 'b', 'c', 'a']) await lookup(id);
    expect(calls).toEqual(['customer a', 'customer b', 'customer c', 'customer a']);
  });

  test('a failed read throws UsageKeyLookupError with the error name only (never a value)', async () => {
    const boom = Object.assign(new Error('secret detail'), { name: 'ProvisionedThroughputExceededException' });
    const lookup = createUsageKeyLookup({ customer: async () => { throw boom; }, keyValue: async () => VALUE }, { ttlMs: 1, maxEntries: 1 });
    await expect(lookup('acme')).rejects.toEqual(new UsageKeyLookupError('ProvisionedThroughputExceededException'));
  });

  test('the claim must be a customer id of the monetized runtime', () => {
    expect(customerIdOf({ sub: 'user-123' }, 'sub')).toBe('user-123');
    expect(customerIdOf({ sub: 'a#b' }, 'sub')).toBeUndefined();
    expect(customerIdOf({ sub: 42 }, 'sub')).toBeUndefined();
    expect(customerIdOf({}, 'custom:customer')).toBeUndefined();
  });
});

describe('configuration', () => {
  const routes = () => renderRouteConfig([]);
  test('claim and table go together and are checked', () => {
    expect(parseConfig({ ...ENV, JWT_USAGE_KEY_CLAIM: 'sub', JWT_USAGE_KEY_TABLE: 'Customers-1A2B' }, routes).usageKey).toEqual({ claim: 'sub', tableName: 'Customers-1A2B' });
    expect(parseConfig(ENV, routes).usageKey).toBeUndefined();
    expect(() => parseConfig({ ...ENV, JWT_USAGE_KEY_CLAIM: 'sub' }, routes)).toThrow(new JwtConfigError('JWT_USAGE_KEY_CLAIM and _TABLE go together'));
    expect(() => parseConfig({ ...ENV, JWT_USAGE_KEY_CLAIM: 'a b', JWT_USAGE_KEY_TABLE: 'T12' }, routes)).toThrow('JWT_USAGE_KEY_CLAIM must be a claim name');
  });
});

describe('the decision carries usageIdentifierKey', () => {
  const key = rsaKey();
  let server: JwksServer;
  beforeAll(async () => { server = await startJwksServer([key.jwk]); });
  afterAll(async () => { await server.close(); });

  function setup(usageKey: boolean) {
    const config = parseConfig({ ...ENV, ...(usageKey ? { JWT_USAGE_KEY_CLAIM: 'sub', JWT_USAGE_KEY_TABLE: 'Customers' } : {}) },
      () => renderRouteConfig([{ method: 'GET', path: '/pets', scopes: [] }]));
    return { config, verifier: createVerifier(config, new SimpleJwksCache({ fetcher: { fetch: () => loopbackFetch(server.url, 500) } })) };
  }
  const event = (sub: string) => requestEvent(sign(claims({ sub }), key), 'GET', '/pets');

  test('an Allow with the customer\'s key value', async () => {
    const { config, verifier } = setup(true);
    const decision = await decide(event('acme'), config, verifier, async (id) => (id === 'acme' ? VALUE : undefined));
    expect(decision).toMatchObject({ policy: { usageIdentifierKey: VALUE, policyDocument: { Statement: [{ Effect: 'Allow' }] } } });
  });

  test('no active key: an explicit Deny without a key', async () => {
    const { config, verifier } = setup(true);
    const decision = await decide(event('nobody'), config, verifier, async () => undefined);
    expect(decision).toMatchObject({ denied: 'NoActiveKey', policy: { policyDocument: { Statement: [{ Effect: 'Deny' }] } } });
    expect('policy' in decision && decision.policy.usageIdentifierKey).toBeFalsy();
  });

  test('a failed lookup throws (API Gateway answers 500, nothing is allowed)', async () => {
    const { config, verifier } = setup(true);
    await expect(decide(event('acme'), config, verifier, async () => { throw new UsageKeyLookupError('ThrottlingException'); }))
      .rejects.toBeInstanceOf(UsageKeyLookupError);
  });

  test('without the lookup configured, the policy has no usageIdentifierKey', async () => {
    const { config, verifier } = setup(false);
    const decision = await decide(event('acme'), config, verifier, async () => VALUE);
    expect('policy' in decision && decision.policy.usageIdentifierKey).toBeUndefined();
  });
});
