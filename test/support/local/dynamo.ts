/**
 * DynamoDB from the assembly: every `AWS::DynamoDB::Table` is created in dynalite (in process, 127.0.0.1) from
 * its own definition (key schema, attribute definitions, global and local secondary indexes, billing mode),
 * behind a proxy that checks the caller's SigV4 signature and that its role allows the action on the table
 * (or index) ARN, as DynamoDB would, before passing the request on.
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

export class LocalDynamoDb {
  public readonly tables = new Map<string, LocalTable>();
  /** Refusals, for assertions: `{owner} {action} {resource}`. */
  public readonly denied: string[] = [];
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
    const upstream = http.request(this.db.endpoint, { method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 500, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (e) => refuse(500, 'InternalServerError', e.message));
    upstream.end(body);
  }
}
