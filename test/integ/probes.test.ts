/**
 * The integration tests' HTTP probe, sign-in and backend, run for real here: against a local HTTP server for the
 * API, and the local Cognito and API Gateway stand-ins (test/integ/support/aws-local.ts) for the SDK calls.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { aliasOf, handler as backend } from './probes/backend';
import { checkEvent, INVALID_TOKEN, probe, worstCaseMs } from './probes/http';
import { drawPassword, withUser } from './probes/signin';
import { AwsStub, startAwsStub } from '../e2e/support/monetized-aws-stub';
import { FakeApiGateway, FakeClock } from '../handlers/support/monetized-fakes';
import { LocalCognito, localClientConfig, startLocalCognito } from '../support/cognito-local';
import { checkSignature, IssuedCredential, SignatureCheck } from '../support/local/sigv4';

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; signature?: SignatureCheck }

const PROBE_CREDENTIALS = { accessKeyId: 'AKIDPROBE', secretAccessKey: 'probe-secret', sessionToken: 'probe-session' };
const ISSUED = new Map<string, IssuedCredential>([['AKIDPROBE', { ...PROBE_CREDENTIALS, owner: 'the probe' }]]);

let aws: LocalCognito;
let gateway: AwsStub;
let apiGateway: APIGatewayClient;
let keyId: string;
let server: http.Server;
let base: string;
const seen: Seen[] = [];
let answers: Array<{ status: number; body?: unknown; delayMs?: number }> = [];

beforeAll(async () => {
  aws = await startLocalCognito();
  // API Gateway's key calls: the monetized tests' stand-in, with one key.
  const fake = new FakeApiGateway(new FakeClock());
  keyId = fake.CreateApiKey({ name: 'probe', value: 'the-key-value', enabled: true }).id;
  gateway = await startAwsStub(fake);
  apiGateway = new APIGatewayClient(localClientConfig(gateway.endpoint));
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const signature = req.headers.authorization?.startsWith('AWS4-') ? await checkSignature(req, body, { service: 'execute-api', region: 'eu-west-1' }, ISSUED) : undefined;
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: body.toString('utf8'), signature });
      const answer = answers.length > 1 ? answers.shift()! : answers[0] ?? { status: 200 };
      setTimeout(() => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body ?? {}));
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await aws.close();
  await gateway.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
  aws.calls.length = 0;
  gateway.fake.calls.length = 0;
  answers = [{ status: 200 }];
});

const signIn = { userPoolId: 'us-east-1_Local', clientId: 'client1' };
const options = () => ({ cognito: aws.cognito, apiGateway, retryDelayMs: 10 });

describe('HTTP probe', () => {
  test('sends the user\'s token, an invalid token or none, and returns each status in order', async () => {
    answers = [{ status: 200 }, { status: 401 }, { status: 403 }];
    const result = await probe({
      signIn,
      requests: [{ url: `${base}/a`, token: 'user' }, { url: `${base}/b`, token: 'invalid' }, { url: `${base}/c` }],
    }, options());
    expect(result.statuses).toEqual([200, 401, 403]);
    expect(result.ok).toEqual([true, false, false]);
    expect(seen[0].headers.authorization).toMatch(/^token-of-probe-[0-9a-f]{12}$/);
    expect(seen[1].headers.authorization).toBe(INVALID_TOKEN);
    expect(seen[2].headers.authorization).toBeUndefined();
    expect(seen.every((s) => s.headers['user-agent'] === 'cdk-apigateway-patterns-integ-probe')).toBe(true);
    // The throwaway user is created, given a password, signed in and deleted.
    expect(aws.calls).toEqual(['AdminCreateUser', 'AdminSetUserPassword', 'AdminInitiateAuth', 'AdminDeleteUser']);
    expect(aws.users.size).toBe(0);
    // Neither the token nor anything secret is in the result.
    expect(JSON.stringify(result)).not.toMatch(/token-of|Aa1!/);
  });

  test('sends the token in another header when told, and the API key value read from API Gateway', async () => {
    await probe({ signIn, apiKeyId: keyId, requests: [{ url: `${base}/a`, token: 'user', header: 'x-token', apiKey: true }] }, options());
    expect(seen[0].headers['x-token']).toMatch(/^token-of-/);
    expect(seen[0].headers.authorization).toBeUndefined();
    expect(seen[0].headers['x-api-key']).toBe('the-key-value');
    expect(gateway.fake.ops()).toEqual(['GetApiKey']);
  });

  test('an unknown API key fails the run before any request', async () => {
    await expect(probe({ apiKeyId: 'nope', requests: [{ url: `${base}/a`, apiKey: true }] }, options())).rejects.toThrow();
    expect(seen).toHaveLength(0);
  });

  test('retries a request until it answers the expected status, then stops; keeps the last status when time is up', async () => {
    answers = [{ status: 403 }, { status: 403 }, { status: 200 }];
    const result = await probe({ requests: [{ url: `${base}/a`, expectStatus: 200, retrySeconds: 5 }] }, options());
    expect(result.statuses).toEqual([200]);
    expect(seen).toHaveLength(3);
    answers = [{ status: 403 }];
    seen.length = 0;
    const late = await probe({ requests: [{ url: `${base}/a`, expectStatus: 200, retrySeconds: 0 }] }, options());
    expect(late.statuses).toEqual([403]);
    expect(seen).toHaveLength(1);
  });

  test('repeat with servedBy lists the distinct backends that answered, sorted', async () => {
    answers = [{ status: 200, body: { alias: 'live' } }, { status: 200, body: { alias: 'canary' } }, { status: 500, body: { alias: 'canary' } },
      { status: 200, body: 'not json' }, { status: 200, body: { alias: 'live' } }];
    const result = await probe({ requests: [{ url: `${base}/w`, repeat: 5, servedBy: 'alias' }] }, options());
    expect(seen).toHaveLength(5);
    expect(result.served).toEqual([['canary', 'live']]);
  });

  test('worstCaseMs: each retry window, one attempt after it and its 2 s pause, and every repeat at the full timeout', () => {
    const url = 'https://example.com/';
    const requests = [{ url, expectStatus: 200, retrySeconds: 10, repeat: 3 }, { url }];
    expect(worstCaseMs({ timeoutMs: 1000, requests })).toBe(10_000 + 3_000 + 3_000 + 1_000);
    expect(worstCaseMs({ requests: [{ url }] })).toBe(5_000);
  });

  test('no response gives status 0 with the error\'s code, not an exception', async () => {
    answers = [{ status: 200, delayMs: 1_000 }];
    const slow = await probe({ timeoutMs: 100, requests: [{ url: `${base}/slow` }] }, options());
    expect(slow.statuses).toEqual([0]);
    expect(slow.errors[0]).toBe('TimeoutError');
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await probe({ requests: [{ url: `http://127.0.0.1:${port}/` }] }, options());
    expect(refused).toMatchObject({ statuses: [0], ok: [false], errors: ['ECONNREFUSED'] });
  });

  test('sign: SigV4 for execute-api that the received request verifies against (method, path, query, signed headers)', async () => {
    await probe({ requests: [{ url: `${base}/signed/a%20b?x=1&y=two`, method: 'POST', body: { n: 1 }, sign: true }] },
      { ...options(), credentials: PROBE_CREDENTIALS, region: 'eu-west-1' });
    const got = seen[0];
    expect(got.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDPROBE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
    expect(got.headers['x-amz-security-token']).toBe('probe-session');
    // The local stand-ins' SigV4 check recomputes the signature over what arrived.
    expect(got.signature).toEqual({ credential: expect.objectContaining({ accessKeyId: 'AKIDPROBE' }) });
  });

  test.each([
    [{}, 'requests must be a list of 1-50 requests'],
    [{ requests: [] }, 'requests must be a list of 1-50 requests'],
    [{ requests: [{ url: 'not a url' }] }, 'requests[0].url must be a URL'],
    [{ requests: [{ url: 'http://example.com/' }] }, 'requests[0].url must be https (http only on loopback)'],
    [{ requests: [{ url: 'https://example.com/', method: 'TRACE' }] }, 'requests[0].method must be one of'],
    [{ requests: [{ url: 'https://example.com/', token: 'admin' }] }, 'requests[0].token must be none, user or invalid'],
    [{ requests: [{ url: 'https://example.com/', token: 'user' }] }, 'requests[0] sends the user\'s token: signIn is required'],
    [{ requests: [{ url: 'https://example.com/', apiKey: true }] }, 'requests[0] sends the API key: apiKeyId is required'],
    [{ requests: [{ url: 'https://example.com/', header: 'a b' }] }, 'requests[0].header must be a header name'],
    [{ requests: [{ url: 'https://example.com/', repeat: 0 }] }, 'requests[0].repeat must be an integer up to 200'],
    [{ requests: [{ url: 'https://example.com/', retrySeconds: 601 }] }, 'requests[0].retrySeconds must be an integer up to 600'],
    [{ requests: [{ url: 'https://example.com/', servedBy: '__proto__.x' }] }, 'requests[0].servedBy must be a field name'],
  ])('refuses the event %j', (event, message) => {
    expect(() => checkEvent(event)).toThrow(message);
  });
});

describe('sign-in', () => {
  test('deletes the user even when the run fails, and rethrows', async () => {
    await expect(withUser(signIn, async () => { throw new Error('run failed'); }, aws.cognito)).rejects.toThrow('run failed');
    expect(aws.calls).toEqual(['AdminCreateUser', 'AdminSetUserPassword', 'AdminInitiateAuth', 'AdminDeleteUser']);
    expect(aws.users.size).toBe(0);
  });

  test('a refused sign-in fails the run and still deletes the user', async () => {
    const refusing = await startLocalCognito({ refuseSignIn: true });
    try {
      await expect(withUser(signIn, async () => 'never', refusing.cognito)).rejects.toThrow('Incorrect username or password.');
      expect(refusing.calls).toEqual(['AdminCreateUser', 'AdminSetUserPassword', 'AdminInitiateAuth', 'AdminDeleteUser']);
    } finally {
      await refusing.close();
    }
  });

  test('passwords carry every class Cognito can require, and differ', () => {
    const a = drawPassword();
    expect(a).toMatch(/[A-Z]/);
    expect(a).toMatch(/[a-z]/);
    expect(a).toMatch(/[0-9]/);
    expect(a).toMatch(/[^A-Za-z0-9]/);
    expect(a.length).toBeGreaterThanOrEqual(40);
    expect(drawPassword()).not.toBe(a);
  });

  test.each([[undefined], [{ userPoolId: 'p' }], [{ userPoolId: 'p', clientId: 'a b' }]])('refuses signIn %j', async (bad) => {
    await expect(withUser(bad, async () => 'x', aws.cognito)).rejects.toThrow(/signIn/);
    expect(aws.calls).toEqual([]);
  });
});

describe('backend', () => {
  test('answers with the alias it was invoked through, and 500 for the alias told to fail', async () => {
    const arn = 'arn:aws:lambda:us-east-1:111111111111:function:Backend';
    expect(aliasOf(`${arn}:canary`)).toBe('canary');
    expect(aliasOf(arn)).toBe('$LATEST');
    expect(await backend({}, { invokedFunctionArn: `${arn}:live` })).toMatchObject({ statusCode: 200, body: '{"ok":true,"alias":"live"}' });
    const fail = { queryStringParameters: { fail: 'canary' } };
    expect(await backend(fail, { invokedFunctionArn: `${arn}:canary` })).toMatchObject({ statusCode: 500, body: '{"ok":false,"alias":"canary"}' });
    expect(await backend(fail, { invokedFunctionArn: `${arn}:live` })).toMatchObject({ statusCode: 200 });
  });
});
