/**
 * Runs each BUILT MonetizedApi bundle (assets/monetized-api/<name>.lambda/index.js, from `projen bundle`) once in a
 * child Node.js process, as Lambda would, with the real AWS SDK v3 pointed at local stand-ins through the
 * service-specific endpoint variables (AWS_ENDPOINT_URL_<SERVICE>): the customer table on dynalite, API Gateway,
 * Secrets Manager, Marketplace Metering and S3 on a local HTTP server, and CloudFormation's presigned response URL
 * on a local HTTPS server the child trusts through NODE_EXTRA_CA_CERTS. Proves each bundle loads, reads its
 * environment and handles one request; what the logs hold is checked for key values.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { startAwsStub, AwsStub } from './support/monetized-aws-stub';
import { ApiAuthorization, MonetizedApi } from '../../src';
import { FakeApiGateway, FakeClock } from '../handlers/support/monetized-fakes';
import { createCustomerTable } from '../handlers/support/monetized-setup';
import { LocalDynamo, startDynalite } from '../support/dynalite';
import { newStack } from '../support/fixtures';
import { LoopbackCertificate, loopbackCertificate } from '../support/tls';

const ASSETS = path.join(__dirname, '..', '..', 'assets', 'monetized-api');
const bundle = (name: string) => path.join(ASSETS, `${name}.lambda`, 'index.js');
const TABLE = 'bundle-customers';

let dynamo: LocalDynamo;
let stub: AwsStub;
let tls: LoopbackCertificate;
let cfn: https.Server;
let responseUrl: string;
const cfnResponses: Array<Record<string, any>> = [];

beforeAll(async () => {
  dynamo = await startDynalite();
  await createCustomerTable(dynamo.client, TABLE);
  const fake = new FakeApiGateway(new FakeClock(), 500);
  fake.plan('planbasic');
  fake.plan('planmp', [{ apiId: 'api1234567', stage: 'mp' }]);
  stub = await startAwsStub(fake);
  tls = loopbackCertificate();
  cfn = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      cfnResponses.push(JSON.parse(data));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => cfn.listen(0, '127.0.0.1', resolve));
  responseUrl = `https://127.0.0.1:${(cfn.address() as AddressInfo).port}/response?X-Amz-Signature=secret`;
});

afterAll(async () => {
  cfn.closeAllConnections();
  await new Promise<void>((resolve) => cfn.close(() => resolve()));
  tls.dispose();
  await stub.close();
  await dynamo.close();
});

/** Invokes the bundle's handler once; resolves to its result and everything else the child printed (its logs). */
async function invoke(name: string, event: unknown, env: Record<string, string> = {}): Promise<{ result: any; output: string }> {
  const script = `
    const { handler } = require(${JSON.stringify(bundle(name))});
    handler(JSON.parse(process.env.EVENT)).then(
      (r) => process.stdout.write('\\nRESULT' + JSON.stringify(r === undefined ? null : r) + '\\n'),
      (e) => { process.stdout.write('\\nRESULT' + JSON.stringify({ thrown: e.name }) + '\\n'); });`;
  const child = spawn(process.execPath, ['-e', script], {
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_API_GATEWAY: stub.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_S3: stub.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: stub.endpoint,
      AWS_ENDPOINT_URL_MARKETPLACE_METERING: stub.endpoint,
      NODE_EXTRA_CA_CERTS: tls.certFile,
      CUSTOMER_TABLE: TABLE,
      TIERS: 'basic=planbasic,mp=planmp',
      TIER_PRODUCT_CODES: 'mp=prod-mp-123',
      KEY_NAME_PREFIX: 'bundle-',
      EVENT: JSON.stringify(event),
      ...env,
    },
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  await new Promise((resolve) => child.on('close', resolve));
  const line = output.split('\n').find((l) => l.startsWith('RESULT'));
  if (!line) throw new Error(`bundle ${name} printed no result: ${output.slice(0, 2000)}`);
  return { result: JSON.parse(line.slice('RESULT'.length)), output: output.split('\n').filter((l) => l !== line).join('\n') };
}

const cfnEvent = (RequestType: string, props: Record<string, string>, PhysicalResourceId?: string) => ({
  RequestType,
  ResponseURL: responseUrl,
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/shop/1',
  RequestId: `req-${cfnResponses.length}`,
  LogicalResourceId: 'Resource',
  ...(PhysicalResourceId ? { PhysicalResourceId } : {}),
  ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:x', ...props },
});

test('the seven bundles exist and stay small (the AWS SDK is external)', () => {
  for (const name of ['admin', 'usage-export', 'marketplace-registration', 'marketplace-events', 'product-code', 'tier-cleanup', 'key-secret']) {
    const size = fs.statSync(bundle(name)).size;
    expect(size).toBeLessThan(80 * 1024);
    expect(fs.readFileSync(bundle(name), 'utf8')).not.toMatch(/require\("@aws-sdk\/client-api-gateway\/dist/);
  }
});

test('admin: POST /admin/customers creates the key in the tier plan and the record in the table; the value is never logged', async () => {
  const event = {
    httpMethod: 'POST',
    resource: '/admin/customers',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerId: 'acme', tier: 'basic' }),
    requestContext: { requestId: 'r1', identity: { userArn: 'arn:aws:iam::123456789012:user/ops' } },
  };
  const { result, output } = await invoke('admin', event);
  expect(result.statusCode).toBe(201);
  const body = JSON.parse(result.body);
  expect(stub.fake.keys.get(body.keyId)).toMatchObject({ name: 'bundle-acme.1', value: body.apiKey });
  expect(stub.fake.plansOf(body.keyId)).toEqual(['planbasic']);
  expect(output).toContain('customer created');
  expect(output).not.toContain(body.apiKey);
});

test('usage-export: a scheduled event writes each tier\'s day to S3 as JSON Lines', async () => {
  const keyId = [...stub.fake.keys.values()].find((k) => k.name === 'bundle-acme.1')!.id;
  stub.fake.setUsage('planbasic', keyId, '2026-03-01', 12, 988);
  const { result } = await invoke('usage-export', { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'time': '2026-03-02T01:00:00Z' }, { REPORT_BUCKET: 'usage-reports' });
  expect(result).toMatchObject({ objects: 2, records: 1 });
  const object = stub.objects.get('usage-reports/usage/tier=basic/date=2026-03-01.jsonl')!;
  expect(object.body).toContain(`"keyId":"${keyId}","customerId":"acme","used":12,"remaining":988`);
  expect(stub.objects.has('usage-reports/usage/tier=mp/date=2026-03-01.jsonl')).toBe(true);
});

/**
 * The metrics an embedded-metric-format log line publishes, read as CloudWatch reads them: each directive of
 * `_aws.CloudWatchMetrics` names a namespace, dimension sets (names; values are root members) and metrics (values
 * are root members).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
function emfMetrics(output: string): Array<{ namespace: string; name: string; dimensions: Record<string, string>; value: unknown }> {
  const metrics = [];
  for (const line of output.split('\n')) {
    let doc: any;
    try { doc = JSON.parse(line); } catch { continue; }
    for (const directive of doc?._aws?.CloudWatchMetrics ?? []) {
      for (const set of directive.Dimensions as string[][]) {
        for (const m of directive.Metrics as Array<{ Name: string }>) {
          const dimensions = Object.fromEntries(set.map((d) => [d, doc[d]]));
          metrics.push({ namespace: directive.Namespace, name: m.Name, dimensions, value: doc[m.Name] });
        }
      }
    }
  }
  return metrics;
}

test('usage-export publishes the quota metric exactly as the near-quota alarm reads it (namespace, name, whole dimension set)', async () => {
  // CloudWatch treats each combination of dimensions as a separate metric: an alarm sees a published value only when
  // its namespace, name and every dimension name and value match.
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension
  const keyId = [...stub.fake.keys.values()].find((k) => k.name === 'bundle-acme.1')!.id;
  stub.fake.setUsage('planbasic', keyId, '2026-03-01', 12, 988);
  const scheduled = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'time': '2026-03-02T01:00:00Z' };
  const { output } = await invoke('usage-export', scheduled, { REPORT_BUCKET: 'usage-reports' });
  const published = emfMetrics(output).filter((m) => m.name === 'LowestRemainingQuota');
  expect(published).toContainEqual(expect.objectContaining({ dimensions: expect.objectContaining({ UsagePlanId: 'planbasic' }), value: 988 }));

  const stack = newStack();
  const api = new MonetizedApi(stack, 'Api', {
    authorization: ApiAuthorization.iam(),
    tiers: [{ name: 'basic', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: apigateway.Period.MONTH } }],
  });
  api.addRoute('GET', '/x', new apigateway.HttpIntegration('https://backend.example.com/x'));
  const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'LowestRemainingQuota' } }));
  expect(alarms).toHaveLength(1);
  const alarm = alarms[0].Properties;
  const planDimension = alarm.Dimensions.find((d: { Name: string }) => d.Name === 'UsagePlanId');
  expect(planDimension.Value).toEqual({ Ref: expect.stringMatching(/Plan/) });
  // The bundle's line for plan P: the alarm's literal dimensions, with the plan's id for its Ref.
  const line = published.find((m) => m.dimensions.UsagePlanId === 'planbasic')!;
  const expected = Object.fromEntries(alarm.Dimensions.map((d: { Name: string; Value: unknown }) => [d.Name, d === planDimension ? 'planbasic' : d.Value]));
  expect({ namespace: line.namespace, name: line.name, dimensions: line.dimensions }).toEqual({
    namespace: alarm.Namespace,
    name: alarm.MetricName,
    dimensions: expected,
  });
});

test('marketplace-registration: the buyer token is resolved and the buyer gets a key with its customerId in the product\'s tier', async () => {
  stub.answers.set('AWSMPMeteringService.ResolveCustomer', { CustomerIdentifier: 'CUST0001', ProductCode: 'prod-mp-123', CustomerAWSAccountId: '111122223333' });
  const event = { httpMethod: 'POST', resource: '/marketplace/register', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'x-amzn-marketplace-token=tok%2Fabc' };
  const { result, output } = await invoke('marketplace-registration', event);
  expect(result.statusCode).toBe(201);
  expect(stub.jsonCalls.find((c) => c.target === 'AWSMPMeteringService.ResolveCustomer')!.input).toEqual({ RegistrationToken: 'tok/abc' });
  const body = JSON.parse(result.body);
  expect(stub.fake.keys.get(body.keyId)!.customerId).toBe('CUST0001');
  expect(stub.fake.plansOf(body.keyId)).toEqual(['planmp']);
  expect(output).not.toContain('tok/abc');
});

test('marketplace-events: unsubscribe-success through SQS detaches the buyer\'s key', async () => {
  const keyId = [...stub.fake.keys.values()].find((k) => k.customerId === 'CUST0001')!.id;
  const message = { 'action': 'unsubscribe-success', 'customer-identifier': 'CUST0001', 'product-code': 'prod-mp-123' };
  const event = { Records: [{ messageId: 'm1', body: JSON.stringify({ Type: 'Notification', Timestamp: '2026-03-02T00:00:00Z', Message: JSON.stringify(message) }) }] };
  const { result } = await invoke('marketplace-events', event);
  expect(result).toEqual({ batchItemFailures: [] });
  expect(stub.fake.plansOf(keyId)).toEqual([]);
});

test('product-code: Create sets the plan\'s product code and answers SUCCESS on the presigned URL (never logged)', async () => {
  const { output } = await invoke('product-code', cfnEvent('Create', { UsagePlanId: 'planmp', ProductCode: 'prod-mp-123' }));
  expect(stub.fake.plans.get('planmp')!.productCode).toBe('prod-mp-123');
  expect(cfnResponses.at(-1)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'planmp/product-code' });
  expect(output).not.toContain('X-Amz-Signature');
});

test('key-secret: Create publishes the generated key value to Secrets Manager, and nowhere else', async () => {
  const key = stub.fake.CreateApiKey({ name: 'static-a', enabled: true });
  stub.answers.set('secretsmanager.PutSecretValue', { ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf', VersionId: 'v1' });
  const { output } = await invoke('key-secret', cfnEvent('Create', { ApiKeyId: key.id, SecretId: 'shop/static-a' }));
  const put = stub.jsonCalls.find((c) => c.target === 'secretsmanager.PutSecretValue')!.input;
  expect(JSON.parse(put.SecretString)).toEqual({ apiKeyId: key.id, apiKey: key.value });
  expect(cfnResponses.at(-1)).toMatchObject({ Status: 'SUCCESS', Data: { ApiKeyId: key.id, SecretVersionId: 'v1' } });
  expect(JSON.stringify(cfnResponses)).not.toContain(key.value);
  expect(output).not.toContain(key.value);
});

test('tier-cleanup: Delete with DeletePlan detaches stages and keys, then deletes the plan', async () => {
  const { result } = await invoke('tier-cleanup', cfnEvent('Delete', { UsagePlanId: 'planbasic', DeletePlan: 'true' }, 'planbasic/cleanup'));
  expect(result).toBeNull();
  expect(cfnResponses.at(-1)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'planbasic/cleanup' });
  expect(stub.fake.plans.has('planbasic')).toBe(false);
  const ops = stub.fake.ops();
  expect(ops.lastIndexOf('UpdateUsagePlan')).toBeLessThan(ops.lastIndexOf('DeleteUsagePlan'));
});
