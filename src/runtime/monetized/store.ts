/**
 * The customer table (key schema in ./contract.ts CUSTOMER_TABLE_SCHEMA; item format in docs/monetized-runtime.md):
 * - `CUSTOMER#{customerId}`: the customer's tier, status, current key id and generation, the key of an unfinished
 *   create or rotation, Marketplace fields, and a lease (`leaseToken`, `leaseUntil`) that makes one operation at a
 *   time run per customer: a request repeated while the first still runs gets 409, one repeated after a crash
 *   resumes where the first stopped;
 * - `KEY#{keyId}`: which customer and tier a key belonged to (usage reports name the customer of rotated-out keys);
 * - `META#keys`: how many keys the handlers hold, checked against KEY_LIMIT before every CreateApiKey.
 * No key value is ever stored. No CDK imports: runs inside Lambda.
 */
import { randomUUID } from 'node:crypto';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CUSTOMER_TABLE_SCHEMA } from './contract';
import { errorName, HttpError } from './errors';

export type CustomerStatus = 'PENDING' | 'ACTIVE' | 'REVOKED';

/** AWS Marketplace fields of a customer that came through the SaaS fulfilment flow. */
export interface MarketplaceFields {
  readonly productCode: string;
  readonly awsAccountId?: string;
  /** The last subscription notification applied: its action and SNS timestamp (older ones are ignored). */
  readonly subscription?: string;
  readonly subscriptionAt?: string;
}

/** A customer item. */
export interface CustomerRecord {
  readonly customerId: string;
  readonly tier: string;
  readonly status: CustomerStatus;
  /** The key in use (absent until the first create finishes). */
  readonly keyId?: string;
  /** The current key's generation (names are `{prefix}{customerId}.{generation}`). */
  readonly generation: number;
  /** A key created by an unfinished create or rotation, and its generation. */
  readonly pendingKeyId?: string;
  readonly pendingGeneration?: number;
  readonly marketplace?: MarketplaceFields;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revokedAt?: string;
  readonly leaseToken?: string;
  readonly leaseUntil?: number;
}

/** A held lease: the record as it was when taken, and the token that proves it is still ours. */
export interface Lease {
  readonly record: CustomerRecord;
  readonly token: string;
}

/** One page of a tier's customers. */
export interface CustomerPage {
  readonly items: CustomerRecord[];
  readonly next?: Record<string, unknown>;
}

/** Longer than any handler's timeout (the admin function answers within API Gateway's 29 s). */
export const LEASE_MS = 120_000;
const KEY_COUNTER = 'META#keys';
const customerPk = (id: string) => `CUSTOMER#${id}`;
const keyPk = (id: string) => `KEY#${id}`;
const isConditionFailure = (e: unknown) => errorName(e) === 'ConditionalCheckFailedException';
const NAMES = { '#status': 'status' };

export class CustomerStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  public async get(customerId: string): Promise<CustomerRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: customerPk(customerId) }, ConsistentRead: true }));
    return out.Item as CustomerRecord | undefined;
  }

  /**
   * Takes the customer's lease. With `create`, a missing customer is created PENDING in `create.tier`; without, a
   * missing customer is a 404. A lease held by a running operation is a 409.
   */
  public async acquire(customerId: string, nowMs: number, create?: { tier: string; marketplace?: MarketplaceFields }): Promise<Lease> {
    const token = randomUUID();
    const now = new Date(nowMs).toISOString();
    const sets = ['leaseToken = :token', 'leaseUntil = :until', 'updatedAt = :now'];
    const values: Record<string, unknown> = { ':token': token, ':until': nowMs + LEASE_MS, ':now': now, ':nowMs': nowMs };
    let condition = '(attribute_not_exists(leaseUntil) OR leaseUntil < :nowMs)';
    if (create) {
      sets.push('customerId = :id', 'tier = if_not_exists(tier, :tier)', '#status = if_not_exists(#status, :pending)',
        'generation = if_not_exists(generation, :zero)', 'createdAt = if_not_exists(createdAt, :now)');
      Object.assign(values, { ':id': customerId, ':tier': create.tier, ':pending': 'PENDING', ':zero': 0 });
      if (create.marketplace) {
        sets.push('marketplace = if_not_exists(marketplace, :mp)');
        values[':mp'] = create.marketplace;
      }
    } else {
      condition = `attribute_exists(pk) AND ${condition}`;
    }
    try {
      const out = await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: customerPk(customerId) },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: create ? NAMES : undefined,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }));
      return { record: out.Attributes as CustomerRecord, token };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      if (!create && !(await this.get(customerId))) throw new HttpError(404, 'CustomerNotFound', `no customer ${customerId}`);
      throw new HttpError(409, 'OperationInProgress', `another operation on customer ${customerId} is running; retry later`);
    }
  }

  /** Writes fields (undefined ones are removed) while the lease is ours; `release` ends the lease. */
  public async save(customerId: string, lease: Lease, fields: Partial<Omit<CustomerRecord, 'customerId' | 'createdAt'>>, release: boolean, nowMs: number): Promise<void> {
    const sets = ['updatedAt = :now'];
    const removes: string[] = release ? ['leaseToken', 'leaseUntil'] : [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':now': new Date(nowMs).toISOString(), ':token': lease.token };
    Object.entries(fields).forEach(([name, value], i) => {
      names[`#f${i}`] = name;
      if (value === undefined) {removes.push(`#f${i}`);} else {
        sets.push(`#f${i} = :v${i}`);
        values[`:v${i}`] = value;
      }
    });
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: customerPk(customerId) },
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: 'leaseToken = :token',
        ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
        ExpressionAttributeValues: values,
      }));
    } catch (e) {
      if (isConditionFailure(e)) throw new HttpError(409, 'LeaseLost', `the operation on customer ${customerId} ran out of time; retry it`);
      throw e;
    }
  }

  /** Ends the lease without other changes (after a failure); a lost lease is not an error here. */
  public async release(customerId: string, lease: Lease): Promise<void> {
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: customerPk(customerId) },
        UpdateExpression: 'REMOVE leaseToken, leaseUntil',
        ConditionExpression: 'leaseToken = :token',
        ExpressionAttributeValues: { ':token': lease.token },
      }));
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  /** Counts one more key, refusing past `limit` before API Gateway is called. */
  public async reserveKey(limit: number): Promise<void> {
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: KEY_COUNTER },
        UpdateExpression: 'ADD keyCount :one',
        ConditionExpression: 'attribute_not_exists(keyCount) OR keyCount < :limit',
        ExpressionAttributeValues: { ':one': 1, ':limit': limit },
      }));
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      throw new HttpError(409, 'KeyLimitReached',
        `the key limit (${limit}) is reached: revoke customers first (API Gateway allows 10,000 API keys per region, not raisable)`);
    }
  }

  /** Counts one key less (a key deleted, or a reservation not used). */
  public async releaseKey(): Promise<void> {
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: KEY_COUNTER },
        UpdateExpression: 'ADD keyCount :minus',
        ConditionExpression: 'keyCount > :zero',
        ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
      }));
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  /** Keys held, as counted. */
  public async keyCount(): Promise<number> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: KEY_COUNTER }, ConsistentRead: true }));
    return Number(out.Item?.keyCount ?? 0);
  }

  /** Records which customer and tier a key belongs to. */
  public async recordKey(keyId: string, customerId: string, tier: string, nowMs: number): Promise<void> {
    await this.doc.send(new PutCommand({
      TableName: this.tableName,
      Item: { pk: keyPk(keyId), keyId, owner: customerId, ownerTier: tier, createdAt: new Date(nowMs).toISOString() },
    }));
  }

  /** The owners of these keys, where recorded (100 keys per BatchGetItem, unprocessed keys read again). */
  public async keyOwners(keyIds: readonly string[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const unique = [...new Set(keyIds)];
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Array<Record<string, unknown>> = unique.slice(i, i + 100).map((id) => ({ pk: keyPk(id) }));
      for (let round = 0; keys.length && round < 5; round++) {
        const out = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ProjectionExpression: 'keyId, #o', ExpressionAttributeNames: { '#o': 'owner' } } } }));
        for (const item of out.Responses?.[this.tableName] ?? []) owners.set(String(item.keyId), String(item.owner));
        keys = (out.UnprocessedKeys?.[this.tableName]?.Keys as Array<Record<string, unknown>> | undefined) ?? [];
      }
    }
    return owners;
  }

  /** One page of a tier's customers, in customer id order. */
  public async listTier(tier: string, limit: number, start?: Record<string, unknown>): Promise<CustomerPage> {
    const out = await this.doc.send(new QueryCommand({
      TableName: this.tableName,
      IndexName: CUSTOMER_TABLE_SCHEMA.tierIndex.name,
      KeyConditionExpression: 'tier = :tier',
      ExpressionAttributeValues: { ':tier': tier },
      Limit: limit,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }));
    return { items: (out.Items ?? []) as CustomerRecord[], ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}) };
  }
}
