/**
 * Local stand-ins, on 127.0.0.1 port 0, for the services the monetization bundles call, speaking each service's
 * wire protocol so the real AWS SDK v3 inside the bundles talks to them unchanged:
 * - API Gateway (REST JSON: `/apikeys`, `/usageplans/...`, lists under `item`, usage under `values`, errors named
 *   by `x-amzn-errortype`), backed by the rule-enforcing model of test/handlers/support/monetized-fakes.ts;
 * - Secrets Manager and Marketplace Metering (JSON 1.1, `X-Amz-Target`);
 * - S3 (path-style PUT object).
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { FakeApiGateway } from '../../handlers/support/monetized-fakes';

export interface AwsStub {
  readonly endpoint: string;
  readonly fake: FakeApiGateway;
  /** JSON 1.1 calls received: target and input. */
  readonly jsonCalls: Array<{ target: string; input: any }>;
  /** S3 objects received, by `bucket/key`. */
  readonly objects: Map<string, { body: string; headers: http.IncomingHttpHeaders }>;
  /** Answers for JSON 1.1 targets. */
  readonly answers: Map<string, unknown>;
  close(): Promise<void>;
}

function body(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data));
  });
}

/** The model operation and its input for one API Gateway REST request. */
function apiGatewayCall(method: string, url: URL, json: any): [string, any] | undefined {
  const q = Object.fromEntries(url.searchParams);
  const limit = q.limit ? Number(q.limit) : undefined;
  const bool = (v?: string) => v === 'true';
  const p = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const route = `${method} /${p.map((s, i) => (i % 2 === 1 ? '*' : s)).join('/')}`;
  switch (route) {
    case 'POST /apikeys': return ['CreateApiKey', json];
    case 'GET /apikeys': return ['GetApiKeys', { nameQuery: q.name, customerId: q.customerId, includeValues: bool(q.includeValues), limit, position: q.position }];
    case 'GET /apikeys/*': return ['GetApiKey', { apiKey: p[1], includeValue: bool(q.includeValue) }];
    case 'PATCH /apikeys/*': return ['UpdateApiKey', { apiKey: p[1], ...json }];
    case 'DELETE /apikeys/*': return ['DeleteApiKey', { apiKey: p[1] }];
    case 'GET /usageplans': return ['GetUsagePlans', { keyId: q.keyId, limit, position: q.position }];
    case 'GET /usageplans/*': return ['GetUsagePlan', { usagePlanId: p[1] }];
    case 'PATCH /usageplans/*': return ['UpdateUsagePlan', { usagePlanId: p[1], ...json }];
    case 'DELETE /usageplans/*': return ['DeleteUsagePlan', { usagePlanId: p[1] }];
    case 'POST /usageplans/*/keys': return ['CreateUsagePlanKey', { usagePlanId: p[1], ...json }];
    case 'GET /usageplans/*/keys': return ['GetUsagePlanKeys', { usagePlanId: p[1], limit, position: q.position }];
    case 'GET /usageplans/*/keys/*': return ['GetUsagePlanKey', { usagePlanId: p[1], keyId: p[3] }];
    case 'DELETE /usageplans/*/keys/*': return ['DeleteUsagePlanKey', { usagePlanId: p[1], keyId: p[3] }];
    case 'GET /usageplans/*/usage':
      return ['GetUsage', { usagePlanId: p[1], startDate: q.startDate, endDate: q.endDate, keyId: q.keyId, limit, position: q.position }];
    default: return undefined;
  }
}

const ERROR_STATUS: Record<string, number> = {
  NotFoundException: 404, ConflictException: 409, BadRequestException: 400, LimitExceededException: 429, TooManyRequestsException: 429,
};
const STATUS: Record<string, number> = {
  CreateApiKey: 201, CreateUsagePlanKey: 201, DeleteApiKey: 202, DeleteUsagePlan: 202, DeleteUsagePlanKey: 202,
};

function send(res: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(payload === undefined ? '' : JSON.stringify(payload));
}

export async function startAwsStub(fake: FakeApiGateway): Promise<AwsStub> {
  const jsonCalls: AwsStub['jsonCalls'] = [];
  const objects: AwsStub['objects'] = new Map();
  const answers: AwsStub['answers'] = new Map();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = await body(req);
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string') {
      jsonCalls.push({ target, input: JSON.parse(text || '{}') });
      return send(res, 200, answers.get(target) ?? {}, { 'content-type': 'application/x-amz-json-1.1' });
    }
    if (req.method === 'PUT' && !url.pathname.startsWith('/apikeys') && !url.pathname.startsWith('/usageplans')) {
      objects.set(decodeURIComponent(url.pathname.slice(1)), { body: text, headers: req.headers });
      return res.writeHead(200, { etag: '"1"' }).end();
    }
    const call = apiGatewayCall(req.method ?? 'GET', url, text ? JSON.parse(text) : {});
    if (!call) return send(res, 404, { message: `no route ${req.method} ${url.pathname}` }, { 'x-amzn-errortype': 'NotFoundException' });
    try {
      const out = (fake as any)[call[0]](call[1]);
      if (STATUS[call[0]] === 202) return res.writeHead(202).end();
      const { items, ...rest } = out ?? {};
      const payload = call[0] === 'GetUsage' ? { ...rest, values: items } : items !== undefined ? { ...rest, item: items } : out;
      return send(res, STATUS[call[0]] ?? 200, payload);
    } catch (e) {
      const error = e as { name: string; message: string; $metadata?: unknown };
      const status = ERROR_STATUS[error.name] ?? 500;
      return send(res, status, { message: error.message }, { 'x-amzn-errortype': error.name });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fake,
    jsonCalls,
    objects,
    answers,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
