/**
 * CloudWatch alarms publish to their SNS topics as `cloudwatch.amazonaws.com`. A topic policy replaces SNS's
 * default policy (which lets the account's own services publish), so when one exists it must allow
 * `sns:Publish` to that principal; an encrypted topic's key policy must let CloudWatch use the key
 * (`kms:Decrypt`, `kms:GenerateDataKey*`), which an AWS managed key (`alias/aws/sns`) never does.
 *
 * Sources: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
 */
import { sameResource, targetOf } from './intrinsics';
import { ResourceRef } from './model';
import { encryptionKeyOf, keyPolicyMissing, missingActions, policiesFor, resourceIs, servicePrincipal } from './policy';
import { DeployRule, RuleFinding } from './rule';

const CLOUDWATCH = /^cloudwatch\.amazonaws\.com$/;
const ACTION_PROPERTIES = ['AlarmActions', 'OKActions', 'InsufficientDataActions'];

export const alarmTopicDelivery: DeployRule = {
  id: 'AlarmTopicDelivery',
  fact: 'CloudWatch alarms can notify an SNS topic only if its topic policy (when it has one) and its KMS key policy allow cloudwatch.amazonaws.com.',
  source: 'https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services',
  fix: 'Allow cloudwatch.amazonaws.com sns:Publish in the topic policy (condition aws:SourceAccount) and kms:Decrypt, kms:GenerateDataKey* in the key policy; use a customer managed key.',
  check: ({ templates }) => {
    const topics: Array<{ topic: ResourceRef; alarm: ResourceRef }> = [];
    for (const alarm of templates.resources('AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm')) {
      for (const property of ACTION_PROPERTIES) {
        for (const action of alarm.resource.Properties?.[property] ?? []) {
          const topic = targetOf(templates, alarm.file, action)?.ref;
          if (topic?.resource.Type === 'AWS::SNS::Topic' && !topics.some((t) => sameResource(t.topic, topic))) topics.push({ topic, alarm });
        }
      }
    }
    const findings: RuleFinding[] = [];
    for (const { topic, alarm } of topics) {
      const via = `alarm ${templates.describe(alarm)} notifies topic ${templates.describe(topic)}`;
      for (const { policy, document } of policiesFor(templates, topic, 'AWS::SNS::TopicPolicy', 'Topics')) {
        const missing = missingActions(document, ['sns:Publish'], {
          principal: servicePrincipal(templates, policy.file, CLOUDWATCH),
          resource: resourceIs(templates, policy.file, topic, 'arn:aws:sns:x:x:x'),
        });
        if (missing.length > 0) {
          findings.push({ resource: policy, locations: ['Properties/PolicyDocument'], message: `${templates.describe(policy)}: ${via}, but this topic policy does not allow cloudwatch.amazonaws.com sns:Publish, so no notification is ever sent` });
        }
      }
      const { key, awsManaged } = encryptionKeyOf(templates, topic.file, topic.resource.Properties?.KmsMasterKeyId);
      if (awsManaged) {
        findings.push({ resource: topic, locations: ['Properties/KmsMasterKeyId'], message: `${templates.describe(topic)}: ${via}, but the topic uses an AWS managed key, whose policy CloudWatch cannot use` });
      } else if (key) {
        const missing = keyPolicyMissing(key, (f) => servicePrincipal(templates, f, CLOUDWATCH), ['kms:Decrypt', 'kms:GenerateDataKey']);
        if (missing.length > 0) {
          findings.push({ resource: key, locations: ['Properties/KeyPolicy'], message: `${templates.describe(key)}: ${via}, encrypted with this key, whose policy does not allow cloudwatch.amazonaws.com ${missing.join(', ')}` });
        }
      }
    }
    return findings;
  },
};
