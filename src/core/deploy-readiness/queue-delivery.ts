/**
 * SNS subscriptions and EventBridge rules deliver to SQS queues as `sns.amazonaws.com` / `events.amazonaws.com`:
 * the queue policy must allow that principal `sqs:SendMessage` (a queue without a policy accepts only its
 * account's IAM principals), and an encrypted queue's key policy must let the service use the key
 * (`kms:GenerateDataKey`, `kms:Decrypt`), which an AWS managed key (`alias/aws/sqs`) never does.
 *
 * Sources: https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sqs-permissions,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html#compatibility-with-aws-services
 */
import { targetOf } from './intrinsics';
import { ResourceRef, TemplateSet } from './model';
import { encryptionKeyOf, keyPolicyMissing, missingActions, policiesFor, resourceIs, servicePrincipal } from './policy';
import { DeployRule, RuleFinding } from './rule';
import { DLQ_KEY_ACTIONS } from '../private/policies';

interface Delivery {
  readonly publisher: ResourceRef;
  readonly queue: ResourceRef;
  readonly service: string;
}

function deliveries(templates: TemplateSet): Delivery[] {
  const out: Delivery[] = [];
  const add = (publisher: ResourceRef, value: unknown, service: string) => {
    const queue = targetOf(templates, publisher.file, value)?.ref;
    if (queue?.resource.Type === 'AWS::SQS::Queue') out.push({ publisher, queue, service });
  };
  for (const sub of templates.resources('AWS::SNS::Subscription')) {
    if (String(sub.resource.Properties?.Protocol).toLowerCase() === 'sqs') add(sub, sub.resource.Properties?.Endpoint, 'sns.amazonaws.com');
  }
  for (const rule of templates.resources('AWS::Events::Rule')) {
    for (const target of rule.resource.Properties?.Targets ?? []) add(rule, target?.Arn, 'events.amazonaws.com');
  }
  return out;
}

export const queueDelivery: DeployRule = {
  id: 'QueueDelivery',
  fact: 'SNS and EventBridge can deliver to an SQS queue only if the queue policy and the queue\'s KMS key policy allow the service principal.',
  source: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html#compatibility-with-aws-services',
  fix: 'Allow the service sqs:SendMessage in the queue policy (condition aws:SourceArn) and kms:GenerateDataKey, kms:Decrypt in the key policy; use a customer managed key.',
  check: ({ templates }) => {
    const findings: RuleFinding[] = [];
    const seen = new Set<string>();
    for (const { publisher, queue, service } of deliveries(templates)) {
      const id = `${queue.file.name}|${queue.logicalId}|${service}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const principal = new RegExp(`^${service.replace(/\./g, '\\.')}$`);
      const via = `${templates.describe(publisher)} delivers to queue ${templates.describe(queue)} as ${service}`;
      const policies = policiesFor(templates, queue, 'AWS::SQS::QueuePolicy', 'Queues');
      if (policies.length === 0) findings.push({ resource: queue, message: `${templates.describe(queue)}: ${via}, but the queue has no queue policy allowing it` });
      for (const { policy, document } of policies) {
        const missing = missingActions(document, ['sqs:SendMessage'], {
          principal: servicePrincipal(templates, policy.file, principal),
          resource: resourceIs(templates, policy.file, queue, 'arn:aws:sqs:x:x:x'),
        });
        if (missing.length > 0) findings.push({ resource: policy, locations: ['Properties/PolicyDocument'], message: `${templates.describe(policy)}: ${via}, but this queue policy does not allow it sqs:SendMessage` });
      }
      const { key, awsManaged } = encryptionKeyOf(templates, queue.file, queue.resource.Properties?.KmsMasterKeyId);
      if (awsManaged) {
        findings.push({ resource: queue, locations: ['Properties/KmsMasterKeyId'], message: `${templates.describe(queue)}: ${via}, but the queue uses an AWS managed key, which ${service} cannot use` });
      } else if (key) {
        const missing = keyPolicyMissing(key, (f) => servicePrincipal(templates, f, principal), [...DLQ_KEY_ACTIONS]);
        if (missing.length > 0) findings.push({ resource: key, locations: ['Properties/KeyPolicy'], message: `${templates.describe(key)}: ${via}, encrypted with this key, whose policy does not allow ${service} ${missing.join(', ')}` });
      }
    }
    return findings;
  },
};
