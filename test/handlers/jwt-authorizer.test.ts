import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { AUDIENCE, ISSUER, JwksServer, KID, b64url, claims, hmac, loopbackFetch, rsaKey, sign, startJwksServer } from './support/jwt';
import { decide } from '../../src/runtime/jwt/authorize';
import { JwtConfigError, parseConfig } from '../../src/runtime/jwt/config';
import { allowedResources, routeResource } from '../../src/runtime/jwt/policy';
import { extractToken } from '../../src/runtime/jwt/token';
import { createVerifier } from '../../src/runtime/jwt/verify';

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/orders';
const BASE = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/';
const ROUTES = { 'GET /orders': ['orders:read'], 'GET /orders/{id}': ['orders:read'], 'POST /orders': ['orders:write'], 'GET /health': [] };

const key = rsaKey();
const otherKey = rsaKey('other-key');
let server: JwksServer;

beforeAll(async () => {
  server = await startJwksServer([key.jwk]);
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.mode = 'serve';
});

function env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWT_JWKS_URI: 'https://login.example.com/.well-known/jwks.json',
    JWT_ROUTE_SCOPES: JSON.stringify(ROUTES),
    ...overrides,
  };
}

/** A config + verifier whose JWKS comes from the local server (fresh cache per call). */
function setup(overrides: Record<string, string> = {}) {
  const config = parseConfig(env(overrides));
  const jwksCache = new SimpleJwksCache({ fetcher: { fetch: () => loopbackFetch(server.url, 500) } });
  return { config, verifier: createVerifier(config, jwksCache) };
}

function tokenEvent(token: string | undefined, methodArn: string = METHOD_ARN) {
  return { type: 'TOKEN', methodArn, authorizationToken: token };
}

describe('configuration', () => {
  test.each([
    [{ JWT_ISSUER: 'http://login.example.com/' }, 'JWT_ISSUER must be an https URL'],
    [{ JWT_AUDIENCE: ' , ' }, 'JWT_AUDIENCE must name at least one audience'],
    [{ JWT_JWKS_URI: 'http://x.example.com/jwks' }, 'JWT_JWKS_URI must be an https URL'],
    [{ JWT_ROUTE_SCOPES: '{bad' }, 'JWT_ROUTE_SCOPES must be JSON'],
    [{ JWT_ROUTE_SCOPES: '{"FETCH /x": []}' }, 'JWT_ROUTE_SCOPES keys must be "METHOD /path"'],
    [{ JWT_ROUTE_SCOPES: '{"GET /x": "a"}' }, 'JWT_ROUTE_SCOPES values must be arrays of scope strings'],
    [{ JWT_TOKEN_HEADER: 'Bad Header' }, 'JWT_TOKEN_HEADER must be a header name'],
  ])('GIVEN %j WHEN parsed THEN it fails closed', (overrides, message) => {
    expect(() => parseConfig(env(overrides))).toThrow(JwtConfigError);
    expect(() => parseConfig(env(overrides))).toThrow(message);
  });

  test('defaults: JWKS under the issuer, Authorization header', () => {
    const config = parseConfig({ JWT_ISSUER: 'https://id.example.com', JWT_AUDIENCE: 'a,b' });
    expect(config).toMatchObject({ jwksUri: 'https://id.example.com/.well-known/jwks.json', audience: ['a', 'b'], tokenHeader: 'Authorization', routeScopes: undefined });
  });
});

describe('token extraction', () => {
  const config = parseConfig(env({ JWT_TOKEN_HEADER: 'X-Token', JWT_TOKEN_QUERY: 'token' }));
  test.each([
    [{ type: 'TOKEN', authorizationToken: 'Bearer abc.def.ghi' }, 'abc.def.ghi'],
    [{ type: 'TOKEN', authorizationToken: 'bearer   abc.def.ghi' }, 'abc.def.ghi'],
    [{ type: 'TOKEN', authorizationToken: 'abc.def.ghi' }, 'abc.def.ghi'],
    [{ type: 'TOKEN', authorizationToken: 'Bearer ' }, undefined],
    [{ type: 'TOKEN', authorizationToken: 'Basic a b' }, undefined],
    [{ type: 'REQUEST', headers: { 'x-token': 'Bearer t.o.k' } }, 't.o.k'],
    [{ type: 'REQUEST', headers: {}, queryStringParameters: { token: 'q.u.e' } }, 'q.u.e'],
    [{ type: 'REQUEST', headers: null, queryStringParameters: null }, undefined],
  ])('%j -> %s', (event, expected) => {
    expect(extractToken(event, config)).toBe(expected);
  });
});

describe('policy scoping', () => {
  test('route keys become resource patterns', () => {
    expect(routeResource('GET /orders/{id}')).toBe('GET/orders/*');
    expect(routeResource('ANY /files/{path+}')).toBe('*/files/*');
    expect(routeResource('GET /')).toBe('GET/');
  });

  test('a cached Allow never grants a route whose scopes the token lacks (every scope combination)', () => {
    const all = ['orders:read', 'orders:write'];
    for (let mask = 0; mask < 4; mask++) {
      const scopes = new Set(all.filter((_, i) => Math.floor(mask / 2 ** i) % 2 === 1));
      const resources = allowedResources(METHOD_ARN, scopes, ROUTES);
      for (const [route, needed] of Object.entries(ROUTES)) {
        const granted = resources.includes(BASE + routeResource(route));
        expect(granted).toBe(needed.every((s) => scopes.has(s)));
      }
    }
  });

  test('without a route map only the called method is allowed', () => {
    expect(allowedResources(METHOD_ARN, new Set(), undefined)).toEqual([METHOD_ARN]);
  });
});

describe('valid tokens', () => {
  test('GIVEN a read token WHEN authorizing THEN Allow lists exactly the read routes, with safe context', async () => {
    const { config, verifier } = setup();
    const decision = await decide(tokenEvent(`Bearer ${sign(claims({ email: 'a@example.com' }), key)}`), config, verifier);
    expect(decision).toEqual({
      policy: {
        principalId: 'user-123',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${BASE}GET/orders`, `${BASE}GET/orders/*`, `${BASE}GET/health`] }],
        },
        context: { sub: 'user-123', scope: 'orders:read', email: 'a@example.com' },
      },
    });
  });

  test('scp array scopes count too; WebSocket $connect allows the $connect ARN', async () => {
    const { config, verifier } = setup();
    const wsArn = 'arn:aws:execute-api:eu-west-1:123456789012:ws123/prod/$connect';
    const token = sign(claims({ scope: undefined, scp: ['orders:write'] }), key);
    const decision = await decide(
      { type: 'REQUEST', methodArn: wsArn, headers: { Authorization: token }, requestContext: { routeKey: '$connect' } },
      config,
      verifier,
    );
    expect(decision).toMatchObject({ policy: { policyDocument: { Statement: [{ Effect: 'Allow', Resource: [wsArn] }] } } });
  });

  test('the JWKS is fetched once and cached across invocations', async () => {
    const { config, verifier } = setup();
    const before = server.requests;
    for (let i = 0; i < 5; i++) await decide(tokenEvent(sign(claims(), key)), config, verifier);
    expect(server.requests - before).toBe(1);
  });
});

/** The negative corpus: every entry must be rejected (never Allow, never another error). */
function corpus(): Array<[string, () => string | undefined, Record<string, string>?, (s: JwksServer) => void]> {
  const now = Math.floor(Date.now() / 1000);
  const good = sign(claims(), key);
  const [h, p, s] = good.split('.');
  const pem = key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const none = (alg: string) => `${b64url({ alg, typ: 'JWT', kid: KID })}.${b64url(claims())}.`;
  const noop = () => undefined;
  return [
    ['alg none', () => none('none'), undefined, noop],
    ['alg None', () => none('None'), undefined, noop],
    ['alg NONE', () => none('NONE'), undefined, noop],
    ['alg nOnE', () => none('nOnE'), undefined, noop],
    ['alg none with a signature', () => `${b64url({ alg: 'none', kid: KID })}.${p}.${s}`, undefined, noop],
    ['HS256 keyed with the RSA public key', () => hmac(claims(), Buffer.from(pem), { alg: 'HS256', typ: 'JWT', kid: KID }), undefined, noop],
    ['unknown kid', () => sign(claims(), otherKey, { alg: 'RS256', kid: 'other-key' }), undefined, noop],
    ['missing kid', () => sign(claims(), key, { alg: 'RS256', typ: 'JWT' }), undefined, noop],
    ['signed by another key under our kid', () => sign(claims(), otherKey), undefined, noop],
    ['stripped signature', () => `${h}.${p}.`, undefined, noop],
    ['tampered payload', () => `${h}.${b64url(claims({ sub: 'admin', scope: 'orders:read orders:write' }))}.${s}`, undefined, noop],
    ['tampered header', () => `${b64url({ alg: 'RS512', typ: 'JWT', kid: KID })}.${p}.${s}`, undefined, noop],
    ['expired', () => sign(claims({ exp: now - 60 }), key), undefined, noop],
    ['missing exp', () => sign(claims({ exp: undefined }), key), undefined, noop],
    ['nbf in the future', () => sign(claims({ nbf: now + 3600 }), key), undefined, noop],
    ['wrong issuer', () => sign(claims({ iss: 'https://evil.example.com/' }), key), undefined, noop],
    ['wrong audience', () => sign(claims({ aud: 'other-api' }), key), undefined, noop],
    ['missing required scope', () => sign(claims(), key), { JWT_REQUIRED_SCOPES: 'orders:admin' }, noop],
    ['no scope for any route', () => sign(claims({ scope: 'profile' }), key), { JWT_ROUTE_SCOPES: JSON.stringify({ 'GET /orders': ['orders:read'] }) }, noop],
    ['missing sub', () => sign(claims({ sub: undefined }), key), undefined, noop],
    ['two segments', () => `${h}.${p}`, undefined, noop],
    ['four segments', () => `${good}.extra`, undefined, noop],
    ['non-base64 segment', () => `${h}.!!!.${s}`, undefined, noop],
    ['non-JSON payload', () => `${h}.${b64url('not json')}.${s}`, undefined, noop],
    ['empty token', () => '', undefined, noop],
    ['Bearer only', () => 'Bearer ', undefined, noop],
    ['no token at all', () => undefined, undefined, noop],
    ['oversized token', () => sign(claims({ pad: 'x'.repeat(9000) }), key), undefined, noop],
    ['__proto__ claim', () => sign(JSON.parse(`{"__proto__":{"admin":true},"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"x","exp":${now + 600}}`), key), undefined, noop],
    ['constructor claim', () => sign(claims({ constructor: { prototype: { admin: true } } }), key), undefined, noop],
    ['JWKS server 500', () => sign(claims(), key), undefined, (srv) => { srv.mode = 'error500'; }],
    ['JWKS invalid JSON', () => sign(claims(), key), undefined, (srv) => { srv.mode = 'invalidJson'; }],
    ['JWKS with no keys', () => sign(claims(), key), undefined, (srv) => { srv.mode = 'emptyKeys'; }],
    ['JWKS fetch timeout', () => sign(claims(), key), undefined, (srv) => { srv.mode = 'hang'; }],
  ];
}

describe('negative corpus: every attack token is refused', () => {
  const cases = corpus();
  test(`the corpus has at least 25 attacks (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  test.each(cases)('%s', async (_name, makeToken, overrides, arrange) => {
    // GIVEN
    const { config, verifier } = setup(overrides);
    arrange(server);
    // WHEN
    const decision = await decide(tokenEvent(makeToken()), config, verifier);
    // THEN
    expect(decision).toEqual({ rejected: expect.stringMatching(/^[A-Za-z]+$/) });
    expect(decision).not.toHaveProperty('policy');
  });

  test('an event without a valid method ARN is refused', async () => {
    const { config, verifier } = setup();
    for (const event of [null, {}, { type: 'TOKEN', methodArn: 'arn:aws:s3:::bucket', authorizationToken: sign(claims(), key) }]) {
      expect(await decide(event as never, config, verifier)).toEqual({ rejected: 'InvalidEvent' });
    }
  });
});
