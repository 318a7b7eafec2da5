/**
 * Runs the BUILT authorizer bundle (assets/authorizers/jwt-authorizer.lambda/index.js, produced by
 * `projen bundle`) in a child Node.js process, as Lambda would, against a local HTTPS JWKS server on 127.0.0.1
 * whose self-signed certificate the child trusts through NODE_EXTRA_CA_CERTS, with its route map in a file (as
 * the construct's layer ships it).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { AwsStub, startAwsStub } from './support/monetized-aws-stub';
import { renderRouteConfig } from '../../src/runtime/jwt/routes';
import { AUDIENCE, ISSUER, claims, requestEvent, rsaKey, sign } from '../handlers/support/jwt';
import { FakeApiGateway, FakeClock } from '../handlers/support/monetized-fakes';
import { createCustomerTable } from '../handlers/support/monetized-setup';
import { LocalDynamo, startDynalite } from '../support/dynalite';
import { evaluate } from '../support/iam-policy';
import { LoopbackCertificate, loopbackCertificate, runChild } from '../support/tls';

const BUNDLE = path.join(__dirname, '..', '..', 'assets', 'authorizers', 'jwt-authorizer.lambda', 'index.js');
const BASE = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/';

const key = rsaKey();
const forger = rsaKey();
let tls: LoopbackCertificate;
let server: https.Server;
let jwksUri: string;
let routesDir: string;

beforeAll(async () => {
  tls = loopbackCertificate();
  server = https.createServer({ key: tls.key, cert: tls.cert }, (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.jwk] })),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUri = `https://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  routesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-routes-'));
  fs.writeFileSync(path.join(routesDir, 'routes.json'), renderRouteConfig([
    { method: 'GET', path: '/orders', scopes: ['orders:read'] },
    { method: 'POST', path: '/orders', scopes: ['orders:write'] },
  ]));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  tls.dispose();
  fs.rmSync(routesDir, { recursive: true, force: true });
});

/**
 * Invokes the bundle's handler once per event in one child process (asynchronously, so this process keeps
 * serving the JWKS while the child fetches it); returns each outcome and what the handler logged for it.
 */
function invoke(events: unknown[], env: Record<string, string> = {}): Promise<Array<{ ok?: any; err?: string; logs: unknown[][] }>> {
  const script = `
    const logs = [];
    for (const level of ['debug', 'info', 'warn', 'error', 'log']) console[level] = (...args) => logs.push(args);
    const { handler } = require(${JSON.stringify(BUNDLE)});
    (async () => {
      const out = [];
      for (const event of JSON.parse(process.env.EVENTS)) {
        logs.length = 0;
        try { out.push({ ok: await handler(event), logs: [...logs] }); } catch (e) { out.push({ err: e.message, logs: [...logs] }); }
      }
      process.stdout.write('RESULT' + JSON.stringify(out));
    })();`;
  return runChild(script, {
    NODE_EXTRA_CA_CERTS: tls.certFile,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWT_JWKS_URI: jwksUri,
    JWT_ROUTES_FILE: path.join(routesDir, 'routes.json'),
    EVENTS: JSON.stringify(events),
    ...env,
  });
}

test('the bundle exists and is small (built by projen bundle)', () => {
  // aws-jwt-verify's JwtVerifier and CognitoJwtVerifier are most of it.
  expect(fs.statSync(BUNDLE).size).toBeLessThan(28 * 1024);
});

test('the built handler allows the route a valid token may call, denies the other, refuses invalid tokens', async () => {
  const now = Math.floor(Date.now() / 1000);
  const valid = sign(claims(), key);
  const results = await invoke([
    requestEvent(`Bearer ${valid}`, 'GET', '/orders'),
    requestEvent(`Bearer ${valid}`, 'POST', '/orders'),
    requestEvent(sign(claims({ exp: now - 10 }), key), 'GET', '/orders'),
    requestEvent(`${valid.split('.').slice(0, 2).join('.')}.`, 'GET', '/orders'),
    requestEvent(undefined, 'GET', '/orders'),
  ]);
  expect(results[0].ok).toEqual({
    principalId: 'user-123',
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${BASE}GET/orders`] }] },
    context: { sub: 'user-123', scope: 'orders:read' },
  });
  expect(evaluate(results[1].ok.policyDocument, 'execute-api:Invoke', `${BASE}POST/orders`)).toBe('Deny');
  expect(results[1].logs).toEqual([['route denied', { reason: 'MissingRouteScope' }]]);
  expect(results.slice(2).map((r) => r.err)).toEqual(['Unauthorized', 'Unauthorized', 'Unauthorized']);
});

test('#10.6: an expired token, a wrong audience and a forged signature log three different, stable reason codes', async () => {
  const now = Math.floor(Date.now() / 1000);
  const results = await invoke([
    requestEvent(sign(claims({ exp: now - 10 }), key), 'GET', '/orders'),
    requestEvent(sign(claims({ aud: 'someone-else' }), key), 'GET', '/orders'),
    requestEvent(sign(claims(), forger), 'GET', '/orders'),
  ]);
  expect(results.map((r) => r.err)).toEqual(['Unauthorized', 'Unauthorized', 'Unauthorized']);
  expect(results.map((r) => r.logs)).toEqual([
    [['token rejected', { reason: 'TokenExpired' }]],
    [['token rejected', { reason: 'WrongAudience' }]],
    [['token rejected', { reason: 'InvalidSignature' }]],
  ]);
  // Nothing of the token reaches the logs.
  expect(JSON.stringify(results.map((r) => r.logs))).not.toMatch(/eyJ/);
});

test('a misconfigured authorizer fails closed, also when its route file is missing', () => {
  const event = JSON.stringify(requestEvent('x.y.z', 'GET', '/orders'));
  for (const env of [
    { JWT_ISSUER: 'http://insecure.example.com', JWT_AUDIENCE: 'a' },
    { JWT_ISSUER: ISSUER, JWT_AUDIENCE: 'a', JWT_ROUTES_FILE: path.join(os.tmpdir(), 'no-such-dir', 'routes.json') },
  ]) {
    const child = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(BUNDLE)}).handler(${event}).then(()=>console.log('ALLOWED'),e=>console.log('ERR:'+e.message))`], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
    });
    expect(child.stdout.trim().split('\n').pop()).toBe('ERR:Unauthorized');
  }
});

describe('usage key lookup (MonetizedApi with the AUTHORIZER key source), built bundle against dynalite and API Gateway', () => {
  // API Gateway meters a request under the usage plan of the key the authorizer returns as usageIdentifierKey
  // (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html). The bundle reads the
  // customer record from the table and the key's value with GetApiKey, through the SDK's endpoint variables.
  const TABLE = 'usage-key-customers';
  const VALUE = 'AcmeKeyValue0123456789abcdef';
  let dynamo: LocalDynamo;
  let gateway: AwsStub;
  let env: Record<string, string>;

  beforeAll(async () => {
    dynamo = await startDynalite();
    await createCustomerTable(dynamo.client, TABLE);
    const fake = new FakeApiGateway(new FakeClock());
    const acme = fake.CreateApiKey({ name: 'acme', value: VALUE, enabled: true }).id;
    const gone = fake.CreateApiKey({ name: 'gone', value: 'GoneKeyValue0123456789abcdef', enabled: false }).id;
    for (const [id, status, keyId] of [['acme', 'ACTIVE', acme], ['gone', 'REVOKED', gone]]) {
      await dynamo.client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: `CUSTOMER#${id}` }, status: { S: status }, keyId: { S: keyId } } }));
    }
    gateway = await startAwsStub(fake);
    env = {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_API_GATEWAY: gateway.endpoint,
      JWT_USAGE_KEY_CLAIM: 'sub',
      JWT_USAGE_KEY_TABLE: TABLE,
    };
  });

  afterAll(async () => {
    await gateway?.close();
    await dynamo?.close();
  });

  test('an active customer\'s key is the usageIdentifierKey of the Allow; a revoked or unknown customer is denied; the value is never logged', async () => {
    const results = await invoke(['acme', 'gone', 'nobody'].map((sub) => requestEvent(`Bearer ${sign(claims({ sub }), key)}`, 'GET', '/orders')), env);
    expect(results[0].ok).toMatchObject({ principalId: 'acme', usageIdentifierKey: VALUE });
    expect(evaluate(results[0].ok.policyDocument, 'execute-api:Invoke', `${BASE}GET/orders`)).toBe('Allow');
    for (const r of results.slice(1)) {
      expect(r.ok.usageIdentifierKey).toBeUndefined();
      expect(evaluate(r.ok.policyDocument, 'execute-api:Invoke', `${BASE}GET/orders`)).toBe('Deny');
    }
    expect(gateway.fake.ops().filter((op) => op === 'GetApiKey')).toHaveLength(1);
    expect(JSON.stringify(results.map((r) => r.logs))).not.toContain(VALUE);
  });

  test('a table it cannot read fails the request (API Gateway answers 500), never allows it', async () => {
    const [result] = await invoke([requestEvent(`Bearer ${sign(claims({ sub: 'acme' }), key)}`, 'GET', '/orders')], { ...env, JWT_USAGE_KEY_TABLE: 'no-such-table' });
    expect(result.ok).toBeUndefined();
    expect(result.err).toBeDefined();
    expect(result.err).not.toBe('Unauthorized');
  });
});
