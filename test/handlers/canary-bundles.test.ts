/**
 * The built canary bundles (assets/rest/canary-*.lambda/index.js, `npx projen bundle`) run for real in a child
 * Node.js process, with the AWS SDK v3 of node_modules (as the Lambda runtime provides it), against local stand-ins:
 * an HTTP API Gateway control plane (GetStage, UpdateStage: PATCH /restapis/{id}/stages/{stage}) and an HTTPS
 * CloudFormation response URL. Measures the rollback handler's time from invocation to answer.
 *
 * AWS rules relied on: UpdateStage is `PATCH /restapis/{restapi_id}/stages/{stage_name}` with a `patchOperations`
 * body (https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateStage.html); the custom resource answer is a PUT of
 * the JSON response to the presigned ResponseURL
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html).
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { API_ID, ERRORS_ALARM_ARN, LATENCY_ALARM_ARN, STAGE } from './support/canary-stage';
import { CANARY_REMOVAL_RESOURCE_TYPE, renderCanaryRemovalProperties, renderCanaryRollbackEnvironment } from '../../src/runtime/canary/contract';
import { LoopbackCertificate, closeAll, cloudFormationResponseServer, listenAll, loopbackCertificate } from '../support/tls';

const ASSETS = path.join(__dirname, '..', '..', 'assets', 'rest');
const NODE_MODULES = path.join(__dirname, '..', '..', 'node_modules');

interface Stage { deploymentId: string; canarySettings?: { deploymentId: string; percentTraffic: number } }

/** Runs the bundle's handler on `event` in a child process; answers what it returned, its time and its stdout. */
async function invoke(bundle: string, event: unknown, env: Record<string, string>): Promise<{ result: any; ms: number; stdout: string }> {
  const script = `const h = require(${JSON.stringify(bundle)}).handler; const t = process.hrtime.bigint();
h(JSON.parse(process.env.EVENT)).then(
  (r) => process.stdout.write('\\nRESULT' + JSON.stringify({ result: r ?? null, ms: Number(process.hrtime.bigint() - t) / 1e6 })),
  (e) => process.stdout.write('\\nRESULT' + JSON.stringify({ error: e.name, ms: 0 })));`;
  const child = spawn(process.execPath, ['-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_PATH: NODE_MODULES,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
      AWS_SECRET_ACCESS_KEY: 'local-test-secret',
      EVENT: JSON.stringify(event),
      ...env,
    },
    timeout: 30_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  await new Promise((resolve) => child.on('close', resolve));
  const marker = stdout.lastIndexOf('RESULT');
  if (marker < 0) throw new Error(`child run failed: ${stderr.slice(-2000)}`);
  return { ...JSON.parse(stdout.slice(marker + 'RESULT'.length)), stdout: stdout.slice(0, marker) };
}

describe('the built canary bundles against local stand-ins', () => {
  let tls: LoopbackCertificate;
  let apiGateway: http.Server;
  let cfn: https.Server;
  let stage: Stage | undefined;
  const requests: Array<{ method: string; url: string; body: any }> = [];
  const cfnResponses: any[] = [];

  beforeAll(async () => {
    tls = loopbackCertificate();
    apiGateway = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const parsed = body ? JSON.parse(body) : undefined;
        requests.push({ method: req.method ?? '', url: req.url ?? '', body: parsed });
        if (req.url !== `/restapis/${API_ID}/stages/${STAGE}` || !stage) {
          res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'NotFoundException' }).end('{"message":"Invalid stage identifier specified"}');
          return;
        }
        const refused = req.method === 'PATCH' && parsed.patchOperations.some((op: any) => {
          if (op.op === 'replace' && op.path === '/canarySettings/percentTraffic' && stage?.canarySettings) stage.canarySettings.percentTraffic = Number(op.value);
          else if (op.op === 'remove' && op.path === '/canarySettings') delete stage?.canarySettings;
          else return true;
          return false;
        });
        if (refused) {
          res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'BadRequestException' }).end('{"message":"Invalid patch path"}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ stageName: STAGE, ...stage }));
      });
    });
    cfn = cloudFormationResponseServer(tls, cfnResponses);
    await listenAll([apiGateway, cfn]);
  });

  afterAll(() => closeAll([apiGateway, cfn], tls));

  beforeEach(() => {
    requests.length = 0;
    cfnResponses.length = 0;
    stage = { deploymentId: 'base01', canarySettings: { deploymentId: 'cand02', percentTraffic: 10 } };
  });

  const endpoint = () => ({ AWS_ENDPOINT_URL_API_GATEWAY: `http://127.0.0.1:${(apiGateway.address() as AddressInfo).port}` });
  const guard = { restApiId: API_ID, stageName: STAGE, guardAlarmArns: [ERRORS_ALARM_ARN, LATENCY_ALARM_ARN] };
  const rollbackEnv = () => ({ ...renderCanaryRollbackEnvironment(guard), ...endpoint() });
  const alarm = (state: string) => ({
    'detail-type': 'CloudWatch Alarm State Change',
    'source': 'aws.cloudwatch',
    'account': '123456789012',
    'region': 'eu-west-1',
    'resources': [ERRORS_ALARM_ARN],
    'detail': { alarmName: 'orders-prod-canary-5xx', state: { value: state, reason: 'Threshold Crossed: secret-looking datapoint 42', timestamp: '2026-01-15T12:00:40.000+0000' } },
  });

  test('rollback bundle: ALARM -> GET then PATCH [replace /canarySettings/percentTraffic 0.0]; logged and counted; time measured', async () => {
    const run = await invoke(path.join(ASSETS, 'canary-rollback.lambda', 'index.js'), alarm('ALARM'), rollbackEnv());
    expect(run.result).toMatchObject({ action: 'rolled-back', previousPercentTraffic: 10, percentTraffic: 0, baseDeploymentId: 'base01' });
    expect(requests).toEqual([
      { method: 'GET', url: `/restapis/${API_ID}/stages/${STAGE}`, body: undefined },
      { method: 'PATCH', url: `/restapis/${API_ID}/stages/${STAGE}`, body: { patchOperations: [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '0.0' }] } },
    ]);
    expect(stage).toEqual({ deploymentId: 'base01', canarySettings: { deploymentId: 'cand02', percentTraffic: 0 } });
    // The record (Powertools JSON log) and the embedded-format metric; never the event's state reason or credentials.
    expect(run.stdout).toContain('"message":"canary rollback"');
    expect(run.stdout).toContain('"CanaryRollback"');
    expect(run.stdout).not.toMatch(/secret-looking|local-test-secret/);
    // Measured on this machine: a rollback takes milliseconds once invoked (EventBridge adds its delivery time).
    expect(run.ms).toBeLessThan(5_000);
    process.stdout.write(`canary rollback bundle: invocation to answer ${run.ms.toFixed(0)} ms\n`);
  });

  test('rollback bundle: OK -> no request at all; an invalid environment fails every invocation', async () => {
    const ok = await invoke(path.join(ASSETS, 'canary-rollback.lambda', 'index.js'), alarm('OK'), rollbackEnv());
    expect(ok.result).toEqual({ action: 'ignored', reason: 'state-ok', alarmName: 'orders-prod-canary-5xx' });
    expect(requests).toEqual([]);
    await expect(invoke(path.join(ASSETS, 'canary-rollback.lambda', 'index.js'), alarm('ALARM'), { ...rollbackEnv(), CANARY_STAGE_NAME: 'bad stage' })).rejects.toThrow('CANARY_STAGE_NAME: is not a REST stage name');
    expect(stage?.canarySettings?.percentTraffic).toBe(10);
  });

  test('custom resources bundle: removal -> GET then PATCH [remove /canarySettings], SUCCESS PUT to the response URL', async () => {
    const responseUrl = `https://127.0.0.1:${(cfn.address() as AddressInfo).port}/response?X-Amz-Signature=secret`;
    const event = {
      RequestType: 'Create',
      ResourceType: CANARY_REMOVAL_RESOURCE_TYPE,
      ResponseURL: responseUrl,
      StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/orders/1',
      RequestId: 'req-1',
      LogicalResourceId: 'ProdCanaryRemoval',
      ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:x', ...renderCanaryRemovalProperties({ restApiId: API_ID, stageName: STAGE, removeCanary: true }), RemoveCanary: 'true' },
    };
    const run = await invoke(path.join(ASSETS, 'canary-removal.lambda', 'index.js'), event, { ...endpoint(), NODE_EXTRA_CA_CERTS: tls.certFile });
    expect(run.result).toBeNull();
    expect(requests.map((r) => [r.method, r.body])).toEqual([['GET', undefined], ['PATCH', { patchOperations: [{ op: 'remove', path: '/canarySettings' }] }]]);
    expect(stage).toEqual({ deploymentId: 'base01' });
    expect(cfnResponses).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: `${API_ID}/${STAGE}/canary-removal`, Data: { Removed: 'true' } })]);
    expect(run.stdout).not.toContain('X-Amz-Signature');
  });
});
