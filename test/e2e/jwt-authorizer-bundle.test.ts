/**
 * Runs the BUILT authorizer bundle (assets/authorizers/jwt-authorizer.lambda/index.js, produced by
 * `projen bundle`) in a child Node.js process, as Lambda would, against a local HTTPS JWKS server on 127.0.0.1
 * whose self-signed certificate the child trusts through NODE_EXTRA_CA_CERTS.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { AUDIENCE, ISSUER, claims, rsaKey, sign } from '../handlers/support/jwt';
import { LoopbackCertificate, loopbackCertificate, runChild } from '../support/tls';

const BUNDLE = path.join(__dirname, '..', '..', 'assets', 'authorizers', 'jwt-authorizer.lambda', 'index.js');
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/orders';

const key = rsaKey();
let tls: LoopbackCertificate;
let server: https.Server;
let jwksUri: string;

beforeAll(async () => {
  tls = loopbackCertificate();
  server = https.createServer({ key: tls.key, cert: tls.cert }, (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.jwk] })),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUri = `https://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  tls.dispose();
});

/**
 * Invokes the bundle's handler once per event in one child process (asynchronously, so this process keeps
 * serving the JWKS while the child fetches it); returns each outcome.
 */
function invoke(events: unknown[]): Promise<Array<{ ok?: any; err?: string }>> {
  const script = `
    const { handler } = require(${JSON.stringify(BUNDLE)});
    (async () => {
      const out = [];
      for (const event of JSON.parse(process.env.EVENTS)) {
        try { out.push({ ok: await handler(event) }); } catch (e) { out.push({ err: e.message }); }
      }
      process.stdout.write('RESULT' + JSON.stringify(out));
    })();`;
  return runChild(script, {
    NODE_EXTRA_CA_CERTS: tls.certFile,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWT_JWKS_URI: jwksUri,
    JWT_ROUTE_SCOPES: JSON.stringify({ 'GET /orders': ['orders:read'], 'POST /orders': ['orders:write'] }),
    EVENTS: JSON.stringify(events),
  });
}

test('the bundle exists and is small (built by projen bundle)', () => {
  expect(fs.statSync(BUNDLE).size).toBeLessThan(25 * 1024);
});

test('the built handler allows a valid token and refuses invalid ones with Unauthorized', async () => {
  const now = Math.floor(Date.now() / 1000);
  const valid = sign(claims(), key);
  const results = await invoke([
    { type: 'TOKEN', methodArn: METHOD_ARN, authorizationToken: `Bearer ${valid}` },
    { type: 'TOKEN', methodArn: METHOD_ARN, authorizationToken: sign(claims({ exp: now - 10 }), key) },
    { type: 'TOKEN', methodArn: METHOD_ARN, authorizationToken: sign(claims({ aud: 'someone-else' }), key) },
    { type: 'TOKEN', methodArn: METHOD_ARN, authorizationToken: `${valid.split('.').slice(0, 2).join('.')}.` },
    { type: 'TOKEN', methodArn: METHOD_ARN },
  ]);
  expect(results[0].ok).toEqual({
    principalId: 'user-123',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: ['arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/orders'] }],
    },
    context: { sub: 'user-123', scope: 'orders:read' },
  });
  expect(results.slice(1)).toEqual([{ err: 'Unauthorized' }, { err: 'Unauthorized' }, { err: 'Unauthorized' }, { err: 'Unauthorized' }]);
});

test('a misconfigured authorizer fails closed', () => {
  const child = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(BUNDLE)}).handler({type:'TOKEN',methodArn:'${METHOD_ARN}',authorizationToken:'x.y.z'}).then(()=>console.log('ALLOWED'),e=>console.log('ERR:'+e.message))`], {
    env: { PATH: process.env.PATH, JWT_ISSUER: 'http://insecure.example.com', JWT_AUDIENCE: 'a' },
    encoding: 'utf8',
  });
  expect(child.stdout.trim()).toBe('ERR:Unauthorized');
});
