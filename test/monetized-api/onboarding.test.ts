/**
 * Onboarding at scale: the admin routes (ADMIN_ROUTES) behind IAM, their handler integrated by name, the customer
 * table (CUSTOMER_TABLE_SCHEMA), the runtime environment rendered by the contract's own function, and each
 * handler's least privilege (docs/monetized-runtime.md, "needs").
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { addPetRoutes, monetized, planOf, resourcesOf } from './support';
import { KeyRetirement } from '../../src';
import { ADMIN_ROUTES, CUSTOMER_TABLE_SCHEMA, MONETIZED_ENV, parseMonetizedEnvironment } from '../../src/runtime/monetized/contract';

const build = (props: Parameters<typeof monetized>[0] = {}) => {
  const { stack, api } = monetized(props);
  addPetRoutes(api);
  return { stack, api, get t() { return Template.fromStack(stack); } };
};

/** Replaces every intrinsic by a literal the runtime accepts, as CloudFormation would at deploy time. */
function deployed(value: any, t: Template): any {
  const literal = (logicalId: string): string => {
    const type = t.toJSON().Resources[logicalId]?.Type;
    if (type === 'AWS::ApiGateway::UsagePlan') return logicalId.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 10);
    if (type === 'AWS::DynamoDB::Table') return 'Test-Customers-1A2B3C';
    if (type === 'AWS::S3::Bucket') return 'test-reports-1a2b3c';
    return logicalId;
  };
  if (Array.isArray(value)) return value.map((v) => deployed(v, t));
  if (value && typeof value === 'object') {
    if ('Ref' in value) return literal(value.Ref);
    if ('Fn::GetAtt' in value) return 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    if ('Fn::Join' in value) return (value['Fn::Join'][1] as any[]).map((v) => deployed(v, t)).join(value['Fn::Join'][0]);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deployed(v, t)]));
  }
  return value;
}

const fnOf = (t: Template, prefix: string) => resourcesOf(t, 'AWS::Lambda::Function').find(([id]) => id.startsWith(prefix))!;
const statementsOf = (t: Template, prefix: string) =>
  resourcesOf(t, 'AWS::IAM::ManagedPolicy').find(([id]) => id.startsWith(prefix))![1].Properties.PolicyDocument.Statement as any[];

describe('admin routes', () => {
  const { t, api } = build();

  test('every ADMIN_ROUTES route is under /admin, IAM-authorized, keyless, on the admin handler', () => {
    const [, admin] = fnOf(t, 'ApiAdminFunction');
    const methods = resourcesOf(t, 'AWS::ApiGateway::Method').filter(([, m]) => String(m.Properties.OperationName).startsWith('admin'));
    expect(methods.map(([, m]) => m.Properties.HttpMethod).sort()).toEqual(ADMIN_ROUTES.map((r) => r.method).sort());
    expect(api.routes).toEqual(expect.arrayContaining(ADMIN_ROUTES.map((r) => `${r.method} /admin${r.path}`)));
    for (const [, m] of methods) {
      expect(m.Properties).toMatchObject({ AuthorizationType: 'AWS_IAM', ApiKeyRequired: false });
      expect(m.Properties.Integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(m.Properties.Integration.Uri)).toContain(`:function:${admin.Properties.FunctionName}/invocations`);
    }
  });

  // A method whose integration read the function's ARN would depend on the function, which depends on the plans
  // (environment, policy), which depend on the stage, which depends on the deployment and so on the method:
  // CloudFormation refuses such a loop. The integration names the function instead.
  test('no admin method depends on the admin handler', () => {
    const [adminId] = fnOf(t, 'ApiAdminFunction');
    for (const [, m] of resourcesOf(t, 'AWS::ApiGateway::Method')) expect(JSON.stringify(m)).not.toContain(adminId);
  });

  test('one permission lets this API invoke the handler on /admin/* only', () => {
    const [adminId] = fnOf(t, 'ApiAdminFunction');
    const permissions = resourcesOf(t, 'AWS::Lambda::Permission').filter(([, p]) => JSON.stringify(p.Properties.FunctionName).includes(adminId));
    expect(permissions).toHaveLength(1);
    expect(JSON.stringify(permissions[0][1].Properties.SourceArn)).toMatch(/"\/\*\/\*\/admin\/\*"\]\]\}$/);
  });

  test('grantAdmin grants execute-api:Invoke on each admin route', () => {
    const fresh = build();
    const role = new iam.Role(fresh.stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    fresh.api.grantAdmin(role);
    const statement = Template.fromStack(fresh.stack).findResources('AWS::IAM::Policy');
    const statements = Object.values<any>(statement)[0].Properties.PolicyDocument.Statement;
    expect(statements.every((st: any) => st.Action === 'execute-api:Invoke')).toBe(true);
    const resources = JSON.stringify(statements.map((st: any) => st.Resource));
    for (const r of ADMIN_ROUTES) expect(resources).toContain(`/${r.method}/admin${r.path.replace(/\{[^}]+\}/g, '*')}"`);
  });

  test('the customer table follows the runtime schema, KMS-encrypted, with point-in-time recovery, retained', () => {
    const [, table] = resourcesOf(t, 'AWS::DynamoDB::Table')[0];
    expect(table.Properties.KeySchema).toEqual([{ AttributeName: CUSTOMER_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }]);
    expect(table.Properties.GlobalSecondaryIndexes).toEqual([{
      IndexName: CUSTOMER_TABLE_SCHEMA.tierIndex.name,
      KeySchema: [{ AttributeName: 'tier', KeyType: 'HASH' }, { AttributeName: 'customerId', KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'ALL' },
    }]);
    expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.DeletionPolicy).toBe('Retain');
  });
});

describe('the environment contract', () => {
  test('each configured handler\'s environment parses with the runtime\'s own parser once deployed', () => {
    const { t } = build({ onboarding: { keyLimit: 500, retirement: KeyRetirement.DISABLE, keyNamePrefix: 'acme-' } });
    for (const prefix of ['ApiAdminFunction', 'ApiUsageExportFunction']) {
      const env = deployed(fnOf(t, prefix)[1].Properties.Environment.Variables, t);
      const config = parseMonetizedEnvironment(env);
      expect(config.tiers.map((tier) => tier.name)).toEqual(['free', 'basic', 'pro']);
      expect(config.tiers[0].usagePlanId).toBe(deployed({ Ref: planOf(t, 'free')[0] }, t));
      expect(config).toMatchObject({ keyLimit: 500, retireMode: 'disable', keyNamePrefix: 'acme-', adminBasePath: '/admin', tableName: 'Test-Customers-1A2B3C' });
      expect(config.reportBucket).toBe('test-reports-1a2b3c');
    }
  });

  test('custom resources get no runtime configuration; variables absent from the contract are left out', () => {
    const { t } = build();
    expect(fnOf(t, 'ApiTierCleanupFunction')[1].Properties.Environment).toBeUndefined();
    const env = fnOf(t, 'ApiAdminFunction')[1].Properties.Environment.Variables;
    expect(Object.keys(env)).not.toContain(MONETIZED_ENV.productCodes);
    expect(Object.keys(env)).not.toContain(MONETIZED_ENV.marketplaceTopicArns);
  });
});

describe('least privilege per handler', () => {
  const { t } = build();
  const actions = (prefix: string) => statementsOf(t, prefix).flatMap((s) => ([] as string[]).concat(s.Action)).sort();

  test('the admin handler: the table, API keys, and the tier plans\' keys; nothing else', () => {
    expect([...new Set(actions('ApiAdminFunctionRolePolicy'))]).toEqual([
      'apigateway:DELETE', 'apigateway:GET', 'apigateway:PATCH', 'apigateway:POST',
      'dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem',
      'kms:Decrypt', 'logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
    ]);
    const planResources = JSON.stringify(statementsOf(t, 'ApiAdminFunctionRolePolicy').map((s) => s.Resource));
    for (const tier of ['free', 'basic', 'pro']) expect(planResources).toContain(`/usageplans/",{"Ref":"${planOf(t, tier)[0]}"},"/*"`);
  });

  test('the export reads usage and keys, writes reports under its prefix; no write to API Gateway or the table', () => {
    const list = actions('ApiUsageExportFunctionRolePolicy');
    expect(list).not.toEqual(expect.arrayContaining(['apigateway:POST']));
    expect(list.filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem']);
    const put = statementsOf(t, 'ApiUsageExportFunctionRolePolicy').find((s) => s.Action === 's3:PutObject');
    expect(JSON.stringify(put.Resource)).toMatch(/"\/usage\/\*"\]\]\}$/);
  });

  test('the tier cleanup may only read, update and delete the tier plans and their keys', () => {
    expect([...new Set(actions('ApiTierCleanupFunctionRolePolicy').filter((a) => a.startsWith('apigateway:')))]).toEqual(['apigateway:DELETE', 'apigateway:GET', 'apigateway:PATCH']);
  });

  test('no policy allows a wildcard action', () => {
    for (const [, p] of resourcesOf(t, 'AWS::IAM::ManagedPolicy')) {
      for (const s of p.Properties.PolicyDocument.Statement) for (const a of [].concat(s.Action)) expect(String(a)).not.toMatch(/\*/);
    }
  });
});

describe('switches', () => {
  test('onboarding off: no admin route, no admin handler; the export still has its table', () => {
    const { t, api } = build({ onboarding: { enabled: false } });
    expect(api.adminFunction).toBeUndefined();
    expect(api.routes.filter((r) => r.includes('/admin'))).toEqual([]);
    t.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(() => api.grantAdmin(new iam.Role(api, 'R', { assumedBy: new iam.AccountRootPrincipal() }))).toThrow('Test/Api: invalid onboarding.enabled false: grantAdmin needs the admin routes');
  });

  test('another base path moves every admin route', () => {
    const { api } = build({ onboarding: { basePath: '/ops/billing' } });
    expect(api.routes).toContain('POST /ops/billing/customers');
  });
});
