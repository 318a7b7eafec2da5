/**
 * Usage reporting: the report bucket and the daily export of every tier's GetUsage to it (JSON Lines, format in
 * docs/monetized-runtime.md). Internal to MonetizedApi.
 *
 * - The report bucket: SSE-KMS with the pattern's data key (the export writes with that key, REPORT_KMS_KEY_ID),
 *   TLS enforced, public access blocked, versioned, a lifecycle rule that expires reports (and old versions) after
 *   the retention, server access logs to a bucket of their own. S3 writes server access logs only to buckets
 *   encrypted with SSE-S3 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html),
 *   so the log bucket uses S3-managed keys.
 * - The schedule is an EventBridge rule (invoking the function asynchronously: failed events retry, then land in
 *   the rule's dead-letter queue; failed invocations in the function's own).
 */
import { Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { allow } from './handlers';
import { acknowledge } from '../core/private/acknowledgements';
import { createDeadLetterQueue } from '../core/private/functions';

/** Defaults of the export. */
export const REPORT_DEFAULTS = {
  retention: Duration.days(400),
  /** 01:15 UTC: the day before is complete; the export reads it. */
  schedule: events.Schedule.cron({ minute: '15', hour: '1' }),
} as const;

/** What writing a report object needs on the bucket's key. */
export const REPORT_KEY_ACTIONS = Object.freeze(['kms:GenerateDataKey']);

/** The report bucket and its access-log bucket. */
export function createReportBucket(scope: Construct, key: kms.IKey, retention: Duration): s3.Bucket {
  const lifecycleRules = [{ expiration: retention, noncurrentVersionExpiration: Duration.days(30) }];
  const common = {
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    // Object Lock without a default retention: objects cannot be locked away by accident, and can be when audits ask.
    objectLockEnabled: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules,
  };
  const logs = new s3.Bucket(scope, 'ReportAccessLogs', { ...common, encryption: s3.BucketEncryption.S3_MANAGED });
  const logReason = 'This bucket receives the report bucket\'s S3 server access logs; logging it too would need another bucket logging that one, without end';
  for (const id of ['AwsSolutions-S1', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'HIPAA.Security-S3BucketLoggingEnabled', 'PCI.DSS.321-S3BucketLoggingEnabled', 'CT.S3.PR.2']) {
    acknowledge(logs, { id, reason: logReason });
  }
  const sseReason = 'S3 delivers server access logs only to buckets encrypted with SSE-S3 (S3 user guide, enable-server-access-logging); the reports themselves are SSE-KMS';
  for (const id of ['NIST.800.53.R5-S3DefaultEncryptionKMS', 'HIPAA.Security-S3DefaultEncryptionKMS', 'PCI.DSS.321-S3DefaultEncryptionKMS', 'CT.S3.PR.10']) {
    acknowledge(logs, { id, reason: sseReason });
  }
  const bucket = new s3.Bucket(scope, 'Reports', { ...common, encryption: s3.BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true });
  // Server access logs through a bucket policy for the logging service (never the log-delivery ACL, whatever the
  // app's @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy flag says): S3 user guide, enable-server-access-logging.
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  cfnBucket.loggingConfiguration = { destinationBucketName: logs.bucketName, logFilePrefix: REPORT_ACCESS_LOG_PREFIX };
  logs.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [logs.arnForObjects(`${REPORT_ACCESS_LOG_PREFIX}*`)],
    conditions: { ArnLike: { 'aws:SourceArn': bucket.bucketArn }, StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
  }));
  // Object events go to EventBridge (no function of ours), so billing pipelines can start on each new report.
  for (const b of [bucket, logs]) {
    (b.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
  }
  const replicationReason = 'Usage reports are derived data: the export rewrites any day again from API Gateway\'s usage records (GetUsage covers the last 90 days), so a replica in another region would add no recoverability';
  for (const b of [bucket, logs]) {
    for (const id of ['NIST.800.53.R5-S3BucketReplicationEnabled', 'HIPAA.Security-S3BucketReplicationEnabled', 'PCI.DSS.321-S3BucketReplicationEnabled']) {
      acknowledge(b, { id, reason: replicationReason });
    }
  }
  return bucket;
}

/** Where the report bucket's server access logs go in the log bucket. */
export const REPORT_ACCESS_LOG_PREFIX = 'reports/';

/** Grants the export function its writes under the report prefix. */
export function grantReportWrites(fn: lambda.Function, bucket: s3.IBucket, key: kms.IKey, prefix: string): void {
  allow(fn, ['s3:PutObject'], [bucket.arnForObjects(`${prefix}*`)]);
  allow(fn, REPORT_KEY_ACTIONS, [key.keyArn]);
}

/** Runs `fn` on `schedule`, with retries and a dead-letter queue for events that could not be delivered. */
export function scheduleExport(scope: Construct, fn: lambda.Function, schedule: events.Schedule, key: kms.IKey): events.Rule {
  const deadLetterQueue = createDeadLetterQueue(scope, 'ExportScheduleDlq', key, 'of the usage-export schedule');
  acknowledge(deadLetterQueue, {
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is the dead-letter queue of the export schedule\'s EventBridge target (its DeadLetterConfig names it); ' +
      'cdk-nag recognizes only SQS redrive policies and Lambda DeadLetterConfig as dead-letter references',
  });
  const rule = new events.Rule(scope, 'ExportSchedule', {
    description: `Daily usage export of ${scope.node.path}`,
    schedule,
  });
  rule.addTarget(new targets.LambdaFunction(fn, { retryAttempts: 4, maxEventAge: Duration.hours(6), deadLetterQueue }));
  // The rule's invoke permission carries the account when it is known (Control Tower CT.LAMBDA.PR.2 asks for a
  // literal SourceAccount; its SourceArn, the rule's ARN, already names this account).
  const account = Stack.of(rule).account;
  if (!Token.isUnresolved(account)) {
    for (const c of rule.node.findAll()) if (c instanceof lambda.CfnPermission) c.sourceAccount = account;
  }
  return rule;
}
