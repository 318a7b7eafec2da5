/**
 * Onboarding at scale, outside CloudFormation: the customer table and the admin routes (ADMIN_ROUTES of the
 * runtime contract) with their handler. Internal to MonetizedApi.
 *
 * - The table follows CUSTOMER_TABLE_SCHEMA (partition key `pk`, GSI `tier-index` on `tier` + `customerId`),
 *   KMS-encrypted with the pattern's data key, point-in-time recovery on, retained when the stack is deleted (it is
 *   the record of who holds which key).
 * - Every admin route is IAM-authorized (SigV4: only principals granted `execute-api:Invoke` on it, see
 *   `grantAdmin`) and needs no API key; the handler refuses a request without an IAM caller anyway.
 * - IAM: the calls of docs/monetized-runtime.md ("needs") on the tier plans, API keys (ids made at run time) and
 *   the table; DynamoDB under a customer managed key needs kms:Decrypt from the caller
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { APIGATEWAY_KEYS, TABLE_READ_WRITE, acknowledgeRuntimeIds, allow, apiGatewayArn } from './handlers';
import { acknowledge } from '../core/private/acknowledgements';
import { CUSTOMER_TABLE_SCHEMA } from '../runtime/monetized/contract';

/** What reading and writing the customer table needs on its key. */
export const TABLE_KEY_ACTIONS = Object.freeze(['kms:Decrypt']);

/** The customer table. */
export function createCustomerTable(scope: Construct, key: kms.IKey): dynamodb.Table {
  const table = new dynamodb.Table(scope, 'Customers', {
    partitionKey: { name: CUSTOMER_TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
  });
  const index = CUSTOMER_TABLE_SCHEMA.tierIndex;
  table.addGlobalSecondaryIndex({
    indexName: index.name,
    partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
    projectionType: dynamodb.ProjectionType.ALL,
  });
  for (const findingId of ['NIST.800.53.R5-DynamoDBInBackupPlan', 'HIPAA.Security-DynamoDBInBackupPlan']) {
    acknowledge(table, {
      id: findingId,
      reason: 'Point-in-time recovery keeps continuous backups of the customer table for 35 days and the table is retained ' +
        'and deletion-protected; accounts that require AWS Backup select it through their organisation backup policy',
    });
  }
  return table;
}

/** The table calls of a function that reads and writes customers (records, leases, key owners, the key counter). */
export function grantTable(fn: lambda.Function, table: dynamodb.ITable, key: kms.IKey): void {
  allow(fn, TABLE_READ_WRITE, [table.tableArn, `${table.tableArn}/index/${CUSTOMER_TABLE_SCHEMA.tierIndex.name}`]);
  allow(fn, TABLE_KEY_ACTIONS, [key.keyArn]);
}

/** API keys are created, read, tagged, updated and deleted by id, and listed (by name or customer id). */
export function grantKeys(fn: lambda.Function): void {
  const keys = apiGatewayArn('/apikeys/*');
  allow(fn, APIGATEWAY_KEYS, [apiGatewayArn('/apikeys'), keys]);
  // GetUsagePlans?keyId= lists the plans a key is in (revocation detaches it from each).
  allow(fn, ['apigateway:GET'], [apiGatewayArn('/usageplans')]);
  acknowledgeRuntimeIds(fn, [keys], 'API keys are created at run time by this function (one per customer and generation), so their ids cannot be named in the policy; the actions are limited to API keys of this account and region');
}

/** Usage-plan keys of the tier plans (attach, detach, list, read usage). */
export function grantPlanKeys(fn: lambda.Function, planId: string, actions: readonly string[] = APIGATEWAY_KEYS): void {
  const under = apiGatewayArn(`/usageplans/${planId}/*`);
  allow(fn, actions, [apiGatewayArn(`/usageplans/${planId}`), under]);
  acknowledgeRuntimeIds(fn, [under], 'Usage-plan keys are the API keys customers hold, attached at run time, so their ids cannot be named; the resource is one tier\'s usage plan');
}
