/**
 * The admin routes (ADMIN_ROUTES in ./contract.ts under ADMIN_BASE_PATH): an API Gateway REST proxy event in, JSON
 * out. The construct puts them behind IAM authorization; the handler refuses a request that API Gateway did not
 * sign in with IAM (no caller ARN) as well. Every input is validated; bodies, key values and tokens are never
 * logged (the caller's ARN is, for the audit trail). No CDK imports: runs inside Lambda.
 */
import { ADMIN_ROUTES, AdminOperation, CUSTOMER_ID, TIER_NAME } from './contract';
import { createCustomer, MonetizedDependencies, OperationResult, requireTier } from './customers';
import { HttpError, toHttpError } from './errors';
import { getCustomer, listCustomers, moveCustomer, revokeCustomer, rotateKey } from './lifecycle';
import { checkRange, tierUsage, UsageRecord } from './usage';

/** The REST proxy event fields used here. */
export interface AdminEvent {
  readonly httpMethod?: string;
  readonly resource?: string;
  readonly pathParameters?: Record<string, string | undefined> | null;
  readonly queryStringParameters?: Record<string, string | undefined> | null;
  readonly headers?: Record<string, string | undefined> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: { readonly requestId?: string; readonly identity?: { readonly userArn?: string | null } };
}

/** A REST proxy answer. */
export interface ProxyResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Largest body accepted. */
export const MAX_BODY_BYTES = 4096;
/** Customers per list page: default and largest. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 100;
/** Records an inline usage report returns at most (Lambda answers at most 6 MB); larger ranges go to the export. */
export const MAX_INLINE_RECORDS = 10_000;

const HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

export function respond(result: OperationResult, extraHeaders: Record<string, string> = {}): ProxyResult {
  return { statusCode: result.statusCode, headers: { ...HEADERS, ...extraHeaders }, body: JSON.stringify(result.body) };
}

/** The route's operation, from the method and the resource template under the base path. */
export function routeOf(basePath: string, event: AdminEvent): AdminOperation | undefined {
  const resource = event.resource ?? '';
  if (!resource.startsWith(basePath)) return undefined;
  const path = resource.slice(basePath.length);
  return ADMIN_ROUTES.find((r) => r.method === event.httpMethod && r.path === path)?.operation;
}

/** The JSON object body with only `allowed` fields, each a string. */
export function parseBody(event: AdminEvent, allowed: readonly string[]): Record<string, string> {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new HttpError(413, 'BodyTooLarge', `the body is larger than ${MAX_BODY_BYTES} bytes`);
  const type = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new HttpError(415, 'UnsupportedMediaType', 'the body must be application/json');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'InvalidJson', 'the body is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'InvalidBody', 'the body must be a JSON object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    if (!allowed.includes(k)) throw new HttpError(400, 'InvalidBody', `unknown field "${k.slice(0, 64)}": allowed ${allowed.join(', ')}`);
    if (typeof v !== 'string') throw new HttpError(400, 'InvalidBody', `${k} must be a string`);
    out[k] = v;
  }
  return out;
}

function checked(value: string | undefined, pattern: RegExp, name: string, required = true): string | undefined {
  if (value === undefined || value === '') {
    if (required) throw new HttpError(400, `Invalid${name[0].toUpperCase()}${name.slice(1)}`, `${name} is required`);
    return undefined;
  }
  if (!pattern.test(value)) {
    throw new HttpError(400, `Invalid${name[0].toUpperCase()}${name.slice(1)}`, `invalid ${name} "${value.slice(0, 140)}": must match ${pattern.source}`);
  }
  return value;
}

function pageLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PAGE;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PAGE) throw new HttpError(400, 'InvalidLimit', `limit must be 1-${MAX_PAGE}`);
  return Number(raw);
}

async function usageReport(deps: MonetizedDependencies, query: Record<string, string | undefined>): Promise<OperationResult> {
  const range = checkRange(query.from, query.to);
  const customerId = checked(query.customerId, CUSTOMER_ID, 'customerId', false);
  let tierName = checked(query.tier, TIER_NAME, 'tier', false);
  if (customerId && !tierName) {
    const record = await deps.store.get(customerId);
    if (!record) throw new HttpError(404, 'CustomerNotFound', `no customer ${customerId}`);
    tierName = record.tier;
  }
  const tiers = tierName ? [requireTier(deps.config, tierName)] : deps.config.tiers;
  const records: UsageRecord[] = [];
  for (const tier of tiers) {
    const usage = await tierUsage(deps.gateway, deps.store, tier, range);
    records.push(...(customerId ? usage.filter((r) => r.customerId === customerId) : usage));
    if (records.length > MAX_INLINE_RECORDS) {
      throw new HttpError(413, 'TooManyRecords', `more than ${MAX_INLINE_RECORDS} records: narrow the range or the tier, or read the S3 export`);
    }
  }
  return { statusCode: 200, body: { from: range.start, to: range.end, records } };
}

async function dispatch(deps: MonetizedDependencies, operation: AdminOperation, event: AdminEvent): Promise<OperationResult> {
  const params = event.pathParameters ?? {};
  const query = event.queryStringParameters ?? {};
  switch (operation) {
    case 'createCustomer': {
      const body = parseBody(event, ['customerId', 'tier']);
      return createCustomer(deps, checked(body.customerId, CUSTOMER_ID, 'customerId')!, checked(body.tier, TIER_NAME, 'tier')!);
    }
    case 'moveCustomer': {
      const body = parseBody(event, ['tier']);
      return moveCustomer(deps, checked(params.customerId, CUSTOMER_ID, 'customerId')!, checked(body.tier, TIER_NAME, 'tier')!);
    }
    case 'getCustomer':
      return getCustomer(deps, checked(params.customerId, CUSTOMER_ID, 'customerId')!);
    case 'rotateKey':
      return rotateKey(deps, checked(params.customerId, CUSTOMER_ID, 'customerId')!);
    case 'revokeCustomer':
      return revokeCustomer(deps, checked(params.customerId, CUSTOMER_ID, 'customerId')!);
    case 'listCustomers':
      return listCustomers(deps, checked(params.tier, TIER_NAME, 'tier')!, pageLimit(query.limit), query.nextToken || undefined);
    case 'getUsage':
      return usageReport(deps, query);
  }
}

/** Handles one admin request end to end; never throws. */
export async function handleAdmin(deps: MonetizedDependencies, event: AdminEvent): Promise<ProxyResult> {
  const operation = routeOf(deps.config.adminBasePath, event ?? {});
  const requestId = event?.requestContext?.requestId;
  try {
    if (!operation) throw new HttpError(404, 'UnknownRoute', 'no such admin route');
    const caller = event.requestContext?.identity?.userArn;
    if (typeof caller !== 'string' || !caller.startsWith('arn:')) throw new HttpError(403, 'IamRequired', 'admin routes require IAM authorization');
    const result = await dispatch(deps, operation, event);
    deps.log('admin request', { operation, status: result.statusCode, caller, requestId });
    return respond(result);
  } catch (e) {
    const error = toHttpError(e, deps.log, operation ?? 'unknown');
    deps.log('admin request', { operation, status: error.statusCode, code: error.code, requestId });
    const retry: Record<string, string> = error.retryAfter !== undefined ? { 'retry-after': String(Math.ceil(error.retryAfter)) } : {};
    return respond({ statusCode: error.statusCode, body: { error: error.code, message: error.message } }, retry);
  }
}
