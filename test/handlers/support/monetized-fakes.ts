/**
 * Stand-ins for the monetization handler tests: a fake clock, and a stateful model of API Gateway's key and usage
 * plan API that enforces the documented rules the handlers rely on, so tests check behaviour, not call scripts:
 * - key values are unique; names are not (GetApiKeys' nameQuery matches by prefix);
 * - "a given API key can only be associated with one usage plan for each stage of your API"
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html): Conflict;
 * - a key is in at most 10 usage plans (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html);
 * - a plan with API stages cannot be deleted ("Cannot delete Usage Plan ... because there are API Stages associated
 *   with it", aws/aws-sdk-js#3841);
 * - GetUsage covers at most 90 days (https://repost.aws/knowledge-center/api-gateway-usage-key);
 * - lists are paged with `position` (small pages here, so paging is exercised).
 * The model is driven through aws-sdk-client-mock (installApiGateway) or over HTTP (test/e2e).
 */
import {
  APIGatewayClient, BadRequestException, ConflictException, CreateApiKeyCommand, CreateUsagePlanKeyCommand, DeleteApiKeyCommand,
  DeleteUsagePlanCommand, DeleteUsagePlanKeyCommand, GetApiKeyCommand, GetApiKeysCommand, GetUsageCommand, GetUsagePlanCommand,
  GetUsagePlanKeyCommand, GetUsagePlanKeysCommand, GetUsagePlansCommand, LimitExceededException, NotFoundException, UpdateApiKeyCommand,
  UpdateUsagePlanCommand,
} from '@aws-sdk/client-api-gateway';
import { AwsStub } from 'aws-sdk-client-mock';
import { Clock } from '../../../src/runtime/monetized/retry';

export class FakeClock implements Clock {
  public readonly sleeps: number[] = [];
  constructor(public t = Date.UTC(2026, 0, 15, 12)) {}
  public now(): number {
    return this.t;
  }
  public async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

interface Key { id: string; name: string; value: string; enabled: boolean; customerId?: string; tags: Record<string, string> }
interface Plan { id: string; name: string; apiStages: Array<{ apiId: string; stage: string }>; productCode?: string; keys: string[] }

const meta = { $metadata: {} };
const notFound = (what: string) => new NotFoundException({ message: `Invalid ${what} identifier specified`, ...meta });
const conflict = (message: string) => new ConflictException({ message, ...meta });
const badRequest = (message: string) => new BadRequestException({ message, ...meta });

let counter = 0;
const newId = (prefix: string) => `${prefix}${(++counter).toString(36).padStart(6, '0')}`.slice(-10).toLowerCase();

export class FakeApiGateway {
  public readonly keys = new Map<string, Key>();
  public readonly plans = new Map<string, Plan>();
  /** Every call: operation, input, time on the clock. */
  public readonly calls: Array<{ op: string; input: any; at: number }> = [];
  /** Errors to throw, per operation, before the operation runs (first in, first out). */
  public readonly failures = new Map<string, unknown[]>();
  /** usage[planId][keyId][date] = [used, remaining] */
  public readonly usage = new Map<string, Map<string, Map<string, [number, number]>>>();

  constructor(private readonly clock: Clock, public pageSize = 2) {}

  public plan(id: string, stages: Array<{ apiId: string; stage: string }> = [{ apiId: 'api1234567', stage: 'prod' }]): Plan {
    const plan = { id, name: id, apiStages: stages, keys: [] };
    this.plans.set(id, plan);
    return plan;
  }

  public failNext(op: string, ...errors: unknown[]): void {
    this.failures.set(op, [...(this.failures.get(op) ?? []), ...errors]);
  }

  public ops(): string[] {
    return this.calls.map((c) => c.op);
  }

  public plansOf(keyId: string): string[] {
    return [...this.plans.values()].filter((p) => p.keys.includes(keyId)).map((p) => p.id);
  }

  private record(op: string, input: any): void {
    this.calls.push({ op, input, at: this.clock.now() });
    const queued = this.failures.get(op);
    if (queued?.length) throw queued.shift();
  }

  private page<T>(items: T[], input: { position?: string; limit?: number }): { items: T[]; position?: string } {
    const start = input.position ? Number(input.position) : 0;
    const size = Math.min(this.pageSize, input.limit ?? 25);
    const end = start + size;
    return { items: items.slice(start, end), ...(end < items.length ? { position: String(end) } : {}) };
  }

  private key(id: string): Key {
    const key = this.keys.get(id);
    if (!key) throw notFound('API Key');
    return key;
  }

  private planOf(id: string): Plan {
    const plan = this.plans.get(id);
    if (!plan) throw notFound('Usage Plan ID');
    return plan;
  }

  private view(key: Key, includeValue: boolean) {
    const { value, ...rest } = key;
    return { ...rest, ...(includeValue ? { value } : {}) };
  }

  public CreateApiKey(input: any) {
    this.record('CreateApiKey', input);
    const value = input.value ?? `v${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`.padEnd(40, 'x');
    if ([...this.keys.values()].some((k) => k.value === value)) throw conflict('API Key already exists');
    const key = { id: newId('k'), name: input.name, value, enabled: input.enabled ?? false, customerId: input.customerId, tags: input.tags ?? {} };
    this.keys.set(key.id, key);
    return this.view(key, true);
  }

  public GetApiKey(input: any) {
    this.record('GetApiKey', input);
    return this.view(this.key(input.apiKey), !!input.includeValue);
  }

  public GetApiKeys(input: any) {
    this.record('GetApiKeys', input);
    const all = [...this.keys.values()]
      .filter((k) => (input.nameQuery ? k.name.startsWith(input.nameQuery) : true))
      .filter((k) => (input.customerId ? k.customerId === input.customerId : true));
    const page = this.page(all, input);
    return { ...page, items: page.items.map((k) => this.view(k, !!input.includeValues)) };
  }

  public UpdateApiKey(input: any) {
    this.record('UpdateApiKey', input);
    const key = this.key(input.apiKey);
    for (const op of input.patchOperations) {
      if (op.op !== 'replace') throw badRequest(`Invalid patch operation ${op.op}`);
      if (op.path === '/enabled') key.enabled = op.value === 'true';
      else if (op.path === '/customerId') key.customerId = op.value;
      else if (op.path === '/name') key.name = op.value;
      else throw badRequest(`Invalid patch path ${op.path}`);
    }
    return this.view(key, false);
  }

  public DeleteApiKey(input: any) {
    this.record('DeleteApiKey', input);
    this.key(input.apiKey);
    this.keys.delete(input.apiKey);
    for (const plan of this.plans.values()) plan.keys = plan.keys.filter((k) => k !== input.apiKey);
    return {};
  }

  public GetUsagePlans(input: any) {
    this.record('GetUsagePlans', input);
    const all = [...this.plans.values()].filter((p) => (input.keyId ? p.keys.includes(input.keyId) : true));
    const page = this.page(all, input);
    return { ...page, items: page.items.map(({ keys: _keys, ...p }) => p) };
  }

  public GetUsagePlan(input: any) {
    this.record('GetUsagePlan', input);
    const { keys: _keys, ...plan } = this.planOf(input.usagePlanId);
    return plan;
  }

  public CreateUsagePlanKey(input: any) {
    this.record('CreateUsagePlanKey', input);
    const plan = this.planOf(input.usagePlanId);
    const key = this.key(input.keyId);
    if (plan.keys.includes(key.id)) throw conflict('Usage Plan Key already exists');
    const others = [...this.plans.values()].filter((p) => p.keys.includes(key.id));
    if (others.length >= 10) throw new LimitExceededException({ message: 'An API key can be added to at most 10 usage plans', ...meta });
    const clash = others.find((p) => p.apiStages.some((s) => plan.apiStages.some((t) => t.apiId === s.apiId && t.stage === s.stage)));
    if (clash) throw conflict(`API Key ${key.id} is already associated with usage plan ${clash.id} for the same API stage`);
    plan.keys.push(key.id);
    return { id: key.id, type: 'API_KEY', name: key.name };
  }

  public DeleteUsagePlanKey(input: any) {
    this.record('DeleteUsagePlanKey', input);
    const plan = this.planOf(input.usagePlanId);
    if (!plan.keys.includes(input.keyId)) throw notFound('Usage Plan Key');
    plan.keys = plan.keys.filter((k) => k !== input.keyId);
    return {};
  }

  public GetUsagePlanKey(input: any) {
    this.record('GetUsagePlanKey', input);
    const plan = this.planOf(input.usagePlanId);
    if (!plan.keys.includes(input.keyId)) throw notFound('Usage Plan Key');
    return { id: input.keyId, type: 'API_KEY', name: this.keys.get(input.keyId)?.name };
  }

  public GetUsagePlanKeys(input: any) {
    this.record('GetUsagePlanKeys', input);
    const plan = this.planOf(input.usagePlanId);
    const page = this.page(plan.keys, input);
    return { ...page, items: page.items.map((id) => ({ id, type: 'API_KEY', name: this.keys.get(id)?.name })) };
  }

  public UpdateUsagePlan(input: any) {
    this.record('UpdateUsagePlan', input);
    const plan = this.planOf(input.usagePlanId);
    for (const op of input.patchOperations) {
      if (op.path === '/productCode' && op.op === 'replace') {plan.productCode = op.value;} else if (op.path === '/productCode' && op.op === 'remove') {delete plan.productCode;} else if (op.path === '/apiStages' && op.op === 'remove') {
        // The value form is `{apiId}:{stage}` (https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html).
        const [apiId, stage, extra] = String(op.value).split(':');
        if (!apiId || !stage || extra !== undefined) throw badRequest(`Invalid API stage value ${op.value}`);
        if (!plan.apiStages.some((s) => s.apiId === apiId && s.stage === stage)) throw notFound('API Stage');
        plan.apiStages = plan.apiStages.filter((s) => !(s.apiId === apiId && s.stage === stage));
      } else {throw badRequest(`Invalid patch path '${op.path}'`);}
    }
    const { keys: _keys, ...out } = plan;
    return out;
  }

  public DeleteUsagePlan(input: any) {
    this.record('DeleteUsagePlan', input);
    const plan = this.planOf(input.usagePlanId);
    if (plan.apiStages.length) throw badRequest(`Cannot delete Usage Plan ${plan.id} because there are API Stages associated with it`);
    this.plans.delete(plan.id);
    return {};
  }

  public GetUsage(input: any) {
    this.record('GetUsage', input);
    const start = Date.parse(`${input.startDate}T00:00:00Z`);
    const end = Date.parse(`${input.endDate}T00:00:00Z`);
    if (!(end >= start) || (end - start) / 86_400_000 + 1 > 90) throw badRequest('The usage date range cannot exceed 90 days');
    const plan = this.planOf(input.usagePlanId);
    const table = this.usage.get(plan.id) ?? new Map();
    const keyIds = [...new Set([...plan.keys, ...table.keys()])].filter((k) => !input.keyId || k === input.keyId).sort();
    const page = this.page(keyIds, input);
    const items: Record<string, number[][]> = {};
    for (const keyId of page.items) {
      const days: number[][] = [];
      for (let d = start; d <= end; d += 86_400_000) days.push(table.get(keyId)?.get(new Date(d).toISOString().slice(0, 10)) ?? [0, 1000]);
      items[keyId] = days;
    }
    return { usagePlanId: plan.id, startDate: input.startDate, endDate: input.endDate, items, ...(page.position ? { position: page.position } : {}) };
  }

  public setUsage(planId: string, keyId: string, date: string, used: number, remaining: number): void {
    const plan = this.usage.get(planId) ?? new Map();
    const key = plan.get(keyId) ?? new Map();
    key.set(date, [used, remaining]);
    plan.set(keyId, key);
    this.usage.set(planId, plan);
  }
}

const COMMANDS = {
  CreateApiKey: CreateApiKeyCommand,
  GetApiKey: GetApiKeyCommand,
  GetApiKeys: GetApiKeysCommand,
  UpdateApiKey: UpdateApiKeyCommand,
  DeleteApiKey: DeleteApiKeyCommand,
  GetUsagePlans: GetUsagePlansCommand,
  GetUsagePlan: GetUsagePlanCommand,
  CreateUsagePlanKey: CreateUsagePlanKeyCommand,
  DeleteUsagePlanKey: DeleteUsagePlanKeyCommand,
  GetUsagePlanKey: GetUsagePlanKeyCommand,
  GetUsagePlanKeys: GetUsagePlanKeysCommand,
  UpdateUsagePlan: UpdateUsagePlanCommand,
  DeleteUsagePlan: DeleteUsagePlanCommand,
  GetUsage: GetUsageCommand,
} as const;

/** Routes every API Gateway command of the mock to the model. */
export function installApiGateway(mock: AwsStub<any, any, any>, fake: FakeApiGateway): void {
  for (const [op, command] of Object.entries(COMMANDS)) {
    mock.on(command as any).callsFake(async (input: any) => (fake as any)[op](input));
  }
}

export type ApiGatewayClientType = APIGatewayClient;
