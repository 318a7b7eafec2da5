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
 *
 * Internal: never exported from the package.
 */
import { ArnFormat, Aws, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { checkPattern, checkUnique, warn } from './validation';

/** The service principal that publishes alarm notifications. */
export const CLOUDWATCH_PRINCIPAL = 'cloudwatch.amazonaws.com';

/** What a publishing service needs on the KMS key of an encrypted topic. */
export const TOPIC_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*'];

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
      actions: ['sns:Publish'],
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
        `${CLOUDWATCH_PRINCIPAL} to sns:Publish, or no alarm notification is delivered`,
    );
  }
  const key = options.topic ? options.topic.masterKey : options.encryptionKey;
  if (key && !(key === options.encryptionKey && options.keyCreatedByLibrary)) allowCloudWatchOnKey(scope, key);

  options.emails?.forEach((email) => topic.addSubscription(new subscriptions.EmailSubscription(email)));
  options.subscriptions?.forEach((s) => topic.addSubscription(s));
  return topic;
}

/** Lets CloudWatch use a topic's key on behalf of this account (a warning when the key policy is out of reach). */
function allowCloudWatchOnKey(scope: Construct, key: kms.IKey): void {
  const added = key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToUseTheKey',
      principals: [new iam.ServicePrincipal(CLOUDWATCH_PRINCIPAL)],
      actions: TOPIC_KEY_ACTIONS,
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
    true,
  );
  if (!added.statementAdded) {
    warn(
      scope,
      'AlarmTopicKeyPolicy',
      `the alarm topic's KMS key ${describe(key.keyArn)} is imported, so its key policy cannot be extended: make sure it allows ` +
        `${CLOUDWATCH_PRINCIPAL} ${TOPIC_KEY_ACTIONS.join(' and ')}, or CloudWatch cannot publish to the encrypted topic`,
    );
  }
}

function describe(value: string): string {
  return Token.isUnresolved(value) ? '(a token)' : value;
}
