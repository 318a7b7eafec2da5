/**
 * The SNS topic alarms notify, and what it takes for a notification to reach anyone.
 *
 * Two AWS rules shape it:
 * - A topic policy REPLACES the topic's default access policy. CDK's `enforceSSL` writes a policy holding only the TLS
 *   Deny, after which CloudWatch is no longer allowed to publish, and alarm actions fail with "... is not authorized to
 *   perform: SNS:Publish" in the alarm history. The policy must allow `cloudwatch.amazonaws.com` to `sns:Publish`,
 *   scoped to this account's alarms against the confused deputy
 *   (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger,
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html).
 * - On a KMS-encrypted topic the publishing service needs `kms:GenerateDataKey*` and `kms:Decrypt` on the key, through
 *   the key policy (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 *
 * A topic notifies no one until something subscribes to it: e-mail addresses or any `ITopicSubscription` can be given.
 * The e-mail subscriptions the library creates share one KMS-encrypted dead-letter queue (SNS redrive policy), so a
 * notification SNS cannot deliver is kept 14 days instead of dropped; SNS may send to it (queue policy, added by the
 * subscription) and use its key (https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html).
 *
 * Internal: never exported from the package.
 */
import { ArnFormat, Aws, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledgements';
import { createDeadLetterQueue } from './functions';
import { ALARM_PUBLISH_ACTIONS, CLOUDWATCH_PRINCIPAL, SERVICE_KEY_ACTIONS, SNS_PRINCIPAL } from './policies';
import { checkPattern, checkUnique, warn } from './validation';

/** Options of `alarmTopic`. */
export interface AlarmTopicOptions {
  /** A topic given by the user; otherwise one is created, encrypted with `encryptionKey`. */
  readonly topic?: sns.ITopic;
  /** Key of a created topic. */
  readonly encryptionKey: kms.IKey;
  /** True when `encryptionKey` was created by the library (its policy already allows CloudWatch). */
  readonly keyCreatedByLibrary: boolean;
  /** E-mail addresses to subscribe. */
  readonly emails?: string[];
  /** Other subscriptions (SQS, Lambda, HTTPS, chat integrations...). */
  readonly subscriptions?: sns.ITopicSubscription[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The alarm topic: created or given, with the policies CloudWatch needs and the requested subscriptions. */
export function alarmTopic(scope: Construct, options: AlarmTopicOptions): sns.ITopic {
  for (const email of options.emails ?? []) {
    checkPattern(scope, 'alarmEmails', email, EMAIL, 'entries must be e-mail addresses such as ops@example.com');
  }
  checkUnique(scope, 'alarmEmails', options.emails);

  const topic =
    options.topic ??
    new sns.Topic(scope, 'AlarmTopic', { displayName: 'API alarms', masterKey: options.encryptionKey, enforceSSL: true });
  const stack = Stack.of(scope);
  const published = topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal(CLOUDWATCH_PRINCIPAL)],
      actions: [...ALARM_PUBLISH_ACTIONS],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      },
    }),
  );
  if (!published.statementAdded) {
    warn(
      scope,
      'AlarmTopicPolicy',
      `the alarm topic ${describe(topic.topicArn)} is imported, so its access policy cannot be extended: make sure it allows ` +
        `${CLOUDWATCH_PRINCIPAL} to ${ALARM_PUBLISH_ACTIONS.join(', ')}, or no alarm notification is delivered`,
    );
  }
  const userKey = !options.keyCreatedByLibrary;
  const key = options.topic ? options.topic.masterKey : options.encryptionKey;
  if (key && (key !== options.encryptionKey || userKey)) {
    allowServiceOnKey(scope, key, CLOUDWATCH_PRINCIPAL, 'CloudWatch cannot publish to the encrypted topic');
  }

  if (options.emails?.length) {
    const deadLetterQueue = createDeadLetterQueue(scope, 'AlarmDeliveryDlq', options.encryptionKey, 'of the alarm notifications SNS could not deliver');
    acknowledge(deadLetterQueue, {
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the alarm topic\'s e-mail subscriptions (their SNS RedrivePolicy names it); ' +
        'cdk-nag recognizes only SQS redrive policies and Lambda DeadLetterConfig as dead-letter references',
    });
    if (userKey) allowServiceOnKey(scope, options.encryptionKey, SNS_PRINCIPAL, 'SNS cannot move undeliverable notifications to the encrypted dead-letter queue');
    options.emails.forEach((email) => topic.addSubscription(new subscriptions.EmailSubscription(email, { deadLetterQueue })));
  }
  options.subscriptions?.forEach((s) => topic.addSubscription(s));
  return topic;
}

/** Lets a service use a key on behalf of this account (a warning id `AlarmTopicKeyPolicy` when the key is imported). */
function allowServiceOnKey(scope: Construct, key: kms.IKey, service: string, consequence: string): void {
  const added = key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: `Allow${service.split('.')[0]}ForAlarmNotifications`,
      principals: [new iam.ServicePrincipal(service)],
      actions: [...SERVICE_KEY_ACTIONS],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
    true,
  );
  if (!added.statementAdded) {
    warn(
      scope,
      'AlarmTopicKeyPolicy',
      `the KMS key ${describe(key.keyArn)} of the alarm notifications is imported, so its key policy cannot be extended: make sure it ` +
        `allows ${service} ${SERVICE_KEY_ACTIONS.join(' and ')}, or ${consequence}`,
    );
  }
}

function describe(value: string): string {
  return Token.isUnresolved(value) ? '(a token)' : value;
}
