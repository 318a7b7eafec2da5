import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { CustomResourceEvent, Dependencies, KEYS_PER_CALL, PAUSE_BETWEEN_CALLS_MS, handleEvent, patchBatches } from '../../src/runtime/cache-control/logic';
import { LoopbackCertificate, closeAll, cloudFormationResponseServer, listenAll, loopbackCertificate, runChild } from '../support/tls';

function event(overrides: Partial<CustomResourceEvent> = {}): CustomResourceEvent {
  return {
    RequestType: 'Create',
    ResponseURL: 'https://cloudformation-custom-resource-response.example.com/presigned?sig=secret',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/s/1',
    RequestId: 'req-1',
    LogicalResourceId: 'CacheControl',
    ResourceProperties: { RestApiId: 'abcde12345', StageName: 'prod', MethodSettingKeys: ['*/*', '~1orders~1{id}/GET', '~1/GET'] },
    ...overrides,
  };
}

function fakes(failures: Array<{ name: string; status?: number }> = []) {
  const calls: Array<{ apiId: string; stage: string; ops: unknown }> = [];
  const responses: Array<Record<string, string>> = [];
  const sleeps: number[] = [];
  const deps: Dependencies = {
    updateStage: async (apiId, stage, ops) => {
      calls.push({ apiId, stage, ops });
      const failure = failures.shift();
      if (failure) throw Object.assign(new Error(failure.name), { name: failure.name, $metadata: { httpStatusCode: failure.status } });
    },
    respond: async (_url, body) => {
      responses.push(JSON.parse(body));
    },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
  return { deps, calls, responses, sleeps };
}

describe('cache-control custom resource logic', () => {
  test('GIVEN Create WHEN handled THEN every method setting gets authorization required and SUCCEED_WITH_RESPONSE_HEADER', async () => {
    const { deps, calls, responses } = fakes();
    expect(await handleEvent(event(), deps)).toBe('SUCCESS');
    expect(calls).toEqual([
      {
        apiId: 'abcde12345',
        stage: 'prod',
        ops: [
          { op: 'replace', path: '/*/*/caching/requireAuthorizationForCacheControl', value: 'true' },
          { op: 'replace', path: '/*/*/caching/unauthorizedCacheControlHeaderStrategy', value: 'SUCCEED_WITH_RESPONSE_HEADER' },
          { op: 'replace', path: '/~1orders~1{id}/GET/caching/requireAuthorizationForCacheControl', value: 'true' },
          { op: 'replace', path: '/~1orders~1{id}/GET/caching/unauthorizedCacheControlHeaderStrategy', value: 'SUCCEED_WITH_RESPONSE_HEADER' },
          { op: 'replace', path: '/~1/GET/caching/requireAuthorizationForCacheControl', value: 'true' },
          { op: 'replace', path: '/~1/GET/caching/unauthorizedCacheControlHeaderStrategy', value: 'SUCCEED_WITH_RESPONSE_HEADER' },
        ],
      },
    ]);
    expect(responses).toEqual([
      { Status: 'SUCCESS', Reason: 'OK', PhysicalResourceId: 'abcde12345/prod/cache-control', StackId: event().StackId, RequestId: 'req-1', LogicalResourceId: 'CacheControl' },
    ]);
  });

  test('GIVEN Update WHEN handled THEN the settings are applied again (a stage update may have rewritten them)', async () => {
    const { deps, calls } = fakes();
    expect(await handleEvent(event({ RequestType: 'Update', PhysicalResourceId: 'abcde12345/prod/cache-control' }), deps)).toBe('SUCCESS');
    expect(calls).toHaveLength(1);
    expect(calls[0].ops).toHaveLength(6);
  });

  test('the stage-wide setting is always patched, even when the keys omit it; no key twice', async () => {
    const { deps, calls } = fakes();
    await handleEvent(event({ ResourceProperties: { RestApiId: 'abcde12345', StageName: 'prod', MethodSettingKeys: ['~1items/POST', '~1items/POST'] } }), deps);
    expect((calls[0].ops as Array<{ path: string }>).map((o) => o.path)).toEqual([
      '/*/*/caching/requireAuthorizationForCacheControl',
      '/*/*/caching/unauthorizedCacheControlHeaderStrategy',
      '/~1items/POST/caching/requireAuthorizationForCacheControl',
      '/~1items/POST/caching/unauthorizedCacheControlHeaderStrategy',
    ]);
  });

  test('many method settings are patched in paced batches of 50 keys', async () => {
    const keys = Array.from({ length: 120 }, (_, i) => `~1r${i}/GET`);
    const { deps, calls, sleeps } = fakes();
    expect(await handleEvent(event({ ResourceProperties: { RestApiId: 'abcde12345', StageName: 'prod', MethodSettingKeys: keys } }), deps)).toBe('SUCCESS');
    expect(calls.map((c) => (c.ops as unknown[]).length)).toEqual([2 * KEYS_PER_CALL, 2 * KEYS_PER_CALL, 2 * 21]);
    expect(sleeps).toEqual([PAUSE_BETWEEN_CALLS_MS, PAUSE_BETWEEN_CALLS_MS]);
    expect(patchBatches(keys).flat()).toHaveLength(2 * 121);
  });

  test('throttling and 5xx are retried a bounded number of times', async () => {
    const { deps, calls } = fakes([{ name: 'TooManyRequestsException' }, { name: 'InternalFailure', status: 503 }]);
    expect(await handleEvent(event({ RequestType: 'Update' }), deps)).toBe('SUCCESS');
    expect(calls).toHaveLength(3);
    const always = fakes(Array.from({ length: 10 }, () => ({ name: 'TooManyRequestsException' })));
    expect(await handleEvent(event(), always.deps)).toBe('FAILED');
    expect(always.calls).toHaveLength(5);
    expect(always.responses[0]).toMatchObject({ Status: 'FAILED', Reason: 'UpdateStage failed: TooManyRequestsException' });
  });

  test('other errors fail at once; Delete never patches and succeeds', async () => {
    const denied = fakes([{ name: 'AccessDeniedException', status: 403 }]);
    expect(await handleEvent(event(), denied.deps)).toBe('FAILED');
    expect(denied.calls).toHaveLength(1);
    const del = fakes();
    expect(await handleEvent(event({ RequestType: 'Delete' }), del.deps)).toBe('SUCCESS');
    expect(del.calls).toHaveLength(0);
  });

  test.each([
    [{ RestApiId: '../evil', StageName: 'prod' }, 'RestApiId is invalid'],
    [{ RestApiId: 'abcde12345', StageName: 'bad stage' }, 'StageName is invalid'],
    [{ RestApiId: 'abcde12345', StageName: 'prod', MethodSettingKeys: '*/*' }, 'MethodSettingKeys must be a list of at most 2500 keys'],
    [{ RestApiId: 'abcde12345', StageName: 'prod', MethodSettingKeys: ['*/*', '/orders/GET'] }, 'MethodSettingKeys[1] is not a method setting key'],
    [{ RestApiId: 'abcde12345', StageName: 'prod', MethodSettingKeys: ['~1a/GET/caching/enabled'] }, 'MethodSettingKeys[0] is not a method setting key'],
    [{ RestApiId: 'abcde12345', StageName: 'prod', MethodSettingKeys: [7] }, 'MethodSettingKeys[0] is not a method setting key'],
  ])('invalid properties are reported as FAILED: %j', async (ResourceProperties, reason) => {
    const { deps, calls, responses } = fakes();
    expect(await handleEvent(event({ ResourceProperties }), deps)).toBe('FAILED');
    expect(calls).toHaveLength(0);
    expect(responses[0]).toMatchObject({ Status: 'FAILED', Reason: reason });
  });

  test.each([
    [{ ResponseURL: 'http://example.com/x' }, 'ResponseURL must be https'],
    [{ RequestType: 'Move' as never }, 'unknown RequestType'],
    [{ RequestId: '' }, 'RequestId is missing'],
  ])('a malformed event is refused: %j', async (overrides, message) => {
    await expect(handleEvent(event(overrides), fakes().deps)).rejects.toThrow(message);
  });
});

describe('the built bundle against local stand-ins', () => {
  const BUNDLE = path.join(__dirname, '..', '..', 'assets', 'rest', 'cache-control.lambda', 'index.js');
  let tls: LoopbackCertificate;
  let apiGateway: http.Server;
  let cfn: https.Server;
  const patches: Array<{ url: string; body: any }> = [];
  const cfnResponses: any[] = [];

  beforeAll(async () => {
    tls = loopbackCertificate();
    apiGateway = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        patches.push({ url: `${req.method} ${req.url}`, body: JSON.parse(body || '{}') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"stageName":"prod"}');
      });
    });
    cfn = cloudFormationResponseServer(tls, cfnResponses);
    await listenAll([apiGateway, cfn]);
  });

  afterAll(() => closeAll([apiGateway, cfn], tls));

  test('Create PATCHes the stage through the AWS SDK and PUTs SUCCESS to the response URL', async () => {
    const responseUrl = `https://127.0.0.1:${(cfn.address() as AddressInfo).port}/response?X-Amz-Signature=secret`;
    const result = await runChild(
      `require(${JSON.stringify(BUNDLE)}).handler(JSON.parse(process.env.EVENT)).then(() => process.stdout.write('RESULT"done"'), (e) => process.stdout.write('RESULT' + JSON.stringify(e.message)));`,
      {
        NODE_PATH: path.join(__dirname, '..', '..', 'node_modules'),
        NODE_EXTRA_CA_CERTS: tls.certFile,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
        AWS_SECRET_ACCESS_KEY: 'local-test-secret',
        AWS_ENDPOINT_URL_API_GATEWAY: `http://127.0.0.1:${(apiGateway.address() as AddressInfo).port}`,
        EVENT: JSON.stringify(event({ ResponseURL: responseUrl })),
      },
    );
    expect(result).toBe('done');
    expect(patches).toEqual([
      {
        url: 'PATCH /restapis/abcde12345/stages/prod',
        body: { patchOperations: patchBatches(['*/*', '~1orders~1{id}/GET', '~1/GET'])[0] },
      },
    ]);
    expect(cfnResponses).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'abcde12345/prod/cache-control' })]);
  });
});
