/**
 * API Gateway's key and usage-plan API as the monetization handlers use it: every call paced and retried
 * (./retry.ts), every list followed page by page through `position` (at most 500 items a page), "already there"
 * and "already gone" answers of idempotent steps treated as success. Key values are returned to the caller and
 * never logged. No CDK imports: runs inside Lambda.
 */
import {
  APIGatewayClient,
  ApiKey,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetUsageCommand,
  GetUsagePlanCommand,
  GetUsagePlanKeyCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
  PatchOperation,
  UpdateApiKeyCommand,
  UpdateUsagePlanCommand,
  UsagePlan,
} from '@aws-sdk/client-api-gateway';
import { isConflict, isNotFound } from './errors';
import { CallContext, paced, UPDATE_USAGE_PLAN_RETRY } from './retry';

/** API Gateway's largest page. */
export const PAGE_SIZE = 500;
/** Pages followed before giving up (a loop guard: 10,000 keys fit in 20 pages). */
export const MAX_PAGES = 100;
/** API Gateway's limit of usage plans per API key (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html). */
export const PLANS_PER_KEY = 10;

/** A key API Gateway generated, with its value (to be shown once and never logged). */
export interface CreatedKey {
  readonly id: string;
  readonly value: string;
}

/** One page of GetUsage: daily [used, remaining] pairs per key id. */
export type UsageItems = Record<string, number[][]>;

export class KeyGateway {
  constructor(
    private readonly client: APIGatewayClient,
    private readonly ctx: CallContext,
  ) {}

  /** Every item of a `position`-paged list. */
  private async pages<T>(operation: string, fetch: (position?: string) => Promise<{ items?: T[]; position?: string }>): Promise<T[]> {
    const all: T[] = [];
    let position: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const out = await paced(this.ctx, operation, () => fetch(position));
      all.push(...(out.items ?? []));
      position = out.position;
      if (!position) return all;
    }
    throw new Error(`${operation}: more than ${MAX_PAGES} pages`);
  }

  /** Creates an enabled key whose value API Gateway generates. */
  public async createKey(name: string, tags: Record<string, string>, customerId?: string): Promise<CreatedKey> {
    const out = await paced(this.ctx, 'CreateApiKey', () =>
      this.client.send(new CreateApiKeyCommand({ name, enabled: true, generateDistinctId: true, tags, ...(customerId ? { customerId } : {}) })),
    );
    if (!out.id || !out.value) throw new Error('CreateApiKey returned no id or value');
    return { id: out.id, value: out.value };
  }

  /** The key, with its value when asked; undefined when it does not exist. */
  public async getKey(keyId: string, includeValue = false): Promise<ApiKey | undefined> {
    try {
      return await paced(this.ctx, 'GetApiKey', () => this.client.send(new GetApiKeyCommand({ apiKey: keyId, includeValue })));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Keys whose name is exactly `name` (GetApiKeys matches names by prefix; every page is read). */
  public async keysNamed(name: string): Promise<ApiKey[]> {
    const keys = await this.pages('GetApiKeys', (position) =>
      this.client.send(new GetApiKeysCommand({ nameQuery: name, limit: PAGE_SIZE, includeValues: false, ...(position ? { position } : {}) })),
    );
    return keys.filter((k) => k.name === name);
  }

  /** Keys carrying this AWS Marketplace customer id (every page). */
  public async keysOfCustomer(customerId: string): Promise<ApiKey[]> {
    const keys = await this.pages('GetApiKeys', (position) =>
      this.client.send(new GetApiKeysCommand({ customerId, limit: PAGE_SIZE, includeValues: false, ...(position ? { position } : {}) })),
    );
    return keys.filter((k) => k.customerId === customerId);
  }

  /** Applies patch operations to a key. */
  public async updateKey(keyId: string, patchOperations: PatchOperation[]): Promise<void> {
    await paced(this.ctx, 'UpdateApiKey', () => this.client.send(new UpdateApiKeyCommand({ apiKey: keyId, patchOperations })));
  }

  /** Disables a key (it stays, and still counts toward the region's keys). */
  public async disableKey(keyId: string): Promise<void> {
    try {
      await this.updateKey(keyId, [{ op: 'replace', path: '/enabled', value: 'false' }]);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** Deletes a key; true when it existed. */
  public async deleteKey(keyId: string): Promise<boolean> {
    try {
      await paced(this.ctx, 'DeleteApiKey', () => this.client.send(new DeleteApiKeyCommand({ apiKey: keyId })));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /** Every usage plan the key is in (every page). */
  public async plansOfKey(keyId: string): Promise<UsagePlan[]> {
    return this.pages('GetUsagePlans', (position) =>
      this.client.send(new GetUsagePlansCommand({ keyId, limit: PAGE_SIZE, ...(position ? { position } : {}) })),
    );
  }

  /**
   * Puts the key in the plan; already there counts as done. API Gateway also answers Conflict when the key is in
   * another plan for one of this plan's stages, so a Conflict counts as done only once GetUsagePlanKey confirms.
   */
  public async attach(usagePlanId: string, keyId: string): Promise<'attached' | 'already'> {
    try {
      await paced(this.ctx, 'CreateUsagePlanKey', () => this.client.send(new CreateUsagePlanKeyCommand({ usagePlanId, keyId, keyType: 'API_KEY' })));
      return 'attached';
    } catch (e) {
      if (isConflict(e) && (await this.inPlan(usagePlanId, keyId))) return 'already';
      throw e;
    }
  }

  /** True when the key is in the plan. */
  public async inPlan(usagePlanId: string, keyId: string): Promise<boolean> {
    try {
      await paced(this.ctx, 'GetUsagePlanKey', () => this.client.send(new GetUsagePlanKeyCommand({ usagePlanId, keyId })));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /** Takes the key out of the plan; not there counts as done. */
  public async detach(usagePlanId: string, keyId: string): Promise<'detached' | 'absent'> {
    try {
      await paced(this.ctx, 'DeleteUsagePlanKey', () => this.client.send(new DeleteUsagePlanKeyCommand({ usagePlanId, keyId })));
      return 'detached';
    } catch (e) {
      if (isNotFound(e)) return 'absent';
      throw e;
    }
  }

  /** Ids of every key in the plan (every page). */
  public async keyIdsOfPlan(usagePlanId: string): Promise<string[]> {
    const keys = await this.pages('GetUsagePlanKeys', (position) =>
      this.client.send(new GetUsagePlanKeysCommand({ usagePlanId, limit: PAGE_SIZE, ...(position ? { position } : {}) })),
    );
    return keys.map((k) => k.id).filter((id): id is string => typeof id === 'string');
  }

  /** The plan, or undefined when it does not exist. */
  public async getPlan(usagePlanId: string): Promise<UsagePlan | undefined> {
    try {
      return await paced(this.ctx, 'GetUsagePlan', () => this.client.send(new GetUsagePlanCommand({ usagePlanId })));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** UpdateUsagePlan, paced at 1 call per 20 s and retried accordingly. */
  public async updatePlan(usagePlanId: string, patchOperations: PatchOperation[]): Promise<void> {
    await paced(this.ctx, 'UpdateUsagePlan', () => this.client.send(new UpdateUsagePlanCommand({ usagePlanId, patchOperations })), UPDATE_USAGE_PLAN_RETRY);
  }

  /** Deletes the plan; false when it was already gone. */
  public async deletePlan(usagePlanId: string): Promise<boolean> {
    try {
      await paced(this.ctx, 'DeleteUsagePlan', () => this.client.send(new DeleteUsagePlanCommand({ usagePlanId })));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /** GetUsage for one window (at most 90 days, inclusive dates), every page merged; optionally one key only. */
  public async usage(usagePlanId: string, startDate: string, endDate: string, keyId?: string): Promise<UsageItems> {
    const merged: UsageItems = {};
    let position: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const out = await paced(this.ctx, 'GetUsage', () =>
        this.client.send(new GetUsageCommand({
          usagePlanId, startDate, endDate, limit: PAGE_SIZE, ...(keyId ? { keyId } : {}), ...(position ? { position } : {}),
        })),
      );
      for (const [id, days] of Object.entries(out.items ?? {})) merged[id] = [...(merged[id] ?? []), ...days];
      position = out.position;
      if (!position) return merged;
    }
    throw new Error(`GetUsage: more than ${MAX_PAGES} pages`);
  }
}
