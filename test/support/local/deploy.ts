/**
 * What CloudFormation does at deploy time beyond creating resources: custom resources. Each `Custom::*` (or
 * `AWS::CloudFormation::CustomResource`) whose `ServiceToken` is a function of the assembly is invoked with a
 * `Create` request, once the fronts run; it answers on a presigned-URL stand-in (HTTPS on 127.0.0.1) and may call
 * the API Gateway control plane, whose stand-in (`UpdateStage` on a REST stage's method settings, SigV4-signed by
 * a role allowed `apigateway:PATCH` on the stage) changes the local front as the call would change the stage.
 * A FAILED answer, or none within 30 s, fails the start: the deployment would fail.
 *
 * Sources: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html,
 * https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateStage.html (patch paths
 * `/{resourcePath}/{httpMethod}/caching/...`, `~1` for `/`).
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import { allResources } from './assembly';
import { NotModelled } from './intrinsics';
import type { LocalCloud } from './local-cloud';
import type { RestFront } from './rest-front';
import { checkSignature } from './sigv4';
import { LoopbackCertificate } from '../tls';

/** The API Gateway control plane, as far as custom resources of the assembly use it. */
export class ControlPlane {
  public readonly calls: string[] = [];
  private server!: http.Server;

  constructor(
    private readonly cloud: LocalCloud,
    private readonly restFronts: () => RestFront[],
  ) {}

  public get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.handle(req, Buffer.concat(chunks)).then(([status, body]) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
  }

  public async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: http.IncomingMessage, body: Buffer): Promise<[number, unknown]> {
    this.calls.push(`${req.method} ${req.url}`);
    const signature = await checkSignature(req, body, { service: 'apigateway', region: this.cloud.region }, this.cloud.credentials);
    if ('refused' in signature) return [403, { message: signature.refused }];
    const m = /^\/restapis\/([^/]+)\/stages\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method !== 'PATCH' || !m) return [400, { message: `${req.method} ${req.url} is not modelled by the local control plane` }];
    const resource = `arn:aws:apigateway:${this.cloud.region}::/restapis/${m[1]}/stages/${decodeURIComponent(m[2])}`;
    if (!this.cloud.allows(signature.credential, 'apigateway:PATCH', resource)) return [403, { message: `not authorized to perform apigateway:PATCH on ${resource}` }];
    const stage = this.restFronts().find((f) => f.apiId === m[1])?.model.stages.find((s) => s.name === decodeURIComponent(m[2]));
    if (!stage) return [404, { message: 'Invalid stage identifier specified' }];
    const ops = (JSON.parse(body.toString('utf8')).patchOperations ?? []) as Array<{ op: string; path: string; value: string }>;
    for (const op of ops) {
      const p = /^\/(.+)\/([^/]+)\/caching\/(requireAuthorizationForCacheControl|unauthorizedCacheControlHeaderStrategy)$/.exec(op.path);
      if (op.op !== 'replace' || !p) return [400, { message: `the patch ${op.op} ${op.path} is not modelled` }];
      const resourcePath = p[1] === '*' ? '/*' : `/${p[1]}`;
      let setting = stage.methodSettings.find((s) => s.resourcePath === resourcePath && s.httpMethod === p[2]);
      if (!setting) stage.methodSettings.push((setting = { resourcePath, httpMethod: p[2] }));
      if (p[3] === 'requireAuthorizationForCacheControl') setting.requireAuthorizationForCacheControl = op.value === 'true';
      else setting.unauthorizedCacheControlHeaderStrategy = op.value;
    }
    // A stage-wide setting applies to the methods with their own settings too.
    const wide = stage.methodSettings.find((s) => s.resourcePath === '/*' && s.httpMethod === '*');
    for (const s of stage.methodSettings) {
      s.requireAuthorizationForCacheControl ??= wide?.requireAuthorizationForCacheControl;
      s.unauthorizedCacheControlHeaderStrategy ??= wide?.unauthorizedCacheControlHeaderStrategy;
    }
    return [200, { stageName: stage.name }];
  }
}

/** Runs the custom resources of the assembly (Create); throws when one fails. */
export async function runCustomResources(cloud: LocalCloud, tls: LoopbackCertificate): Promise<string[]> {
  const answers = new Map<string, (body: any) => void>();
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200).end();
      answers.get(req.url ?? '')?.(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const done: string[] = [];
  try {
    const custom = allResources(cloud.assembly).filter((r) => r.type.startsWith('Custom::') || r.type === 'AWS::CloudFormation::CustomResource');
    for (const r of custom) {
      const where = `${r.stack.path}/${r.logicalId}`;
      const properties = cloud.resolver.resolve(r.stack, r.properties, where);
      const token = String(properties.ServiceToken);
      const fn = cloud.functions.get(token) ?? cloud.functions.get(cloud.defineByArn(token, where).arn)!;
      await fn.start();
      const path = `/${randomUUID()}`;
      const answer = new Promise<any>((resolve, reject) => {
        answers.set(path, resolve);
        setTimeout(() => reject(new NotModelled(where, `a custom resource that did not answer within 30 s (its output: ${fn.output.slice(-1500)})`)), 30_000).unref();
      });
      const invoked = fn.invoke({
        RequestType: 'Create',
        ServiceToken: properties.ServiceToken,
        ResponseURL: `https://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
        StackId: cloud.resolver.arn('cloudformation', `stack/${r.stack.stackName}/${randomUUID()}`),
        RequestId: randomUUID(),
        LogicalResourceId: r.logicalId,
        ResourceType: r.type,
        ResourceProperties: properties,
      });
      const failed = invoked.then((out) => ('error' in out ? { Status: 'FAILED', Reason: `${out.error.errorType}: ${out.error.errorMessage}` } : answer));
      const body = await Promise.race([answer, failed]);
      await invoked;
      if (body.Status !== 'SUCCESS') throw new Error(`${where}: the custom resource answered ${body.Status}: ${body.Reason} (the deployment would fail)`);
      done.push(`${where} (${r.type}): SUCCESS`);
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
  return done;
}
