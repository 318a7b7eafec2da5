import {
  CognitoJwtInvalidClientIdError, CognitoJwtInvalidTokenUseError, FetchError, JwtExpiredError, JwtInvalidAudienceError, JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError, JwtInvalidSignatureError, JwtNotBeforeError, JwtParseError, KidNotFoundInJwksError,
} from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { AUDIENCE, ISSUER, JwksServer, KID, b64url, claims, hmac, loopbackFetch, methodArn, requestEvent, rsaKey, sign, signRaw, startJwksServer } from './support/jwt';
import { decide } from '../../src/runtime/jwt/authorize';
import { JwtConfigError, parseConfig } from '../../src/runtime/jwt/config';
import { routeResource } from '../../src/runtime/jwt/policy';
import { TokenRejected, rejectionReason } from '../../src/runtime/jwt/reasons';
import { ROUTES_FILE_PATH, matchRoute, parseRouteConfig, renderRouteConfig } from '../../src/runtime/jwt/routes';
import { extractToken } from '../../src/runtime/jwt/token';
import { IAT_SKEW_SECONDS, checkIssuedAt, createVerifier } from '../../src/runtime/jwt/verify';
import { evaluate } from '../support/iam-policy';

const BASE = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/';
const ROUTES = [
  { method: 'GET', path: '/orders', scopes: ['orders:read'] },
  { method: 'GET', path: '/orders/{id}', scopes: ['orders:read'] },
  { method: 'POST', path: '/orders', scopes: ['orders:write'] },
  { method: 'GET', path: '/health', scopes: [] },
];

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
afterEach(() => {
  jest.restoreAllMocks();
});

function env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWT_JWKS_URI: 'https://login.example.com/.well-known/jwks.json',
    JWT_ROUTES_FILE: ROUTES_FILE_PATH,
    ...overrides,
  };
}

/** A config + verifier whose JWKS comes from the local server (fresh cache per call), routes from `routes`. */
function setup(overrides: Record<string, string> = {}, routes = ROUTES) {
  const config = parseConfig(env(overrides), (file) => {
    if (file !== ROUTES_FILE_PATH) throw new Error(`unexpected file ${file}`);
    return renderRouteConfig(routes);
  });
  const jwksCache = new SimpleJwksCache({ fetcher: { fetch: () => loopbackFetch(server.url, 500) } });
  return { config, verifier: createVerifier(config, jwksCache) };
}

const getOrders = (token: string | undefined) => requestEvent(token, 'GET', '/orders');

describe('configuration', () => {
  test.each([
    [{ JWT_ISSUER: 'http://login.example.com/' }, 'JWT_ISSUER must be an https URL'],
    [{ JWT_AUDIENCE: ' , ' }, 'JWT_AUDIENCE must name at least one audience'],
    [{ JWT_JWKS_URI: 'http://x.example.com/jwks' }, 'JWT_JWKS_URI must be an https URL'],
    [{ JWT_TOKEN_HEADER: 'Bad Header' }, 'JWT_TOKEN_HEADER must be a header name'],
    [{ JWT_TOKEN_USE: 'logout' }, 'JWT_TOKEN_USE must list access and/or id'],
    [{ JWT_REQUIRE_TOKEN_USE: 'yes' }, 'JWT_REQUIRE_TOKEN_USE must be true or false'],
    [{ JWT_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc' }, 'JWT_JWKS_URI must not be set for a Cognito user pool issuer'],
  ])('GIVEN %j WHEN parsed THEN it fails closed', (overrides, message) => {
    expect(() => parseConfig(env(overrides), () => renderRouteConfig(ROUTES))).toThrow(JwtConfigError);
    expect(() => parseConfig(env(overrides), () => renderRouteConfig(ROUTES))).toThrow(message);
  });

  test.each([
    ['{bad', 'the route map must be JSON'],
    ['{"version":2,"scopeSets":[],"routes":{}}', 'version 1 object'],
    ['{"version":1,"scopeSets":[["a b"]],"routes":{}}', 'scopeSets entries must be lists of scope strings'],
    ['{"version":1,"scopeSets":[[]],"routes":{"FETCH /x":0}}', 'route keys must be "METHOD /path"'],
    ['{"version":1,"scopeSets":[[]],"routes":{"GET /x":1}}', 'route values must index scopeSets'],
  ])('GIVEN the route file %s WHEN parsed THEN it fails closed with %s', (text, message) => {
    expect(() => parseConfig(env(), () => text)).toThrow(message);
  });

  test('an unreadable route file fails closed', () => {
    expect(() => parseConfig(env(), () => { throw new Error('ENOENT'); })).toThrow('JWT_ROUTES_FILE cannot be read');
  });

  test('defaults: JWKS under the issuer, Authorization header, access tokens, no route map', () => {
    const config = parseConfig({ JWT_ISSUER: 'https://id.example.com', JWT_AUDIENCE: 'a,b' });
    expect(config).toMatchObject({ jwksUri: 'https://id.example.com/.well-known/jwks.json', audience: ['a', 'b'], tokenHeader: 'Authorization', routeScopes: undefined, requireTokenUseMark: false });
    expect([...config.tokenUse]).toEqual(['access']);
    expect(config.cognitoUserPoolId).toBeUndefined();
  });

  test('a Cognito user pool issuer is recognised (both of its issuer forms)', () => {
    for (const issuer of ['https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123', 'https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123']) {
      expect(parseConfig({ JWT_ISSUER: issuer, JWT_AUDIENCE: 'client' }).cognitoUserPoolId).toBe('eu-west-1_AbC123');
    }
    expect(parseConfig({ JWT_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC123', JWT_AUDIENCE: 'c' }).cognitoUserPoolId).toBeUndefined();
  });
});

describe('route map file', () => {
  test('scope sets are written once and read back exactly, in any scope order', () => {
    const entries = [
      { method: 'GET', path: '/a', scopes: ['x', 'y'] },
      { method: 'PUT', path: '/a', scopes: ['y', 'x', 'x'] },
      { method: 'ANY', path: '/b/{p+}', scopes: [] },
    ];
    const text = renderRouteConfig(entries);
    expect(JSON.parse(text).scopeSets).toEqual([['x', 'y'], []]);
    const parsed = parseRouteConfig(text);
    expect([...parsed.entries()]).toEqual([['GET /a', ['x', 'y']], ['PUT /a', ['x', 'y']], ['ANY /b/{p+}', []]]);
  });

  test('an exact-method route wins over ANY on the same resource; ANY serves the other methods', () => {
    const routes = parseRouteConfig(renderRouteConfig([{ method: 'GET', path: '/f', scopes: ['r'] }, { method: 'ANY', path: '/f', scopes: ['w'] }]));
    expect(matchRoute(routes, 'GET', '/f')).toEqual({ key: 'GET /f', method: 'GET', path: '/f', scopes: ['r'] });
    expect(matchRoute(routes, 'DELETE', '/f')).toEqual({ key: 'ANY /f', method: 'ANY', path: '/f', scopes: ['w'] });
    expect(matchRoute(routes, 'GET', '/g')).toBeUndefined();
  });
});

describe('token extraction', () => {
  const config = parseConfig(env({ JWT_TOKEN_HEADER: 'X-Token', JWT_TOKEN_QUERY: 'token' }), () => renderRouteConfig(ROUTES));
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

describe('valid tokens', () => {
  test('GIVEN a read token WHEN authorizing GET /orders/{id} THEN Allow is exactly that route\'s pattern, with safe context', async () => {
    const { config, verifier } = setup();
    const token = sign(claims({ email: 'a@example.com', email_verified: true }), key);
    const decision = await decide(requestEvent(`Bearer ${token}`, 'GET', '/orders/{id}', '/orders/7'), config, verifier);
    expect(decision).toEqual({
      policy: {
        principalId: 'user-123',
        policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${BASE}GET/orders/*`] }] },
        context: { sub: 'user-123', scope: 'orders:read', email: 'a@example.com' },
      },
    });
  });

  test('GIVEN a read token WHEN authorizing POST /orders THEN an explicit Deny of that route (403), no context', async () => {
    const { config, verifier } = setup();
    const decision = await decide(requestEvent(sign(claims(), key), 'POST', '/orders'), config, verifier);
    expect(decision).toEqual({
      denied: 'MissingRouteScope',
      policy: { principalId: 'user-123', policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [`${BASE}POST/orders`] }] } },
    });
    expect(evaluate((decision as any).policy.policyDocument, 'execute-api:Invoke', methodArn('POST', '/orders'))).toBe('Deny');
  });

  test('a route the map does not know is denied; a TOKEN event (cache key = token alone) is refused', async () => {
    const { config, verifier } = setup();
    const token = sign(claims(), key);
    expect(await decide(requestEvent(token, 'DELETE', '/orders'), config, verifier)).toMatchObject({ denied: 'UnknownRoute', policy: { policyDocument: { Statement: [{ Effect: 'Deny' }] } } });
    expect(await decide({ type: 'TOKEN', methodArn: methodArn('GET', '/orders'), authorizationToken: token }, config, verifier)).toEqual({ rejected: 'InvalidEvent' });
  });

  test('scp array scopes count too; WebSocket $connect (no route map) allows the $connect ARN only', async () => {
    const { config, verifier } = setup({ JWT_ROUTES_FILE: '' });
    const wsArn = 'arn:aws:execute-api:eu-west-1:123456789012:ws123/prod/$connect';
    const token = sign(claims({ scope: undefined, scp: ['orders:write'] }), key);
    const decision = await decide({ type: 'REQUEST', methodArn: wsArn, headers: { Authorization: token }, requestContext: { routeKey: '$connect' } }, config, verifier);
    expect(decision).toMatchObject({ policy: { policyDocument: { Statement: [{ Effect: 'Allow', Resource: [wsArn] }] } } });
  });

  test('a REST configuration (route map present) never takes the $connect path', async () => {
    const { config, verifier } = setup();
    const wsArn = 'arn:aws:execute-api:eu-west-1:123456789012:ws123/prod/$connect';
    expect(await decide({ type: 'REQUEST', methodArn: wsArn, headers: { Authorization: sign(claims(), key) }, requestContext: { routeKey: '$connect' } }, config, verifier)).toEqual({ rejected: 'InvalidEvent' });
  });

  test('the JWKS is fetched once and cached across invocations', async () => {
    const { config, verifier } = setup();
    const before = server.requests;
    for (let i = 0; i < 5; i++) await decide(getOrders(sign(claims(), key)), config, verifier);
    expect(server.requests - before).toBe(1);
  });

  test('#10.6: claims with JSON-escaped non-ASCII characters are accepted', async () => {
    const { config, verifier } = setup();
    const now = Math.floor(Date.now() / 1000);
    const raw = `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"user-123","exp":${now + 600},"scope":"orders:read","name":"Jos\\u00e9 \\u00c5ngstr\\u00f6m \\ud83d\\ude00"}`;
    expect(raw).toContain('\\u00e9');
    const decision = await decide(getOrders(signRaw(raw, key)), config, verifier);
    expect(decision).toMatchObject({ policy: { policyDocument: { Statement: [{ Effect: 'Allow' }] } } });
  });

  test('route patterns: path parameters become *, ANY becomes *', () => {
    expect(routeResource('GET', '/orders/{id}')).toBe('GET/orders/*');
    expect(routeResource('ANY', '/files/{path+}')).toBe('*/files/*');
    expect(routeResource('GET', '/')).toBe('GET/');
  });
});

describe('#10.3: iat in the future', () => {
  const NOW = 1_900_000_000;
  test.each([
    [NOW + 60, true],
    [NOW + 61, false],
    [NOW - 3600, true],
  ])('GIVEN iat %d at a fixed clock WHEN authorizing THEN allowed=%s (60 s skew)', async (iat, allowed) => {
    jest.spyOn(Date, 'now').mockReturnValue(NOW * 1000);
    const { config, verifier } = setup();
    const decision = await decide(getOrders(sign(claims({ iat, exp: NOW + 600 }), key)), config, verifier);
    expect(decision).toEqual(allowed ? expect.objectContaining({ policy: expect.anything() }) : { rejected: 'IssuedInFuture' });
  });

  test('a non-numeric iat is refused (aws-jwt-verify parses iat as a number first)', async () => {
    const { config, verifier } = setup();
    expect(await decide(getOrders(sign(claims({ iat: 'yesterday' }), key)), config, verifier)).toEqual({ rejected: 'MalformedToken' });
  });

  test('the check itself, at the boundary', () => {
    expect(() => checkIssuedAt(NOW + 60, NOW)).not.toThrow();
    expect(() => checkIssuedAt(NOW + 61, NOW)).toThrow(expect.objectContaining({ reason: 'IssuedInFuture' }));
    expect(() => checkIssuedAt(undefined, NOW)).not.toThrow();
    expect(() => checkIssuedAt(Number.NaN, NOW)).toThrow(expect.objectContaining({ reason: 'InvalidIssuedAt' }));
    expect(IAT_SKEW_SECONDS).toBe(60);
  });
});

describe('#10.4: token use', () => {
  const logout = { events: { 'http://schemas.openid.net/event/backchannel-logout': {} } };
  test.each([
    // [description, header overrides, claim overrides, env overrides, accepted]
    ['unmarked token, default', {}, {}, {}, true],
    ['Cognito-style access token', {}, { token_use: 'access' }, {}, true],
    ['RFC 9068 typ at+jwt', { typ: 'at+jwt' }, {}, {}, true],
    ['typ application/at+jwt', { typ: 'application/at+jwt' }, {}, {}, true],
    ['ID token (token_use id), default', {}, { token_use: 'id' }, {}, false],
    ['ID token when ID tokens are accepted', {}, { token_use: 'id' }, { JWT_TOKEN_USE: 'access,id' }, true],
    ['access token when only ID tokens are accepted', { typ: 'at+jwt' }, {}, { JWT_TOKEN_USE: 'id' }, false],
    ['logout token (events claim)', {}, logout, { JWT_TOKEN_USE: 'access,id' }, false],
    ['logout token (typ logout+jwt)', { typ: 'logout+jwt' }, {}, { JWT_TOKEN_USE: 'access,id' }, false],
    ['security event token', { typ: 'secevent+jwt' }, {}, {}, false],
    ['conflicting marks', { typ: 'at+jwt' }, { token_use: 'id' }, { JWT_TOKEN_USE: 'access,id' }, false],
    ['unknown token_use', {}, { token_use: 'refresh' }, {}, false],
    ['unmarked token when a mark is required', {}, {}, { JWT_REQUIRE_TOKEN_USE: 'true' }, false],
    ['marked access token when a mark is required', { typ: 'at+jwt' }, {}, { JWT_REQUIRE_TOKEN_USE: 'true' }, true],
  ])('%s -> accepted %s', async (_name, header, claimOverrides, envOverrides, accepted) => {
    const { config, verifier } = setup(envOverrides as Record<string, string>);
    const token = sign(claims(claimOverrides), key, { alg: 'RS256', typ: 'JWT', kid: KID, ...header });
    const decision = await decide(getOrders(token), config, verifier);
    expect(decision).toEqual(accepted ? expect.objectContaining({ policy: expect.anything() }) : { rejected: 'WrongTokenUse' });
  });

  test.each([
    [{ email: 'a@example.com', email_verified: true }, 'a@example.com'],
    [{ email: 'a@example.com', email_verified: 'true' }, 'a@example.com'],
    [{ email: 'a@example.com', email_verified: false }, undefined],
    [{ email: 'a@example.com' }, undefined],
  ])('email passes to the integration only when verified: %j', async (claimOverrides, email) => {
    const { config, verifier } = setup();
    const decision = (await decide(getOrders(sign(claims(claimOverrides), key)), config, verifier)) as any;
    expect(decision.policy.context.email).toBe(email);
  });
});

describe('#10.5: Cognito user pool issuer (aws-jwt-verify CognitoJwtVerifier)', () => {
  const POOL = 'eu-west-1_Pool123';
  const COGNITO = `https://cognito-idp.eu-west-1.amazonaws.com/${POOL}`;
  const cognito = (overrides: Record<string, string> = {}) => setup({ JWT_ISSUER: COGNITO, JWT_JWKS_URI: '', JWT_AUDIENCE: 'client-a,client-b', ...overrides });
  const access = (o: Record<string, unknown> = {}) => claims({ iss: COGNITO, aud: undefined, client_id: 'client-b', token_use: 'access', ...o });

  test('an access token whose client_id is an accepted audience (it has no aud) is allowed', async () => {
    const { config, verifier } = cognito();
    expect(await decide(getOrders(sign(access(), key)), config, verifier)).toMatchObject({ policy: { policyDocument: { Statement: [{ Effect: 'Allow' }] }, context: { client_id: 'client-b', token_use: 'access' } } });
  });

  test.each([
    ['another client', access({ client_id: 'client-z' }), {}, 'WrongAudience'],
    ['an ID token by default', claims({ iss: COGNITO, aud: 'client-a', token_use: 'id' }), {}, 'WrongTokenUse'],
    ['a token without token_use', access({ token_use: undefined }), {}, 'WrongTokenUse'],
    ['another user pool', access({ iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' }), {}, 'WrongIssuer'],
  ])('%s is refused', async (_name, payload, overrides, reason) => {
    const { config, verifier } = cognito(overrides);
    expect(await decide(getOrders(sign(payload, key)), config, verifier)).toEqual({ rejected: reason });
  });

  test('an ID token (aud = client id) is allowed when ID tokens are accepted', async () => {
    const { config, verifier } = cognito({ JWT_TOKEN_USE: 'access,id' });
    expect(await decide(getOrders(sign(claims({ iss: COGNITO, aud: 'client-a', token_use: 'id' }), key)), config, verifier)).toMatchObject({ policy: { policyDocument: { Statement: [{ Effect: 'Allow' }] } } });
  });

  test('outside Cognito, client_id does not stand in for aud (RFC 9068 access tokens carry aud)', async () => {
    const { config, verifier } = setup();
    expect(await decide(getOrders(sign(claims({ aud: undefined, client_id: AUDIENCE }), key)), config, verifier)).toEqual({ rejected: 'WrongAudience' });
  });
});

describe('#10.6: stable reason codes', () => {
  test.each([
    [new JwtExpiredError('expired', 1, '2'), 'TokenExpired'],
    [new JwtNotBeforeError('nbf', 1, '2'), 'TokenNotYetValid'],
    [new JwtInvalidAudienceError('aud', 'x', 'y'), 'WrongAudience'],
    [new CognitoJwtInvalidClientIdError('client', 'x', 'y'), 'WrongAudience'],
    [new JwtInvalidIssuerError('iss', 'x', 'y'), 'WrongIssuer'],
    [new JwtInvalidSignatureError('sig'), 'InvalidSignature'],
    [new JwtInvalidSignatureAlgorithmError('alg', 'HS256', 'RS256'), 'UnsupportedAlgorithm'],
    [new CognitoJwtInvalidTokenUseError('use', 'id', 'access'), 'WrongTokenUse'],
    [new KidNotFoundInJwksError('kid'), 'UnknownKid'],
    [new FetchError('https://x', 'down'), 'JwksUnavailable'],
    [new JwtParseError('parse'), 'MalformedToken'],
    [new TokenRejected('IssuedInFuture'), 'IssuedInFuture'],
    [new Error('anything else'), 'VerificationError'],
  ])('%s -> %s', (error, reason) => {
    expect(rejectionReason(error)).toBe(reason);
  });

  test('by instanceof, never by class name: a renamed (minified) subclass keeps its code, a look-alike name gets none', () => {
    class D extends JwtExpiredError {}
    expect(rejectionReason(new D('expired', 1, '2'))).toBe('TokenExpired');
    class JwtExpiredErrorLookAlike extends Error {}
    Object.defineProperty(JwtExpiredErrorLookAlike, 'name', { value: 'JwtExpiredError' });
    expect(rejectionReason(new JwtExpiredErrorLookAlike('x'))).toBe('VerificationError');
  });

  test('each corpus attack logs one of a small set of documented codes', async () => {
    const codes = new Set<string>();
    for (const [, makeToken, overrides, arrange] of corpus()) {
      const { config, verifier } = setup(overrides);
      arrange(server);
      const decision = await decide(getOrders(makeToken()), config, verifier);
      codes.add('rejected' in decision ? decision.rejected : decision.denied!);
      server.mode = 'serve';
    }
    expect([...codes].sort()).toEqual([
      'ForbiddenClaimName', 'InvalidJwks', 'InvalidSignature', 'IssuedInFuture', 'JwksUnavailable', 'MalformedToken', 'MissingExp', 'MissingKid',
      'MissingRouteScope', 'MissingScope', 'MissingSub', 'MissingToken', 'TokenExpired', 'TokenNotYetValid', 'TokenTooLarge', 'UnknownKid',
      'UnsupportedAlgorithm', 'WrongAudience', 'WrongIssuer', 'WrongTokenUse',
    ]);
  });
});

/** The negative corpus: every entry must be refused (a rejection, 401, or an explicit Deny, 403; never an Allow). */
function corpus(): Array<[string, () => string | undefined, Record<string, string> | undefined, (s: JwksServer) => void]> {
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
    ['no scope for the route', () => sign(claims({ scope: 'profile' }), key), undefined, noop],
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
    // Added with issue 10.
    ['escaped __proto__ claim name', () => signRaw(`{"\\u005f_proto__":{"admin":true},"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"x","exp":${now + 600},"scope":"orders:read"}`, key), undefined, noop],
    ['nested prototype claim', () => sign(claims({ profile: [{ prototype: 1 }] }), key), undefined, noop],
    ['__proto__ in the header', () => signRaw(JSON.stringify(claims()), key, JSON.parse(`{"alg":"RS256","kid":"${KID}","__proto__":{"x":1}}`)), undefined, noop],
    ['iat an hour in the future', () => sign(claims({ iat: now + 3600 }), key), undefined, noop],
    ['ID token (token_use id)', () => sign(claims({ token_use: 'id' }), key), undefined, noop],
    ['logout token', () => sign(claims({ events: { 'http://schemas.openid.net/event/backchannel-logout': {} } }), key), undefined, noop],
  ];
}

describe('negative corpus: every attack token is refused', () => {
  const cases = corpus();
  test(`the corpus has at least 40 attacks (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  test.each(cases)('%s', async (_name, makeToken, overrides, arrange) => {
    // GIVEN
    const { config, verifier } = setup(overrides);
    arrange(server);
    // WHEN
    const decision = await decide(getOrders(makeToken()), config, verifier);
    // THEN: a stable reason code, or a policy that does not allow the request
    if ('rejected' in decision) {
      expect(decision.rejected).toMatch(/^[A-Z][A-Za-z]+$/);
    } else {
      expect(evaluate(decision.policy.policyDocument, 'execute-api:Invoke', methodArn('GET', '/orders'))).not.toBe('Allow');
    }
  });

  test('an event without a valid method ARN is refused', async () => {
    const { config, verifier } = setup();
    for (const event of [null, {}, { ...getOrders(sign(claims(), key)), methodArn: 'arn:aws:s3:::bucket' }]) {
      expect(await decide(event as never, config, verifier)).toEqual({ rejected: 'InvalidEvent' });
    }
  });

  test('an event whose route values disagree is refused', async () => {
    const { config, verifier } = setup();
    const event = { ...getOrders(sign(claims(), key)), resource: '/health' };
    expect(await decide(event as never, config, verifier)).toEqual({ rejected: 'InvalidEvent' });
  });
});
