/**
 * API key source AUTHORIZER with the bundled JWT authorizer: every JWT authorizer function of the pattern gets the
 * claim-to-key lookup (src/runtime/jwt/usage-key.ts): the claim naming the customer, the customer table to read it
 * in, and least privilege for it (GetItem on the table, kms:Decrypt on its key, GET of API keys). Internal to
 * MonetizedApi.
 *
 * API Gateway reads the key of a request from the authorizer's `usageIdentifierKey` when the API's
 * `ApiKeySourceType` is AUTHORIZER, and the key must still be in a usage plan of the stage
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html).
 */
import { Aspects, IAspect } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { APIGATEWAY_READ, acknowledgeRuntimeIds, allow, apiGatewayArn } from './handlers';
import { TABLE_KEY_ACTIONS } from './onboarding';
import { JwtAuthorizerFunction } from '../authorizers/jwt-authorizer-function';

/** The environment variables of the lookup (src/runtime/jwt/config.ts). */
export const USAGE_KEY_ENV = Object.freeze({ claim: 'JWT_USAGE_KEY_CLAIM', table: 'JWT_USAGE_KEY_TABLE' });
/** The one table call of the lookup. */
export const USAGE_KEY_TABLE_ACTIONS = Object.freeze(['dynamodb:GetItem']);

class UsageKeyLookup implements IAspect {
  private readonly done = new WeakSet<IConstruct>();

  constructor(private readonly table: dynamodb.ITable, private readonly key: kms.IKey, private readonly claim: string) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof JwtAuthorizerFunction) || this.done.has(node)) return;
    this.done.add(node);
    node.addEnvironment(USAGE_KEY_ENV.claim, this.claim);
    node.addEnvironment(USAGE_KEY_ENV.table, this.table.tableName);
    allow(node, USAGE_KEY_TABLE_ACTIONS, [this.table.tableArn]);
    allow(node, TABLE_KEY_ACTIONS, [this.key.keyArn]);
    const keys = apiGatewayArn('/apikeys/*');
    allow(node, APIGATEWAY_READ, [keys]);
    acknowledgeRuntimeIds(node, [keys], 'The authorizer reads the value of the caller\'s API key (GetApiKey includeValue) to return it as usageIdentifierKey; '
      + 'keys are created at run time by the admin routes, so their ids cannot be named; GET only');
  }
}

/** Gives every JWT authorizer function under `scope` the claim-to-key lookup. */
export function lookUpUsageKeys(scope: Construct, table: dynamodb.ITable, key: kms.IKey, claim: string): void {
  Aspects.of(scope).add(new UsageKeyLookup(table, key, claim));
}
