/**
 * The local playground: synthesizes the example app (examples/app.ts) and serves its chat and REST APIs on
 * 127.0.0.1 with the local fronts of test/support/local (driven by the cloud assembly, against dynalite and the
 * local SQS), plus a small browser chat page. The example's identity providers are not reachable here, so the
 * playground runs a local token issuer and says which values it overrides; everything else is as synthesized.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildExample } from '../../examples/app';
import { allResources, loadAssembly } from '../../test/support/local/assembly';
import { LocalIssuer, startLocalIssuer } from '../../test/support/local/issuer';
import { LocalCloud, startLocalCloud } from '../../test/support/local/local-cloud';
import { LocalUserPool } from '../../test/support/local/rest-auth';

export interface PlaygroundOptions {
  /** Port of the chat page. @default 8080 */
  readonly port?: number;
  /** Ports of the chat (WebSocket) and REST fronts. @default - any free port */
  readonly webSocketPort?: number;
  readonly restPort?: number;
  /** Print function output. @default false */
  readonly echoLogs?: boolean;
}

export interface Playground {
  readonly pageUrl: string;
  readonly chatUrl: string;
  readonly restUrls: string[];
  /** What the playground changes in the assembly and what the fronts do not model (printed at start). */
  readonly notes: string[];
  readonly cloud: LocalCloud;
  close(): Promise<void>;
}

const PUBLIC = path.join(__dirname, 'public');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** An in-memory stand-in for the example's HTTP backend (orders.internal.example.com). */
function ordersBackend(): http.Server {
  const orders = new Map<string, unknown>();
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = /^\/orders\/([^/?]+)/.exec(req.url ?? '')?.[1];
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'POST') {
        const order = { id: String(orders.size + 1), ...JSON.parse(Buffer.concat(chunks).toString() || '{}') };
        orders.set(order.id, order);
        return send(201, order);
      }
      if (id) return orders.has(id) ? send(200, orders.get(id)) : send(404, { message: 'no such order' });
      return send(200, [...orders.values()]);
    });
  });
}

export async function startPlayground(options: PlaygroundOptions = {}): Promise<Playground> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'playground-'));
  const app = new App({ outdir });
  buildExample(app);
  app.synth();
  // What has started so far, stopped in reverse order if a later step throws (a failed start must not leave the
  // issuer, the backend or the fronts listening: a test run would hang on them).
  const started: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    fs.rmSync(outdir, { recursive: true, force: true });
  };
  const stopServer = (s: http.Server) => async () => {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  };
  try {
    const issuer: LocalIssuer = await startLocalIssuer();
    started.push(() => issuer.close());
    const backend = ordersBackend();
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    started.push(stopServer(backend));
    const backendOrigin = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    // Every Cognito user pool the REST authorizers name is served by the local issuer.
    const userPools: Record<string, LocalUserPool> = {};
    const ca = fs.readFileSync(issuer.certFile, 'utf8');
    for (const a of allResources(loadAssembly(outdir), 'AWS::ApiGateway::Authorizer')) {
      for (const arn of (a.properties.ProviderARNs ?? []) as string[]) userPools[arn] = { issuer: issuer.issuer, jwksUri: issuer.jwksUri, ca };
    }
    const cloud = await startLocalCloud(outdir, {
      extraCaCerts: issuer.certFile,
      echoLogs: options.echoLogs,
      webSocketPorts: options.webSocketPort !== undefined ? [options.webSocketPort] : undefined,
      restPorts: options.restPort !== undefined ? [options.restPort] : undefined,
      tolerateUnmodelledMethods: true,
      overrides: [
        { whenVariable: 'JWT_ISSUER', variables: { JWT_ISSUER: issuer.issuer, JWT_JWKS_URI: issuer.jwksUri }, reason: 'the example\'s issuer is not reachable here: the playground\'s local issuer signs tokens' },
      ],
      rest: { userPools, httpBackends: { 'https://orders.internal.example.com': backendOrigin } },
    });
    started.push(() => cloud.close());
    const chat = cloud.webSockets[0];
    const audience = [...cloud.functions.values()].map((f) => f.definition.environment.JWT_AUDIENCE).find(Boolean) ?? 'chat';
    const notes = [
      ...cloud.overridden.map((o) => `override: ${o}`),
      ...Object.keys(userPools).map((arn) => `override: the Cognito user pool ${arn} is the local issuer ${issuer.issuer} (tokens from /token)`),
      `override: HTTP backend https://orders.internal.example.com is a local in-memory orders store at ${backendOrigin}`,
      ...cloud.rest.flatMap((f) => f.model.methods.filter((m) => m.unmodelled).map((m) => `not modelled, answers 501: ${m.httpMethod} ${m.path} (${m.unmodelled})`)),
      ...cloud.deployed.map((d) => `deploy step run: ${d}`),
      'not modelled: WAF, usage plans and API keys, IAM caller policies, custom domains, VTL mapping templates, TTL expiry, KMS, CloudWatch logs and alarms (see docs/local-fronts.md)',
    ];
    const page = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/config.json') {
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ chatUrl: chat.url(), restUrls: cloud.rest.map((f) => f.url()) }));
      }
      if (url.pathname === '/token') {
        const user = url.searchParams.get('user') ?? '';
        if (!/^[A-Za-z0-9_.-]{1,64}$/.test(user)) return void res.writeHead(400).end('user must be 1-64 letters, digits, ".", "_" or "-"');
        const chatToken = issuer.token(user, { aud: audience, scope: 'chat' });
        const ordersToken = issuer.token(user, { client_id: 'playground', token_use: 'access', scope: 'orders/read orders/write' });
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ chatToken, ordersToken }));
      }
      const file = path.join(PUBLIC, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname).replace(/^([/\\])+/, ''));
      if (!file.startsWith(PUBLIC) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return void res.writeHead(404).end('not found');
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(fs.readFileSync(file));
    });
    await new Promise<void>((resolve, reject) => page.once('error', reject).listen(options.port ?? 8080, '127.0.0.1', resolve));
    started.push(stopServer(page));
    const pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
    return {
      pageUrl,
      chatUrl: chat.url(),
      restUrls: cloud.rest.map((f) => f.url()),
      notes,
      cloud,
      close: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
