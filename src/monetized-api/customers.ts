/**
 * Static customers: an API key and its usage-plan key per customer declared in code. Internal to MonetizedApi.
 *
 * - Construct ids (hence logical ids) derive from the customer id only, never from its position in the list:
 *   removing or reordering customers never replaces another customer's `UsagePlanKey`, which is immutable and
 *   unique per (plan, key) (aws-cdk#11876, aws-cdk#13817).
 * - A key value never appears in the template: API Gateway generates it and the key-secret custom resource publishes
 *   it to a Secrets Manager secret (`GetApiKey includeValue` -> `PutSecretValue`), or the value comes from a secret
 *   reference resolved by CloudFormation. A changed value (reference or generation) changes the key's name as well,
 *   as CloudFormation can only replace a named key under a new name (aws-cdk#12745).
 * - Keys carry the runtime's customer and tier tags, so usage reports name their owner (docs/monetized-runtime.md).
 */
import { createHash } from 'node:crypto';
import { CustomResource, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { APIGATEWAY_READ, allow, apiGatewayArn } from './handlers';
import { StaticCustomer } from './monetized-api-props';
import { acknowledge } from '../core/private/acknowledgements';
import { checkPattern, checkRange, fail, warn } from '../core/private/validation';
import { CUSTOMER_ID, KEY_TAGS } from '../runtime/monetized/contract';

/** The static customers a stack may declare unless told otherwise, and at most. */
export const DEFAULT_MAX_STATIC_CUSTOMERS = 25;
export const MAX_STATIC_CUSTOMERS = 100;

/** What a caller of PutSecretValue needs on the secret's customer-managed key. */
export const SECRET_KEY_ACTIONS = Object.freeze(['kms:GenerateDataKey', 'kms:Decrypt']);

/** Checks the list: ids, tiers, duplicate ids and values, and the cap. */
export function validateCustomers(scope: IConstruct, customers: readonly StaticCustomer[], tiers: readonly string[], max: number): void {
  checkRange(scope, 'maxStaticCustomers', max, { min: 0, max: MAX_STATIC_CUSTOMERS, integer: true });
  if (customers.length > max) {
    fail(scope, 'customers', `${customers.length} customers`, `must be at most ${max} (maxStaticCustomers): each is an API key and a usage-plan key in the stack, ` +
      'against CloudFormation\'s 500 resources per stack and the region\'s 10,000 API keys; onboard customers at run time through the admin routes (POST /admin/customers)');
  }
  const ids = new Set<string>();
  const values = new Map<string, string>();
  for (const c of customers) {
    checkPattern(scope, 'customers.id', c.id, CUSTOMER_ID, 'must be 1-128 letters, digits or "._:@-", starting with a letter or digit');
    if (ids.has(c.id)) fail(scope, 'customers.id', c.id, 'must be unique');
    ids.add(c.id);
    if (!tiers.includes(c.tier)) fail(scope, `customer ${c.id} tier`, c.tier, `must name a tier of the API (${tiers.join(', ')})`);
    checkRange(scope, `customer ${c.id} generation`, c.generation, { min: 0, integer: true });
    if (c.value !== undefined) {
      if (c.generation !== undefined) fail(scope, `customer ${c.id} generation`, c.generation, 'applies only to generated keys (no value)');
      const reference = valueReference(scope, c);
      const other = values.get(reference);
      if (other !== undefined) fail(scope, `customer ${c.id} value`, reference, `is also customer ${other}'s: API key values are unique per region (409 "API Key already exists")`);
      values.set(reference, c.id);
    }
  }
}

/** A given value as the template will carry it: a secret reference, never plain text. */
function valueReference(scope: IConstruct, customer: StaticCustomer): string {
  const resolved = Stack.of(scope).resolve(customer.value!.unsafeUnwrap());
  if (typeof resolved === 'string' && !resolved.startsWith('{{resolve:')) {
    fail(scope, `customer ${customer.id} value`, '(plain text)', 'must reference a secret (SecretValue.secretsManager, SecretValue.ssmSecure or a NoEcho parameter): plain text would be readable in the template');
  }
  return JSON.stringify(resolved);
}

/** A short fingerprint that changes with its input. */
function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** What the static customers need from the pattern. */
export interface CustomerContext {
  readonly planOf: (tier: string) => apigateway.CfnUsagePlan;
  readonly keyNamePrefix: string;
  readonly encryptionKey: kms.IKey;
  /** The key-secret function, created with the first generated key. */
  readonly keySecretFunction: () => lambda.Function;
}

/** One static customer's resources. */
export class CustomerKey extends Construct {
  /** The API key. */
  public readonly apiKey: apigateway.CfnApiKey;
  /** The key's membership of its tier's plan. */
  public readonly usagePlanKey: apigateway.CfnUsagePlanKey;
  /** The secret the generated value is published to (generated keys only). */
  public readonly secret?: secretsmanager.Secret;

  constructor(scope: Construct, id: string, customer: StaticCustomer, context: CustomerContext) {
    super(scope, id);
    const plan = context.planOf(customer.tier);
    const base = `${context.keyNamePrefix}static-${customer.id}`;
    const name = customer.value
      ? `${base}-${fingerprint(JSON.stringify(Stack.of(this).resolve(customer.value.unsafeUnwrap())))}`
      : customer.generation ? `${base}-g${customer.generation}` : base;
    this.apiKey = new apigateway.CfnApiKey(this, 'ApiKey', {
      name,
      description: `API key of customer ${customer.id} (tier ${customer.tier}) of ${scope.node.path}`,
      enabled: true,
      value: customer.value?.unsafeUnwrap(),
      tags: [{ key: KEY_TAGS.customer, value: customer.id }, { key: KEY_TAGS.tier, value: customer.tier }],
    });
    this.usagePlanKey = new apigateway.CfnUsagePlanKey(this, 'UsagePlanKey', { keyId: this.apiKey.ref, keyType: 'API_KEY', usagePlanId: plan.ref });
    if (!customer.value) this.secret = this.publishValue(customer, context);
  }

  private publishValue(customer: StaticCustomer, context: CustomerContext): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'Secret', {
      description: `API key of customer ${customer.id}: {"apiKeyId","apiKey"}, written by the stack from API Gateway's generated value`,
      encryptionKey: context.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const reason =
      'The secret mirrors an API Gateway API key, which Secrets Manager rotation cannot change: the key is rotated by ' +
      'increasing the customer\'s generation (a new key replaces it and the stack publishes the new value here) or by ' +
      'the admin route POST /customers/{id}/rotate';
    for (const findingId of ['AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerRotationEnabled', 'HIPAA.Security-SecretsManagerRotationEnabled', 'PCI.DSS.321-SecretsManagerRotationEnabled']) {
      acknowledge(secret, { id: findingId, reason });
    }
    const fn = context.keySecretFunction();
    allow(fn, APIGATEWAY_READ, [apiGatewayArn(`/apikeys/${this.apiKey.ref}`)]);
    allow(fn, ['secretsmanager:PutSecretValue'], [secret.secretArn]);
    // PutSecretValue under a customer-managed key needs both on the key (Secrets Manager user guide,
    // security-encryption.html#security-encryption-authz).
    allow(fn, SECRET_KEY_ACTIONS, [context.encryptionKey.keyArn]);
    const publish = new CustomResource(this, 'PublishValue', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::ApiKeySecret',
      properties: { ApiKeyId: this.apiKey.ref, SecretId: secret.secretArn },
    });
    // The function's grants must exist before the value is published.
    if (fn.role) publish.node.addDependency(fn.role);
    return secret;
  }
}

/** API Gateway's usage plans per API key (docs/limits.md); the warning comes at 8. */
export const PLANS_PER_KEY = 10;
export const PLANS_PER_KEY_WARNING = 8;

/** A key made elsewhere, attached to a tier's plan (no `AWS::ApiGateway::ApiKey` in this stack). */
export function importKey(scope: Construct, id: string, keyId: string, plan: apigateway.CfnUsagePlan): apigateway.CfnUsagePlanKey {
  if (!Token.isUnresolved(keyId)) checkPattern(scope, 'importKey keyId', keyId, /^[a-z0-9]{1,64}$/, 'must be an API Gateway API key id');
  // The app's other usage-plan keys of this key: API Gateway refuses a second (plan, key) pair and an 11th plan.
  const same = scope.node.root.node.findAll()
    .filter((c): c is apigateway.CfnUsagePlanKey => c instanceof apigateway.CfnUsagePlanKey && c.keyId === keyId);
  if (same.some((c) => c.usagePlanId === plan.ref)) fail(scope, 'importKey keyId', keyId, 'is already in that tier: API Gateway refuses a second usage-plan key for one plan and key');
  if (same.length + 1 > PLANS_PER_KEY) fail(scope, 'importKey keyId', keyId, `would be in ${same.length + 1} usage plans: an API key can be in ${PLANS_PER_KEY} at most`);
  if (same.length + 1 >= PLANS_PER_KEY_WARNING) {
    warn(scope, 'PlansPerKey', `API key ${keyId} is in ${same.length + 1} usage plans of the app; an API key can be in ${PLANS_PER_KEY} at most (docs/limits.md)`);
  }
  return new apigateway.CfnUsagePlanKey(scope, id, { keyId, keyType: 'API_KEY', usagePlanId: plan.ref });
}
