/**
 * The DynamoDB connection store: one item per connection (partition key `connectionId`) with the identity decided
 * at `$connect` (`userId` in GSI `user-index`, `sender`, the `rooms` it may join), its room (GSI `room-index`),
 * its message-rate window, and a TTL at connect time + 2 h (API Gateway's maximum connection duration).
 * No CDK imports: runs inside Lambda.
 */
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConnectionIdentity } from './identity';

/** API Gateway closes WebSocket connections after 2 hours. */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60;

export interface StoreOptions {
  readonly tableName: string;
  /** @default 'room-index' */
  readonly roomIndexName?: string;
  /** @default 'user-index' */
  readonly userIndexName?: string;
  /** Items per query page. @default 1000 */
  readonly pageSize?: number;
}

/** One page of a room: connection ids, and the key to resume after it (absent on the last page). */
export interface RoomPage {
  readonly ids: string[];
  readonly next?: Record<string, unknown>;
}

/** What a message may be sent as: the sender's room and stored identity. */
export interface SenderRecord {
  readonly roomId?: string;
  readonly sender: string;
}

export type JoinOutcome = 'joined' | 'unknown' | 'forbidden';

const isConditionFailure = (e: unknown) => (e as { name?: string })?.name === 'ConditionalCheckFailedException';

export class ConnectionStore {
  private readonly roomIndex: string;
  private readonly userIndex: string;
  private readonly pageSize: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: StoreOptions,
  ) {
    this.roomIndex = options.roomIndexName ?? 'room-index';
    this.userIndex = options.userIndexName ?? 'user-index';
    this.pageSize = options.pageSize ?? 1000;
  }

  /** Stores a connection with its identity; a retry keeps the first connect time and the room. */
  public async connect(connectionId: string, identity: ConnectionIdentity, nowSeconds: number = Math.floor(Date.now() / 1000)): Promise<void> {
    const sets = ['sender = :s', 'connectedAt = if_not_exists(connectedAt, :now)', 'expiresAt = if_not_exists(expiresAt, :ttl)'];
    const values: Record<string, unknown> = { ':s': identity.from, ':now': nowSeconds, ':ttl': nowSeconds + CONNECTION_TTL_SECONDS };
    if (identity.userId !== undefined) {
      sets.push('userId = :u');
      values[':u'] = identity.userId;
    }
    // A string set cannot be empty: no attribute means no room may be joined (claim-based access).
    if (identity.rooms && identity.rooms.length > 0) {
      sets.push('rooms = :rooms');
      values[':rooms'] = new Set(identity.rooms);
    }
    await this.client.send(
      new UpdateCommand({ TableName: this.options.tableName, Key: { connectionId }, UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeValues: values }),
    );
  }

  /** Deletes a connection; an already-deleted one is a success. */
  public async disconnect(connectionId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.options.tableName, Key: { connectionId } }));
  }

  /** Deletes a connection found stale (410 Gone) unless it was already removed; true when this call removed it. */
  public async removeStale(connectionId: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({ TableName: this.options.tableName, Key: { connectionId }, ConditionExpression: 'attribute_exists(connectionId)' }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /**
   * Puts a known connection into a room (one room per connection). With `restricted`, only rooms stored in its
   * `rooms` set at `$connect` (or `*`) are allowed; DynamoDB checks it in the same write.
   */
  public async join(connectionId: string, room: string, restricted: boolean): Promise<JoinOutcome> {
    const allowed = restricted ? ' AND (contains(rooms, :r) OR contains(rooms, :any))' : '';
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { connectionId },
          UpdateExpression: 'SET roomId = :r',
          ConditionExpression: `attribute_exists(connectionId)${allowed}`,
          ExpressionAttributeValues: { ':r': room, ...(restricted ? { ':any': '*' } : {}) },
        }),
      );
      return 'joined';
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      return (await this.exists(connectionId)) ? 'forbidden' : 'unknown';
    }
  }

  /** Takes a connection out of its room; false when the connection is unknown. */
  public async leave(connectionId: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({ TableName: this.options.tableName, Key: { connectionId }, UpdateExpression: 'REMOVE roomId', ConditionExpression: 'attribute_exists(connectionId)' }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /** The room of a connection, if any. */
  public async roomOf(connectionId: string): Promise<string | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.options.tableName, Key: { connectionId }, ProjectionExpression: 'roomId' }));
    return out.Item?.roomId as string | undefined;
  }

  /**
   * Counts one message against the connection's fixed-window rate limit and returns its room and stored sender;
   * 'limited' when `max` messages were already sent in the current window, 'unknown' for a connection the store
   * does not hold. One conditional write in the common case.
   */
  public async consumeMessage(connectionId: string, max: number, windowSeconds: number, nowSeconds: number = Date.now() / 1000): Promise<SenderRecord | 'limited' | 'unknown'> {
    const window = Math.floor(nowSeconds / windowSeconds);
    const attempt = async (update: string, condition: string, values: Record<string, unknown>): Promise<SenderRecord | undefined> => {
      try {
        const out = await this.client.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: { connectionId },
            UpdateExpression: update,
            ConditionExpression: `attribute_exists(connectionId) AND ${condition}`,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { roomId: out.Attributes?.roomId as string | undefined, sender: String(out.Attributes?.sender ?? '') };
      } catch (e) {
        if (isConditionFailure(e)) return undefined;
        throw e;
      }
    };
    // Twice at most: a concurrent message may open the window between the two writes.
    for (let round = 0; round < 2; round++) {
      const counted = await attempt('SET msgCount = msgCount + :one', 'msgWindow = :w AND msgCount < :max', { ':one': 1, ':w': window, ':max': max });
      if (counted) return counted;
      const opened = await attempt('SET msgWindow = :w, msgCount = :one', '(attribute_not_exists(msgWindow) OR msgWindow < :w)', { ':one': 1, ':w': window });
      if (opened) return opened;
      const item = (await this.client.send(new GetCommand({ TableName: this.options.tableName, Key: { connectionId }, ProjectionExpression: 'msgWindow, msgCount' }))).Item;
      if (!item) return 'unknown';
      if (item.msgWindow === window && Number(item.msgCount) >= max) return 'limited';
    }
    return 'limited';
  }

  /** Connections of a user, counted up to `limit` (the user index is eventually consistent). */
  public countUserConnections(userId: string, limit: number): Promise<number> {
    return this.count(this.userIndex, 'userId', userId, limit);
  }

  /** Members of a room, counted up to `limit` (the room index is eventually consistent). */
  public countRoomMembers(room: string, limit: number): Promise<number> {
    return this.count(this.roomIndex, 'roomId', room, limit);
  }

  /** Pages of connection ids in a room, from the room index (never a Scan), optionally resuming after a key. */
  public async *roomPages(room: string, after?: Record<string, unknown>): AsyncGenerator<RoomPage> {
    let startKey = after;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: this.roomIndex,
          KeyConditionExpression: 'roomId = :r',
          ExpressionAttributeValues: { ':r': room },
          ProjectionExpression: 'connectionId',
          Limit: this.pageSize,
          ExclusiveStartKey: startKey,
        }),
      );
      startKey = page.LastEvaluatedKey;
      yield { ids: (page.Items ?? []).map((i) => i.connectionId as string), ...(startKey ? { next: startKey } : {}) };
    } while (startKey);
  }

  private async exists(connectionId: string): Promise<boolean> {
    const out = await this.client.send(new GetCommand({ TableName: this.options.tableName, Key: { connectionId }, ProjectionExpression: 'connectionId' }));
    return out.Item !== undefined;
  }

  private async count(indexName: string, attribute: string, value: string, limit: number): Promise<number> {
    let total = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: indexName,
          KeyConditionExpression: `${attribute} = :v`,
          ExpressionAttributeValues: { ':v': value },
          Select: 'COUNT',
          Limit: limit - total,
          ExclusiveStartKey: startKey,
        }),
      );
      total += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey && total < limit);
    return total;
  }
}
