/**
 * MonetizedApi custom resources: the tier's Marketplace product code (T-c11), tier removal safety (T-c6) and a static
 * key's value published to Secrets Manager (T-c10), through the CloudFormation response protocol, with API Gateway
 * mocked (a rule-enforcing model) and Secrets Manager mocked.
 */
import { APIGatewayClient, TooManyRequestsException } from '@aws-sdk/client-api-gateway';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeApiGateway, FakeClock, installApiGateway } from './support/monetized-fakes';
import { CfnEvent, runCustomResource } from '../../src/runtime/monetized/custom-resource';
import { KeyGateway } from '../../src/runtime/monetized/gateway';
import { keySecret, requestToken } from '../../src/runtime/monetized/key-secret';
import { productCode, removeTier, tierCleanup } from '../../src/runtime/monetized/plan-resources';
import { Pacer } from '../../src/runtime/monetized/retry';

function setup() {
  const clock = new FakeClock();
  const fake = new FakeApiGateway(clock);
  const client = new APIGatewayClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  installApiGateway(mockClient(client), fake);
  const gateway = new KeyGateway(client, { clock, pacer: new Pacer(clock), random: () => 0.5 });
  const logs: unknown[] = [];
  const responses: Array<Record<string, any>> = [];
  const cfn = {
    log: (m: string, f: Record<string, unknown>) => logs.push([m, f]),
    respond: async (url: string, body: string) => {
      expect(url).toContain('X-Amz-Signature');
      responses.push(JSON.parse(body));
    },
  };
  return { clock, fake, gateway, logs, responses, cfn, log: cfn.log };
}

const RESPONSE_URL = 'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x?X-Amz-Signature=secret';
function event(RequestType: CfnEvent['RequestType'], props: Record<string, unknown>, physicalId?: string): CfnEvent {
  return {
    RequestType,
    ResponseURL: RESPONSE_URL,
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/shop/1',
    RequestId: 'f4e7c2d0-1111-2222-3333-444455556666',
    LogicalResourceId: 'ProProductCode',
    ...(physicalId ? { PhysicalResourceId: physicalId } : {}),
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:x', ...props },
  };
}

describe('product code custom resource', () => {
  test('GIVEN Create WHEN handled THEN exactly UpdateUsagePlan [replace /productCode] and SUCCESS with the plan physical id', async () => {
    const s = setup();
    s.fake.plan('planpro');
    const status = await runCustomResource(event('Create', { UsagePlanId: 'planpro', ProductCode: 'prodcode1' }), s.cfn, 'product-code', (e) => productCode(s.gateway, s.log, e));
    expect(status).toBe('SUCCESS');
    expect(s.fake.calls.map((c) => [c.op, c.input])).toEqual([
      ['UpdateUsagePlan', { usagePlanId: 'planpro', patchOperations: [{ op: 'replace', path: '/productCode', value: 'prodcode1' }] }],
    ]);
    expect(s.fake.plans.get('planpro')!.productCode).toBe('prodcode1');
    expect(s.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'planpro/product-code', LogicalResourceId: 'ProProductCode', Data: { ProductCode: 'prodcode1' } });
    // The presigned ResponseURL never reaches the log.
    expect(JSON.stringify(s.logs)).not.toContain('X-Amz-Signature');
  });

  test('GIVEN UpdateUsagePlan throttled (1 call per 20 s) WHEN handled THEN retried after backoff of 10 s or more, then SUCCESS', async () => {
    const s = setup();
    s.fake.plan('planpro');
    const throttled = () => new TooManyRequestsException({ message: 'Too Many Requests', $metadata: {} });
    s.fake.failNext('UpdateUsagePlan', throttled(), throttled());
    expect(await runCustomResource(event('Create', { UsagePlanId: 'planpro', ProductCode: 'prodcode1' }), s.cfn, 'product-code', (e) => productCode(s.gateway, s.log, e))).toBe('SUCCESS');
    const times = s.fake.calls.map((c) => c.at);
    expect(times).toHaveLength(3);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(20_000);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(20_000);
  });

  test('GIVEN Delete WHEN the plan still carries the code THEN remove /productCode; when the plan is gone THEN SUCCESS without an update', async () => {
    const s = setup();
    s.fake.plan('planpro').productCode = 'prodcode1';
    const del = event('Delete', { UsagePlanId: 'planpro', ProductCode: 'prodcode1' }, 'planpro/product-code');
    await runCustomResource(del, s.cfn, 'product-code', (e) => productCode(s.gateway, s.log, e));
    expect(s.fake.calls.map((c) => c.op)).toEqual(['GetUsagePlan', 'UpdateUsagePlan']);
    expect(s.fake.calls[1].input.patchOperations).toEqual([{ op: 'remove', path: '/productCode' }]);
    expect(s.fake.plans.get('planpro')!.productCode).toBeUndefined();
    s.fake.plans.delete('planpro');
    s.fake.calls.length = 0;
    expect(await runCustomResource(del, s.cfn, 'product-code', (e) => productCode(s.gateway, s.log, e))).toBe('SUCCESS');
    expect(s.fake.calls.map((c) => c.op)).toEqual(['GetUsagePlan']);
  });

  test('GIVEN Delete after a failed Create (a physical id not ours) THEN nothing is called', async () => {
    const s = setup();
    await runCustomResource(event('Delete', { UsagePlanId: 'planpro', ProductCode: 'x' }, 'ProProductCode/product-code-failed'), s.cfn, 'product-code', (e) => productCode(s.gateway, s.log, e));
    expect(s.fake.calls).toEqual([]);
    expect(s.responses[0].Status).toBe('SUCCESS');
  });

  test('GIVEN bad properties WHEN created THEN FAILED naming the property, no API call', async () => {
    const s = setup();
    await runCustomResource(event('Create', { UsagePlanId: 'PLAN/../x', ProductCode: 'p' }), s.cfn, 'product-code', (e) => productCode(s.gateway, s.log, e));
    expect(s.responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('UsagePlanId is invalid') });
    expect(s.fake.calls).toEqual([]);
  });

  test('GIVEN an event without an https ResponseURL THEN it cannot be answered and throws', async () => {
    const s = setup();
    await expect(runCustomResource({ ...event('Create', {}), ResponseURL: 'http://x' }, s.cfn, 'product-code', async () => ({ physicalResourceId: 'x' }))).rejects.toThrow('ResponseURL must be https');
  });
});

describe('tier removal', () => {
  test('the AWS rule: a plan with API stages cannot be deleted (aws/aws-sdk-js#3841)', () => {
    const s = setup();
    s.fake.plan('planold');
    expect(() => s.fake.DeleteUsagePlan({ usagePlanId: 'planold' })).toThrow(/API Stages associated/);
  });

  test('GIVEN a plan with two stages and three keys WHEN removed THEN remove /apiStages ({apiId}:{stage}) and DeleteUsagePlanKey come before DeleteUsagePlan', async () => {
    const s = setup();
    const plan = s.fake.plan('planold', [{ apiId: 'api1234567', stage: 'prod' }, { apiId: 'api1234567', stage: 'beta' }]);
    for (const n of ['a', 'b', 'c']) plan.keys.push(s.fake.CreateApiKey({ name: n, enabled: true }).id);
    s.fake.calls.length = 0;
    const out = await removeTier(s.gateway, s.log, 'planold', true);
    expect(out).toEqual({ stages: ['api1234567:prod', 'api1234567:beta'], keys: 3, deleted: true });
    const ops = s.fake.ops();
    expect(s.fake.calls.find((c) => c.op === 'UpdateUsagePlan')!.input.patchOperations).toEqual([
      { op: 'remove', path: '/apiStages', value: 'api1234567:prod' },
      { op: 'remove', path: '/apiStages', value: 'api1234567:beta' },
    ]);
    expect(ops.filter((o) => o === 'DeleteUsagePlanKey')).toHaveLength(3);
    expect(ops.lastIndexOf('DeleteUsagePlanKey')).toBeLessThan(ops.indexOf('DeleteUsagePlan'));
    expect(ops.indexOf('UpdateUsagePlan')).toBeLessThan(ops.indexOf('DeleteUsagePlan'));
    // GetUsagePlanKeys followed its pages (2 keys a page).
    expect(s.fake.calls.filter((c) => c.op === 'GetUsagePlanKeys').map((c) => c.input.position)).toEqual([undefined, '2']);
    expect(s.fake.plans.has('planold')).toBe(false);
    // The keys themselves stay: they may be in other plans.
    expect(s.fake.keys.size).toBe(3);
  });

  test('GIVEN a stage attached again meanwhile WHEN DeleteUsagePlan answers "API Stages associated" THEN it detaches again and retries', async () => {
    const s = setup();
    s.fake.plan('planold');
    const original = s.fake.DeleteUsagePlan.bind(s.fake);
    let first = true;
    s.fake.DeleteUsagePlan = (input: any) => {
      if (first) {
        first = false;
        s.fake.plans.get('planold')!.apiStages.push({ apiId: 'api7654321', stage: 'prod' });
      }
      return original(input);
    };
    const out = await removeTier(s.gateway, s.log, 'planold', true);
    expect(out.deleted).toBe(true);
    expect(out.stages).toEqual(['api1234567:prod', 'api7654321:prod']);
    expect(s.fake.ops().filter((o) => o === 'DeleteUsagePlan')).toHaveLength(2);
  });

  test('GIVEN the cleanup custom resource WHEN Create then Delete THEN nothing then detach (plan kept without DeletePlan)', async () => {
    const s = setup();
    s.fake.plan('planold').keys.push(s.fake.CreateApiKey({ name: 'a', enabled: true }).id);
    s.fake.calls.length = 0;
    await runCustomResource(event('Create', { UsagePlanId: 'planold' }), s.cfn, 'cleanup', (e) => tierCleanup(s.gateway, s.log, e));
    expect(s.fake.calls).toEqual([]);
    expect(s.responses[0].PhysicalResourceId).toBe('planold/cleanup');
    await runCustomResource(event('Delete', { UsagePlanId: 'planold' }, 'planold/cleanup'), s.cfn, 'cleanup', (e) => tierCleanup(s.gateway, s.log, e));
    expect(s.fake.plans.get('planold')).toMatchObject({ apiStages: [], keys: [] });
    expect(s.responses[1].Status).toBe('SUCCESS');
    // A plan already gone is done.
    s.fake.plans.delete('planold');
    expect(await runCustomResource(event('Delete', { UsagePlanId: 'planold', DeletePlan: 'true' }, 'planold/cleanup'), s.cfn, 'cleanup', (e) => tierCleanup(s.gateway, s.log, e))).toBe('SUCCESS');
  });
});

describe('static key value to Secrets Manager', () => {
  test('GIVEN Create WHEN handled THEN GetApiKey includeValue, then PutSecretValue with the value, and the value nowhere else', async () => {
    const s = setup();
    const key = s.fake.CreateApiKey({ name: 'static-a', enabled: true });
    s.fake.calls.length = 0;
    const client = new SecretsManagerClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const sm = mockClient(client);
    sm.on(PutSecretValueCommand).resolves({ VersionId: 'v1' });
    const e = event('Create', { ApiKeyId: key.id, SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/static-a-AbCdEf' });
    expect(await runCustomResource(e, s.cfn, 'secret', (x) => keySecret(s.gateway, client, s.log, x))).toBe('SUCCESS');
    expect(s.fake.calls.map((c) => [c.op, c.input])).toEqual([['GetApiKey', { apiKey: key.id, includeValue: true }]]);
    const put = sm.commandCalls(PutSecretValueCommand)[0].args[0].input;
    expect(put).toEqual({
      SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/static-a-AbCdEf',
      SecretString: JSON.stringify({ apiKeyId: key.id, apiKey: key.value }),
      ClientRequestToken: requestToken(e.RequestId, key.id),
    });
    expect(put.ClientRequestToken!.length).toBeGreaterThanOrEqual(32);
    expect(put.ClientRequestToken!.length).toBeLessThanOrEqual(64);
    expect(JSON.stringify(s.responses)).not.toContain(key.value);
    expect(JSON.stringify(s.logs)).not.toContain(key.value);
    expect(s.responses[0]).toMatchObject({ PhysicalResourceId: `${key.id}/secret`, Data: { ApiKeyId: key.id, SecretVersionId: 'v1' } });
  });

  test('GIVEN a missing key, or a failing PutSecretValue WHEN created THEN FAILED with a code, never the value; Delete calls nothing', async () => {
    const s = setup();
    const client = new SecretsManagerClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const sm = mockClient(client);
    sm.on(PutSecretValueCommand).rejects(Object.assign(new Error('secret arn:aws:... not found'), { name: 'ResourceNotFoundException' }));
    await runCustomResource(event('Create', { ApiKeyId: 'nokey00001', SecretId: 'shop/a' }), s.cfn, 'secret', (x) => keySecret(s.gateway, client, s.log, x));
    expect(s.responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('ApiKeyNotFound') });
    const key = s.fake.CreateApiKey({ name: 'static-a', enabled: true });
    await runCustomResource(event('Create', { ApiKeyId: key.id, SecretId: 'shop/a' }), s.cfn, 'secret', (x) => keySecret(s.gateway, client, s.log, x));
    expect(s.responses[1]).toMatchObject({ Status: 'FAILED', Reason: 'ResourceNotFoundException (see the function log)' });
    expect(JSON.stringify(s.responses)).not.toContain(key.value);
    s.fake.calls.length = 0;
    await runCustomResource(event('Delete', { ApiKeyId: key.id, SecretId: 'shop/a' }, `${key.id}/secret`), s.cfn, 'secret', (x) => keySecret(s.gateway, client, s.log, x));
    expect(s.fake.calls).toEqual([]);
    expect(s.responses[2].Status).toBe('SUCCESS');
  });
});
