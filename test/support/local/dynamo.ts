/**
 * DynamoDB from the assembly: every `AWS::DynamoDB::Table` is created in dynalite (in process, 127.0.0.1) from
 * its own definition (key schema, attribute definitions, global and local secondary indexes, billing mode),
 * behind a proxy that checks the caller's SigV4 signature and that its role allows the action on the table
 * (or index) ARN, as DynamoDB would, before passing the request on.
 *
 * `throttle()` makes the proxy refuse a fraction of the authorized requests as DynamoDB refuses requests over a
 * table's or partition's throughput: HTTP 400 with `ProvisionedThroughputExceededException` or
 * `ThrottlingException` and the throttling reasons (`{Table|Index}{Read|Write}KeyRangeThroughputExceeded`, which
 * both capacity modes answer, with the table or index ARN). The AWS SDKs retry both
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ProvisionedThroughputExceededException.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ThrottlingReason.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html#Programming.Errors.RetryAndBackoff).
 *
 * Sources: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html (actions
 * and table / index ARNs), https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html.
 * Not modelled: TTL deletion (dynalite keeps expired items), streams, encryption (KMS permissions are not checked).
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { TemplateResource } from './assembly';
import { NotModelled } from './intrinsics';
import { IssuedCredential, checkSignature } from './sigv4';
import { LocalDynamo, startDynalite } from '../dynalite';

export interface LocalTable {
  readonly resource: TemplateResource;
  readonly name: string;
  readonly arn: string;
}

/** Actions whose request names tables in `RequestItems` rather than `TableName`. */
const BATCH = new Set(['BatchGetItem', 'BatchWriteItem']);
/** Actions that consume read capacity (the rest of the data plane consumes write capacity). */
const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** The two exceptions DynamoDB throttles data-plane requests with. */
export type ThrottleException = 'ProvisionedThroughputExceededException' | 'ThrottlingException';

export interface DynamoThrottle {
  /** Fraction of the authorized requests refused (0 < fraction <= 1), spread evenly, the first request refused. */
  readonly fraction: number;
  readonly exception: ThrottleException;
}

export class LocalDynamoDb {
  public readonly tables = new Map<string, LocalTable>();
  /** Refusals, for assertions: `{owner} {action} {resource}`. */
  public readonly denied: string[] = [];
  /** Requests refused by `throttle()`: `{owner} {action} {exception}`. */
  public readonly throttled: string[] = [];
  private throttling?: DynamoThrottle & { seen: number };
  private db!: LocalDynamo;
  private proxy!: http.Server;

  constructor(
    private readonly region: string,
    private readonly credentials: ReadonlyMap<string, IssuedCredential>,
    private readonly allows: (credential: IssuedCredential, action: string, resource: string) => boolean,
  ) {}

  /** The endpoint functions use (the authorizing proxy). */
  public get endpoint(): string {
    return `http://127.0.0.1:${(this.proxy.address() as AddressInfo).port}`;
  }

  /** Direct access for test assertions (no IAM check). */
  public get local(): LocalDynamo {
    return this.db;
  }

  public async start(): Promise<void> {
    this.db = await startDynalite();
    this.proxy = http.createServer((req, res) => this.onRequest(req, res));
    await new Promise<void>((r) => this.proxy.listen(0, '127.0.0.1', r));
  }

  /** Refuses `fraction` of the following requests with `exception` (none: stops throttling). */
  public throttle(throttle?: DynamoThrottle): void {
    if (throttle && !(throttle.fraction > 0 && throttle.fraction <= 1)) throw new Error(`throttle fraction ${throttle.fraction}: 0 < fraction <= 1`);
    this.throttling = throttle && { ...throttle, seen: 0 };
  }

  /** Creates the table a template defines. */
  public async createTable(resource: TemplateResource, name: string, arn: string, definition: Record<string, any>): Promise<LocalTable> {
    const where = `${resource.stack.path}/${resource.logicalId}`;
    for (const unsupported of ['ImportSourceSpecification', 'KinesisStreamSpecification', 'StreamSpecification']) {
      if (definition[unsupported] !== undefined) throw new NotModelled(where, unsupported);
    }
    const onDemand = definition.BillingMode === 'PAY_PER_REQUEST';
    const throughput = (p: any) =>
      onDemand ? undefined : { ReadCapacityUnits: Number(p?.ReadCapacityUnits ?? 5), WriteCapacityUnits: Number(p?.WriteCapacityUnits ?? 5) };
    await this.db.client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: onDemand ? 'PAY_PER_REQUEST' : 'PROVISIONED',
        AttributeDefinitions: definition.AttributeDefinitions,
        KeySchema: definition.KeySchema,
        ProvisionedThroughput: throughput(definition.ProvisionedThroughput),
        GlobalSecondaryIndexes: (definition.GlobalSecondaryIndexes ?? []).length
          ? definition.GlobalSecondaryIndexes.map((g: any) => ({
            IndexName: g.IndexName,
            KeySchema: g.KeySchema,
            Projection: g.Projection,
            ProvisionedThroughput: throughput(g.ProvisionedThroughput),
          }))
          : undefined,
        LocalSecondaryIndexes: (definition.LocalSecondaryIndexes ?? []).length ? definition.LocalSecondaryIndexes : undefined,
      }),
    );
    const table = { resource, name, arn };
    this.tables.set(name, table);
    return table;
  }

  public async close(): Promise<void> {
    this.proxy.closeAllConnections();
    await new Promise<void>((r) => this.proxy.close(() => r()));
    await this.db.close();
  }

  /**
   * The actions and ARNs a request needs (tables, or `table/index/name` for an index read). Transactions are
   * authorized per item: Put -> PutItem, Update -> UpdateItem, Delete -> DeleteItem, ConditionCheck ->
   * ConditionCheckItem, Get -> GetItem (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
   */
  private needs(action: string, input: any): Array<readonly [string, string]> {
    const arnOf = (tableName: unknown) => this.tables.get(String(tableName))?.arn ?? `arn:aws:dynamodb:${this.region}:000000000000:table/${String(tableName)}`;
    if (BATCH.has(action)) return Object.keys(input.RequestItems ?? {}).map((t) => [action, arnOf(t)] as const);
    if (action === 'TransactWriteItems' || action === 'TransactGetItems') {
      const itemAction: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };
      const items = (input.TransactItems ?? []) as any[];
      return items.flatMap((t) => Object.entries<any>(t).map(([op, v]) => [itemAction[op] ?? op, arnOf(v?.TableName)] as const));
    }
    const table = arnOf(input.TableName);
    return [[action, input.IndexName ? `${table}/index/${input.IndexName}` : table]];
  }

  /** Whether the next request is refused: request k is when ceil(k * fraction) grows (k = 1 is). */
  private throttles(): boolean {
    const t = this.throttling;
    if (!t) return false;
    t.seen += 1;
    return Math.ceil(t.seen * t.fraction - 1e-9) > Math.ceil((t.seen - 1) * t.fraction - 1e-9);
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void this.forward(req, res, Buffer.concat(chunks)));
  }

  private async forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const refuse = (status: number, type: string, message: string): void => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }));
    };
    const signature = await checkSignature(req, body, { service: 'dynamodb', region: this.region }, this.credentials);
    if ('refused' in signature) return refuse(400, 'UnrecognizedClientException', signature.refused);
    const action = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_20120810\./, '');
    let input: any;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return refuse(400, 'SerializationException', 'body is not JSON');
    }
    for (const [needed, resource] of this.needs(action, input)) {
      if (!this.allows(signature.credential, `dynamodb:${needed}`, resource)) {
        this.denied.push(`${signature.credential.owner} dynamodb:${needed} ${resource}`);
        return refuse(400, 'AccessDeniedException', `${signature.credential.owner} is not authorized to perform dynamodb:${needed} on resource ${resource}`);
      }
    }
    if (this.throttles()) {
      const [, resource] = this.needs(action, input)[0] ?? [action, ''];
      const reason = `${resource.includes('/index/') ? 'Index' : 'Table'}${READS.has(action) ? 'Read' : 'Write'}KeyRangeThroughputExceeded`;
      const exception = this.throttling!.exception;
      this.throttled.push(`${signature.credential.owner} ${action} ${exception}`);
      // The service model names the list `ThrottlingReasons` on the first exception, `throttlingReasons` on the second.
      const reasons = { [exception === 'ThrottlingException' ? 'throttlingReasons' : 'ThrottlingReasons']: [{ reason, resource }] };
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      return void res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${exception}`, message: 'The request rate exceeds the throughput of the key range', ...reasons }));
    }
    const upstream = http.request(this.db.endpoint, { method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 500, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (e) => refuse(500, 'InternalServerError', e.message));
    upstream.end(body);
  }
}
