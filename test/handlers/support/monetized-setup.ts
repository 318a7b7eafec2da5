/** The customer table on dynalite, and the monetization handlers' dependencies wired to the fakes. */
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeApiGateway, FakeClock, installApiGateway } from './monetized-fakes';
import { CUSTOMER_TABLE_SCHEMA, MonetizedConfig, parseMonetizedEnvironment } from '../../../src/runtime/monetized/contract';
import { MonetizedDependencies } from '../../../src/runtime/monetized/customers';
import { KeyGateway } from '../../../src/runtime/monetized/gateway';
import { CallContext, Pacer } from '../../../src/runtime/monetized/retry';
import { CustomerStore } from '../../../src/runtime/monetized/store';

let tables = 0;

/** Creates a customer table with the contract's key schema and tier index. */
export async function createCustomerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, tierIndex } = CUSTOMER_TABLE_SCHEMA;
  await client.send(new CreateTableCommand({
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: tierIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: tierIndex.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [{
      IndexName: tierIndex.name,
      KeySchema: [{ AttributeName: tierIndex.partitionKey, KeyType: 'HASH' }, { AttributeName: tierIndex.sortKey, KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'ALL' },
    }],
  }));
}

export const TIER_ENV = {
  TIERS: 'basic=planbasic,pro=planpro,mp=planmp',
  TIER_PRODUCT_CODES: 'mp=prod-mp-123',
  KEY_NAME_PREFIX: 'shop-',
};

export interface Harness {
  readonly deps: MonetizedDependencies & { calls: CallContext };
  readonly fake: FakeApiGateway;
  readonly clock: FakeClock;
  readonly logs: Array<[string, Record<string, unknown>]>;
  readonly config: MonetizedConfig;
  readonly apigw: ReturnType<typeof mockClient>;
}

/** A fresh table and model per test; `env` overrides the contract's variables. */
export async function harness(dynamo: { client: DynamoDBClient; doc: DynamoDBDocumentClient }, env: Record<string, string> = {}): Promise<Harness> {
  const tableName = `customers-${++tables}-${process.pid}`;
  await createCustomerTable(dynamo.client, tableName);
  const config = parseMonetizedEnvironment({ CUSTOMER_TABLE: tableName, ...TIER_ENV, ...env });
  const clock = new FakeClock();
  const fake = new FakeApiGateway(clock);
  for (const tier of config.tiers) fake.plan(tier.usagePlanId);
  const client = new APIGatewayClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const apigw = mockClient(client);
  installApiGateway(apigw, fake);
  const calls: CallContext = { clock, pacer: new Pacer(clock), random: () => 0.5 };
  const logs: Array<[string, Record<string, unknown>]> = [];
  const deps = {
    config,
    calls,
    gateway: new KeyGateway(client, calls),
    store: new CustomerStore(dynamo.doc, tableName),
    clock,
    log: (m: string, f: Record<string, unknown>) => logs.push([m, f]),
  };
  return { deps, fake, clock, logs, config, apigw };
}

/** A REST proxy event of an admin route, signed in with IAM. */
export interface EventOptions {
  path?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

export function adminEvent(method: string, resource: string, options: EventOptions = {}) {
  return {
    httpMethod: method,
    resource: `/admin${resource}`,
    pathParameters: options.path ?? null,
    queryStringParameters: options.query ?? null,
    headers: options.body !== undefined ? { 'Content-Type': 'application/json' } : {},
    body: options.body === undefined ? null : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', identity: { userArn: 'arn:aws:iam::123456789012:user/ops' } },
  };
}
