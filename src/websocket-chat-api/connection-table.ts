/**
 * The chat's connection table. Internal.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge } from '../core/private/acknowledgements';
import { CHAT_DEFAULTS } from '../runtime/chat/contract';

/**
 * One item per connection (`connectionId`), KMS-encrypted with the pattern's key, on demand, point-in-time
 * recovery, TTL `expiresAt`; `room-index` (roomId) for broadcasts and room sizes, `user-index` (userId) for the
 * per-user connection cap, both KEYS_ONLY.
 */
export function createConnectionTable(scope: Construct, key: kms.IKey): dynamodb.Table {
  const table = new dynamodb.Table(scope, 'Connections', {
    partitionKey: { name: 'connectionId', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: 'expiresAt',
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
  });
  for (const [indexName, attribute] of [[CHAT_DEFAULTS.roomIndex, 'roomId'], [CHAT_DEFAULTS.userIndex, 'userId']]) {
    table.addGlobalSecondaryIndex({
      indexName,
      partitionKey: { name: attribute, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
  }
  for (const findingId of ['NIST.800.53.R5-DynamoDBInBackupPlan', 'HIPAA.Security-DynamoDBInBackupPlan']) {
    acknowledge(table, {
      id: findingId,
      reason: 'Connection records are ephemeral (TTL 2 hours, the longest a WebSocket connection lives) and are recreated when clients reconnect; point-in-time recovery is on for operational mistakes',
    });
  }
  return table;
}
