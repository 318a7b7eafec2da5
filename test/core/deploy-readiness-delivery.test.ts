/**
 * Deploy readiness, service principals that must be allowed where a service delivers: alarms to SNS topics,
 * SNS and EventBridge to SQS queues, CloudWatch Logs to KMS keys, Lambda to its dead-letter queue's key.
 */
import { Aws, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { findingsOf, stack } from './deploy-readiness/support';

function alarmOn(s: Stack, topic: sns.ITopic): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(s, 'Alarm', {
    metric: new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName: '5XXError' }),
    threshold: 1,
    evaluationPeriods: 1,
  });
  alarm.addAlarmAction(new actions.SnsAction(topic));
  return alarm;
}

const tlsOnly = (topic: sns.Topic) =>
  new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: { Bool: { 'aws:SecureTransport': 'false' } },
  });

const allowCloudWatch = (topic: sns.Topic) =>
  new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
  });

describe('AlarmTopicDelivery', () => {
  // A topic policy replaces SNS's default policy: CloudWatch (cloudwatch.amazonaws.com) then needs an explicit
  // Allow of sns:Publish, and an encrypted topic's key must allow it kms:Decrypt and kms:GenerateDataKey*
  // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
  test('a topic policy holding only the TLS Deny stops alarm notifications (issue 9 item 6)', () => {
    const s = stack();
    const topic = new sns.Topic(s, 'Topic');
    topic.addToResourcePolicy(tlsOnly(topic));
    alarmOn(s, topic);
    expect(findingsOf(s, 'AlarmTopicDelivery')).toEqual([
      {
        rule: 'AlarmTopicDelivery',
        path: 'Test/Topic/Policy/Resource',
        message: 'Test/Topic/Policy/Resource: alarm Test/Alarm/Resource notifies topic Test/Topic/Resource, but this topic policy does not allow cloudwatch.amazonaws.com sns:Publish, so no notification is ever sent',
      },
    ]);
  });

  test('the same policy with an Allow for cloudwatch.amazonaws.com passes; so does a topic with no policy (SNS default)', () => {
    const s = stack();
    const topic = new sns.Topic(s, 'Topic');
    topic.addToResourcePolicy(tlsOnly(topic));
    topic.addToResourcePolicy(allowCloudWatch(topic));
    alarmOn(s, topic);
    expect(findingsOf(s, 'AlarmTopicDelivery')).toEqual([]);

    const plain = stack();
    alarmOn(plain, new sns.Topic(plain, 'Topic'));
    expect(findingsOf(plain, 'AlarmTopicDelivery')).toEqual([]);
  });

  test('an encrypted topic needs the key to allow CloudWatch; an AWS managed key never does', () => {
    const s = stack();
    const key = new kms.Key(s, 'Key');
    const topic = new sns.Topic(s, 'Topic', { masterKey: key });
    alarmOn(s, topic);
    expect(findingsOf(s, 'AlarmTopicDelivery')).toEqual([
      expect.objectContaining({ path: 'Test/Key/Resource', message: expect.stringMatching(/whose policy does not allow cloudwatch\.amazonaws\.com kms:Decrypt, kms:GenerateDataKey$/) }),
    ]);

    const fixed = stack();
    const goodKey = new kms.Key(fixed, 'Key');
    goodKey.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'] }));
    alarmOn(fixed, new sns.Topic(fixed, 'Topic', { masterKey: goodKey }));
    expect(findingsOf(fixed, 'AlarmTopicDelivery')).toEqual([]);

    const managed = stack();
    alarmOn(managed, new sns.Topic(managed, 'Topic', { masterKey: kms.Alias.fromAliasName(managed, 'Managed', 'alias/aws/sns') }));
    expect(findingsOf(managed, 'AlarmTopicDelivery')).toEqual([expect.objectContaining({ path: 'Test/Topic/Resource', message: expect.stringContaining('AWS managed key') })]);
  });
});

describe('QueueDelivery', () => {
  // SNS and EventBridge deliver to SQS only when the queue policy allows their service principal
  // sqs:SendMessage, and an encrypted queue's key allows it kms:GenerateDataKey and kms:Decrypt
  // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html#compatibility-with-aws-services).
  test('an SNS subscription to a queue without a queue policy is found', () => {
    const s = stack();
    const topic = new sns.Topic(s, 'Topic');
    const queue = new sqs.Queue(s, 'Queue');
    new sns.Subscription(s, 'Sub', { topic, protocol: sns.SubscriptionProtocol.SQS, endpoint: queue.queueArn });
    expect(findingsOf(s, 'QueueDelivery')).toEqual([
      expect.objectContaining({ path: 'Test/Queue/Resource', message: 'Test/Queue/Resource: Test/Sub/Resource delivers to queue Test/Queue/Resource as sns.amazonaws.com, but the queue has no queue policy allowing it' }),
    ]);
  });

  test('the L2 SqsSubscription and the EventBridge SqsQueue target add what is needed, keys included', () => {
    const s = stack();
    const key = new kms.Key(s, 'Key');
    const queue = new sqs.Queue(s, 'Queue', { encryptionMasterKey: key });
    new sns.Topic(s, 'Topic').addSubscription(new subscriptions.SqsSubscription(queue));
    new events.Rule(s, 'Rule', { eventPattern: { source: ['app'] }, targets: [new targets.SqsQueue(queue)] });
    expect(findingsOf(s, 'QueueDelivery')).toEqual([]);
  });

  test('a queue policy that allows only SNS does not let EventBridge deliver; a key that allows neither is found', () => {
    const s = stack();
    const key = new kms.Key(s, 'Key');
    const queue = new sqs.Queue(s, 'Queue', { encryptionMasterKey: key });
    queue.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.ServicePrincipal('sns.amazonaws.com')], actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    new events.CfnRule(s, 'Rule', { eventPattern: { source: ['app'] }, targets: [{ id: 'q', arn: queue.queueArn }] });
    expect(findingsOf(s, 'QueueDelivery').map((f) => f.path)).toEqual(['Test/Queue/Policy/Resource', 'Test/Key/Resource']);
  });
});

describe('LogGroupKeyAccess', () => {
  // CloudWatch Logs uses a log group's key as logs.<region>.amazonaws.com; only the key policy can allow it
  // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
  test('a key with the default policy (account root only) cannot encrypt a log group', () => {
    const s = stack();
    new logs.LogGroup(s, 'Logs', { encryptionKey: new kms.Key(s, 'Key') });
    expect(findingsOf(s, 'LogGroupKeyAccess')).toEqual([
      expect.objectContaining({ path: 'Test/Logs/Resource', message: expect.stringMatching(/encrypted with Test\/Key\/Resource, whose policy does not allow logs\.<region>\.amazonaws\.com kms:Encrypt, kms:Decrypt/) }),
    ]);
  });

  test('the documented statement for logs.<region>.amazonaws.com passes (region as a token or a literal)', () => {
    for (const region of [Aws.REGION, 'eu-west-1']) {
      const s = stack();
      const key = new kms.Key(s, 'Key');
      key.addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
      }));
      new logs.LogGroup(s, 'Logs', { encryptionKey: key });
      expect(findingsOf(s, 'LogGroupKeyAccess')).toEqual([]);
    }
  });
});

describe('DeadLetterQueueAccess', () => {
  // Lambda sends to a dead-letter queue with the function's role; a KMS-encrypted queue also needs
  // kms:GenerateDataKey and kms:Decrypt on its key, which CDK does not grant (aws-cdk#33153).
  const fn = (s: Stack, deadLetterQueue: sqs.IQueue) =>
    new lambda.Function(s, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('x'), deadLetterQueue });

  test('a dead-letter queue encrypted with a customer key is unusable without a key grant (aws-cdk#33153)', () => {
    const s = stack();
    fn(s, new sqs.Queue(s, 'Dlq', { encryptionMasterKey: new kms.Key(s, 'Key') }));
    expect(findingsOf(s, 'DeadLetterQueueAccess')).toEqual([
      expect.objectContaining({ path: 'Test/Fn/Resource', message: expect.stringMatching(/dead-letter queue Test\/Dlq\/Resource can never receive a message: the role Test\/Fn\/ServiceRole\/Resource is not allowed kms:GenerateDataKey, kms:Decrypt/) }),
    ]);
  });

  test('with the key granted to the role it passes; an unencrypted or SQS-managed queue passes as CDK grants the send', () => {
    const s = stack();
    const key = new kms.Key(s, 'Key');
    const f = fn(s, new sqs.Queue(s, 'Dlq', { encryptionMasterKey: key }));
    key.grant(f, 'kms:GenerateDataKey', 'kms:Decrypt');
    expect(findingsOf(s, 'DeadLetterQueueAccess')).toEqual([]);

    const plain = stack();
    fn(plain, new sqs.Queue(plain, 'Dlq', { encryption: sqs.QueueEncryption.SQS_MANAGED }));
    expect(findingsOf(plain, 'DeadLetterQueueAccess')).toEqual([]);
  });

  test('a key policy that trusts only IAM (account root) still needs the role\'s IAM policy to allow the key', () => {
    const s = stack();
    const key = new kms.Key(s, 'Key'); // default policy: the account root may use the key, so IAM decides
    const f = fn(s, new sqs.Queue(s, 'Dlq', { encryptionMasterKey: key }));
    f.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [key.keyArn] }));
    expect(findingsOf(s, 'DeadLetterQueueAccess')).toEqual([expect.objectContaining({ message: expect.stringMatching(/is not allowed kms:Decrypt \(key/) })]);
  });
});
