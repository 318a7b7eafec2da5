/**
 * The DynamoDB connection store: one item per connection (partition key `connectionId`), with the user, the room
 * (GSI `room-index`), and a TTL at connect time + 2 h (API Gateway's maximum connection duration).
 * No CDK imports: runs inside Lambda.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

/** API Gateway closes WebSocket connections after 2 hours. */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60;

export interface StoreOptions {
  readonly tableName: string;
  /** @default 'room-index' */
  readonly roomIndexName?: string;
  /** Items per query page. @default 1000 */
  readonly pageSize?: number;
}

export class ConnectionStore {
  private readonly roomIndex: string;
  private readonly pageSize: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: StoreOptions,
  ) {
    this.roomIndex = options.roomIndexName ?? 'room-index';
    this.pageSize = options.pageSize ?? 1000;
  }

  /** Stores a connection; a retry keeps the first connect time and the room. */
  public async connect(connectionId: string, userId: string, nowSeconds: number = Math.floor(Date.now() / 1000)): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { connectionId },
        UpdateExpression: 'SET userId = :u, connectedAt = if_not_exists(connectedAt, :now), expiresAt = if_not_exists(expiresAt, :ttl)',
        ExpressionAttributeValues: { ':u': userId, ':now': nowSeconds, ':ttl': nowSeconds + CONNECTION_TTL_SECONDS },
      }),
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
      if (e instanceof ConditionalCheckFailedException || (e as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  }

  /** Puts a known connection into a room (one room per connection). */
  public async join(connectionId: string, room: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { connectionId },
        UpdateExpression: 'SET roomId = :r',
        ConditionExpression: 'attribute_exists(connectionId)',
        ExpressionAttributeValues: { ':r': room },
      }),
    );
  }

  /** Takes a connection out of its room. */
  public async leave(connectionId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { connectionId },
        UpdateExpression: 'REMOVE roomId',
        ConditionExpression: 'attribute_exists(connectionId)',
      }),
    );
  }

  /** The room of a connection, if any. */
  public async roomOf(connectionId: string): Promise<string | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.options.tableName, Key: { connectionId }, ProjectionExpression: 'roomId' }));
    return out.Item?.roomId as string | undefined;
  }

  /** Pages of connection ids in a room, from the room index (never a Scan). */
  public async *roomPages(room: string): AsyncGenerator<string[]> {
    let startKey: Record<string, unknown> | undefined;
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
      yield (page.Items ?? []).map((i) => i.connectionId as string);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
