/**
 * A local front for one REST API of the assembly, on 127.0.0.1: `http://127.0.0.1:{port}/{stage}/{path}`.
 * Per request, in API Gateway's order: route match (no method: 403 "Missing Authentication Token"), method
 * throttling (429), authorization (./rest-auth.ts), request validation (./rest-checks.ts), the stage cache
 * (when the stage has a cache cluster and the method setting enables caching: keyed by CacheKeyParameters, with
 * the method setting's TTL; `Cache-Control: max-age=0` from a caller not authorized to invalidate follows
 * `unauthorizedCacheControlHeaderStrategy`), then the integration:
 * - AWS_PROXY: the function gets API Gateway's Lambda proxy event (version 1.0) and must answer
 *   `{ statusCode, headers?, multiValueHeaders?, body?, isBase64Encoded? }`, else 502 "Internal server error"
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html);
 * - MOCK with a static `{"statusCode": N}` template and literal response headers (CORS preflight);
 * - HTTP_PROXY to the integration URI, path parameters mapped, through `httpBackends` origin overrides.
 * Methods the model marked unmodelled answer 501 naming why.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { FrontContext, lambdaHeaders, lambdaQuery, requestTime } from './front-context';
import { LocalUserPool, RestAuthorization } from './rest-auth';
import { RequestParts, cacheKey, gatewayResponse, methodSetting, validateRequest } from './rest-checks';
import { RestApiModel, RestMethodModel } from './rest-model';
import { TokenBucket } from './throttle';

interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: string | Buffer;
}

export interface RestFrontOptions {
  /** Cognito user pool ARN -> the local issuer standing for it. @default - Cognito authorizers answer 500 */
  readonly userPools?: Record<string, LocalUserPool>;
  /** Origin of an HTTP_PROXY URI -> the local origin that answers for it. @default - none: HTTP_PROXY answers 502 */
  readonly httpBackends?: Record<string, string>;
}

/** Matches a request path against a resource path; returns the path parameters. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const t = template === '/' ? [] : template.slice(1).split('/');
  const p = path === '/' || path === '' ? [] : path.replace(/^\//, '').split('/');
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const greedy = /^\{(.+)\+\}$/.exec(t[i]);
    if (greedy) {
      if (i >= p.length) return undefined;
      params[greedy[1]] = p.slice(i).map(decodeURIComponent).join('/');
      return params;
    }
    if (i >= p.length) return undefined;
    const param = /^\{(.+)\}$/.exec(t[i]);
    if (param) params[param[1]] = decodeURIComponent(p[i]);
    else if (t[i] !== decodeURIComponent(p[i])) return undefined;
  }
  return t.length === p.length ? params : undefined;
}

export class RestFront {
  public readonly auth: RestAuthorization;
  /** Integration calls per method (`GET /orders/{id}`), to prove cache hits. */
  public readonly integrationCalls = new Map<string, number>();
  private readonly cache = new Map<string, { readonly response: Response; readonly expires: number }>();
  private readonly buckets = new Map<string, TokenBucket>();
  private server!: http.Server;

  constructor(
    public readonly model: RestApiModel,
    private readonly ctx: FrontContext,
    private readonly options: RestFrontOptions = {},
  ) {
    this.auth = new RestAuthorization(ctx, options.userPools ?? {});
  }

  public get apiId(): string {
    return this.model.apiId;
  }

  public get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** `http://127.0.0.1:{port}/{stage}`. */
  public url(stage: string = this.model.stages[0].name): string {
    return `${this.origin}/${stage}`;
  }

  public async start(port: number = 0): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.handle(req, Buffer.concat(chunks)).then((r) => res.writeHead(r.status, r.headers).end(r.body));
      });
    });
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
  }

  public async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private route(httpMethod: string, path: string): { method: RestMethodModel; params: Record<string, string> } | undefined {
    const candidates = this.model.methods
      .filter((m) => m.httpMethod === httpMethod || m.httpMethod === 'ANY')
      .map((m) => ({ method: m, params: matchPath(m.path, path) }))
      .filter((c): c is { method: RestMethodModel; params: Record<string, string> } => c.params !== undefined);
    // Literal segments win over parameters, parameters over greedy ones, an exact method over ANY.
    const score = (m: RestMethodModel) => m.path.split('/').reduce((n, s) => n * 3 + (s.endsWith('+}') ? 0 : s.startsWith('{') ? 1 : 2), 0) * 2 + (m.httpMethod === 'ANY' ? 0 : 1);
    return candidates.sort((a, b) => score(b.method) - score(a.method))[0];
  }

  private async handle(req: http.IncomingMessage, body: Buffer): Promise<Response> {
    const id = randomUUID();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const [, stageName, ...rest] = url.pathname.split('/');
    const stage = this.model.stages.find((s) => s.name === stageName);
    const path = `/${rest.join('/')}`;
    const httpMethod = req.method ?? 'GET';
    const fail = (responseType: string, status: number, message: string, validation?: string) => {
      this.ctx.log(`${this.model.apiId} ${httpMethod} ${path} ${status} ${responseType}: ${message}`);
      return gatewayResponse(this.model, responseType, status, { message, validation }, id);
    };
    const found = stage && this.route(httpMethod, path);
    if (!stage || !found) return fail('MISSING_AUTHENTICATION_TOKEN', 403, 'Missing Authentication Token');
    const { method, params } = found;
    if (method.unmodelled) return { status: 501, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: method.unmodelled }) };
    const setting = methodSetting(stage.methodSettings, method);
    if (setting?.throttle) {
      const key = `${stage.name} ${setting.resourcePath} ${setting.httpMethod}`;
      let bucket = this.buckets.get(key);
      if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(setting.throttle.rateLimit, setting.throttle.burstLimit)));
      if (!bucket.take()) return fail('THROTTLED', 429, 'Too Many Requests');
    }
    const { headers, multiValueHeaders } = lambdaHeaders(req.rawHeaders);
    const query = lambdaQuery(url.searchParams);
    const methodArn = `arn:aws:execute-api:${this.ctx.region}:${this.ctx.account}:${this.model.apiId}/${stage.name}/${httpMethod}${path}`;
    const requestContext = {
      resourceId: method.resource.logicalId,
      resourcePath: method.path,
      httpMethod,
      extendedRequestId: id.slice(0, 16),
      requestTime: requestTime(),
      path: `/${stage.name}${path}`,
      accountId: this.ctx.account,
      protocol: 'HTTP/1.1',
      stage: stage.name,
      domainPrefix: this.model.apiId,
      requestTimeEpoch: Date.now(),
      requestId: id,
      identity: { sourceIp: '127.0.0.1', userAgent: headers['User-Agent'] ?? headers['user-agent'] ?? null },
      domainName: `${this.model.apiId}.execute-api.${this.ctx.region}.amazonaws.com`,
      apiId: this.model.apiId,
    };
    const event: Record<string, unknown> = {
      resource: method.path,
      path,
      httpMethod,
      headers,
      multiValueHeaders,
      ...query,
      pathParameters: Object.keys(params).length ? params : null,
      stageVariables: Object.keys(stage.variables).length ? stage.variables : null,
      requestContext,
    };
    const contextValues: Record<string, string> = {
      httpMethod,
      resourcePath: method.path,
      path: requestContext.path,
      stage: stage.name,
      requestId: id,
      apiId: this.model.apiId,
    };
    const authRequest = { methodArn, headers, query: url.searchParams, stageVariables: stage.variables, context: contextValues, requestEvent: event };
    const outcome = await this.auth.authorize(method, authRequest);
    if ('status' in outcome) return fail(outcome.responseType, outcome.status, outcome.message);
    const parts: RequestParts = { headers, query: url.searchParams, pathParameters: params, body: body.toString('utf8') };
    const invalid = validateRequest(method, parts);
    if (invalid) return fail(invalid.responseType, 400, invalid.message, invalid.validation);
    const integrate = () => this.integrate(method, methodArn, { ...event, requestContext: { ...requestContext, authorizer: outcome.authorizer }, body: body.length ? body.toString('utf8') : null, isBase64Encoded: false }, params, url, req, body);
    const cached = stage.cacheClusterEnabled && setting?.cachingEnabled && (setting.cacheTtlSeconds ?? 300) > 0;
    if (!cached) return integrate();
    const key = cacheKey(method, parts);
    const entry = this.cache.get(key);
    const invalidate = /max-age=0/.test(String(req.headers['cache-control'] ?? ''));
    if (entry && entry.expires > Date.now()) {
      // No caller here is SigV4-signed with execute-api:InvalidateCache: an invalidation request is unauthorized.
      const strategy = setting!.requireAuthorizationForCacheControl === false ? 'ALLOW' : setting!.unauthorizedCacheControlHeaderStrategy ?? 'SUCCEED_WITH_RESPONSE_HEADER';
      if (invalidate && strategy === 'FAIL_WITH_403') return fail('UNAUTHORIZED', 403, 'User is not authorized to invalidate the cache');
      if (!invalidate || strategy !== 'ALLOW') return entry.response;
    }
    const response = await integrate();
    if (response.status >= 200 && response.status < 300) {
      this.cache.set(key, { response, expires: Date.now() + (setting!.cacheTtlSeconds ?? 300) * 1000 });
    }
    return response;
  }

  private async integrate(
    method: RestMethodModel,
    sourceArn: string,
    event: Record<string, unknown>,
    params: Record<string, string>,
    url: URL,
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<Response> {
    const routeKey = `${method.httpMethod} ${method.path}`;
    this.integrationCalls.set(routeKey, (this.integrationCalls.get(routeKey) ?? 0) + 1);
    const i = method.integration!;
    const error = (status: number, message: string): Response => {
      this.ctx.log(`${this.model.apiId} ${routeKey} ${status}: ${message}`);
      return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: status === 502 ? 'Internal server error' : message }) };
    };
    if (i.type === 'MOCK') return { status: i.statusCode, headers: i.headers, body: '' };
    if (i.type === 'HTTP_PROXY') {
      const target = new URL(i.uri.replace(/\{([^}+]+)\+?\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? '')));
      const local = this.options.httpBackends?.[target.origin];
      if (!local) return error(502, `HTTP_PROXY to ${target.origin} has no local backend`);
      target.search = url.search;
      return new Promise<Response>((resolve) => {
        const out = http.request(`${local}${target.pathname}${target.search}`, { method: i.httpMethod === 'ANY' ? req.method : i.httpMethod, headers: { ...req.headers, host: target.host } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks) }));
        });
        out.on('error', (e) => resolve(error(502, e.message)));
        out.end(body);
      });
    }
    const out = await this.ctx.invoke(i.functionArn, sourceArn, event);
    if ('denied' in out) return error(500, out.denied);
    if ('error' in out) return error(502, `${out.error.errorType}: ${out.error.errorMessage}`);
    const r = out.result;
    if (!r || typeof r !== 'object' || typeof r.statusCode !== 'number' || (r.body !== undefined && r.body !== null && typeof r.body !== 'string')) {
      return error(502, 'Malformed Lambda proxy response');
    }
    const headers: Record<string, string | string[]> = { 'content-type': 'application/json', ...(r.headers ?? {}) };
    for (const [k, v] of Object.entries<string[]>(r.multiValueHeaders ?? {})) headers[k] = v;
    return { status: r.statusCode, headers, body: r.isBase64Encoded ? Buffer.from(r.body ?? '', 'base64') : (r.body ?? '') };
  }
}
