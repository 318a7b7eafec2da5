/**
 * Usage reporting: the KMS-encrypted report bucket (TLS only, versioned, lifecycle, server access logs through a
 * bucket policy) and the daily EventBridge schedule of the export.
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { addPetRoutes, monetized, resourcesOf } from './support';
import { newStack } from '../support/fixtures';

const build = (props: Parameters<typeof monetized>[0] = {}) => {
  const { stack, api } = monetized(props);
  addPetRoutes(api);
  return { api, t: Template.fromStack(stack) };
};

const bucketOf = (t: Template, prefix: string) => resourcesOf(t, 'AWS::S3::Bucket').find(([id]) => id.startsWith(prefix))!;

describe('the report bucket', () => {
  const { t, api } = build();
  const [reportsId, reports] = bucketOf(t, 'ApiReports');
  const [logsId, logs] = bucketOf(t, 'ApiReportAccessLogs');

  test('SSE-KMS with the data key, versioned, Object Lock on, public access blocked, retained', () => {
    expect(reports.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
      BucketKeyEnabled: true,
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^ApiDataKey/), 'Arn'] } },
    });
    expect(reports.Properties).toMatchObject({ VersioningConfiguration: { Status: 'Enabled' }, ObjectLockEnabled: true });
    expect(reports.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(reports.DeletionPolicy).toBe('Retain');
    expect(api.reportBucket).toBeDefined();
  });

  test('a lifecycle rule expires reports and old versions', () => {
    expect(reports.Properties.LifecycleConfiguration.Rules).toEqual([{ ExpirationInDays: 400, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }]);
  });

  test('TLS is enforced on both buckets', () => {
    for (const id of [reportsId, logsId]) {
      const policy = resourcesOf(t, 'AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === id)![1];
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({
        Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }));
    }
  });

  // S3 delivers server access logs with the logging service principal, allowed by the target bucket's policy
  // (S3 user guide, enable-server-access-logging), to an SSE-S3 bucket.
  test('server access logs go to the log bucket, allowed for the logging service from the report bucket only', () => {
    expect(reports.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'reports/' });
    expect(logs.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
    expect(logs.Properties.AccessControl).toBeUndefined();
    const policy = resourcesOf(t, 'AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === logsId)![1];
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [reportsId, 'Arn'] } }, StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    }));
  });

  test('object events go to EventBridge, without a notification function', () => {
    expect(reports.Properties.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    t.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  test('the export runs daily at 01:15 UTC, retried, with a dead-letter queue', () => {
    const [, rule] = resourcesOf(t, 'AWS::Events::Rule')[0];
    expect(rule.Properties.ScheduleExpression).toBe('cron(15 1 * * ? *)');
    expect(rule.Properties.Targets[0]).toMatchObject({
      RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21600 }, DeadLetterConfig: { Arn: expect.anything() },
    });
  });
});

// Control Tower CT.LAMBDA.PR.2 (cfn-guard lambda_function_public_access_prohibited) passes a permission only with a
// literal SourceAccount (docs: controltower/latest/controlreference/lambda-rules.html#ct-lambda-pr-2); the rule's ARN
// alone does not satisfy it (TOOLCHAIN.md trap 14).
test('with a literal account, the schedule\'s invoke permission carries it as SourceAccount', () => {
  const stack = newStack('Test', { env: { account: '111122223333', region: 'eu-west-1' } });
  const { api } = monetized({}, stack);
  addPetRoutes(api);
  const permissions = resourcesOf(Template.fromStack(stack), 'AWS::Lambda::Permission').filter(([, p]) => p.Properties.Principal === 'events.amazonaws.com');
  expect(permissions).toHaveLength(1);
  expect(permissions[0][1].Properties.SourceAccount).toBe('111122223333');
});

describe('report options', () => {
  test('a schedule, a retention and a prefix of one\'s own', () => {
    const { t } = build({ usageReports: { schedule: events.Schedule.cron({ minute: '0', hour: '6' }), retention: Duration.days(730), prefix: 'billing/' } });
    expect(resourcesOf(t, 'AWS::Events::Rule')[0][1].Properties.ScheduleExpression).toBe('cron(0 6 * * ? *)');
    expect(bucketOf(t, 'ApiReports')[1].Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(730);
    const env = resourcesOf(t, 'AWS::Lambda::Function').find(([id]) => id.startsWith('ApiUsageExportFunction'))![1].Properties.Environment.Variables;
    expect(env.REPORT_PREFIX).toBe('billing/');
  });

  test('reports off: no bucket, no schedule, no export handler', () => {
    const { t, api } = build({ usageReports: { enabled: false } });
    t.resourceCountIs('AWS::S3::Bucket', 0);
    t.resourceCountIs('AWS::Events::Rule', 0);
    expect(api.usageExportFunction).toBeUndefined();
  });

  test.each<[string, Parameters<typeof monetized>[0], string]>([
    ['retention under a day', { usageReports: { retention: Duration.hours(6) } }, 'Test/Api: invalid usageReports.retention 6 hours: must be between 86400 and 3153600000 seconds'],
    ['retention in hours', { usageReports: { retention: Duration.hours(36) } }, 'Test/Api: invalid usageReports.retention 1 day 12 hours: must be a whole number of days'],
    ['prefix with a space', { usageReports: { prefix: 'my reports/' } }, 'Test/Api: invalid usageReports.prefix "my reports/": must be an S3 key prefix'],
  ])('%s is refused', (_name, props, message) => {
    expect(() => monetized(props)).toThrow(message);
  });
});
