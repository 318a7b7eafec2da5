/**
 * Lambda writes to a function's dead-letter queue (or topic) with the function's execution role: the role needs
 * `sqs:SendMessage` (`sns:Publish`) on it, and when it is encrypted with a customer managed key, `kms:GenerateDataKey`
 * and `kms:Decrypt` on that key, allowed by the key policy either to the role or to the account (then the role's
 * IAM policies must allow them too). CDK grants the send but not the key (aws-cdk#33153), so the queue never
 * receives a message. A dead-letter queue receives only asynchronous invocations.
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq,
 * https://github.com/aws/aws-cdk/issues/33153
 */
import { targetOf } from './intrinsics';
import { ResourceRef, TemplateSet } from './model';
import { accountPrincipal, DocumentIn, encryptionKeyOf, keyPolicyMissing, missingActions, resourceIs, roleDocuments, rolePrincipal } from './policy';
import { DeployRule, RuleFinding } from './rule';
import { DLQ_KEY_ACTIONS } from '../private/policies';

const KEY_ACTIONS = [...DLQ_KEY_ACTIONS];

/** Actions none of the documents allows on `target`. */
function missingIn(templates: TemplateSet, documents: DocumentIn[], actions: string[], target: ResourceRef, arnSample: string): string[] {
  return actions.filter((action) =>
    documents.every((d) => missingActions(d.document, [action], { resource: resourceIs(templates, d.file, target, arnSample) }).length > 0),
  );
}

export const deadLetterQueueAccess: DeployRule = {
  id: 'DeadLetterQueueAccess',
  fact: 'A Lambda dead-letter queue receives messages only if the function\'s role may send to it and use its KMS key.',
  source: 'https://github.com/aws/aws-cdk/issues/33153',
  fix: 'Grant the function\'s role kms:GenerateDataKey and kms:Decrypt on the queue\'s key (`key.grant(fn, ...)`), or remove a queue that can never receive (synchronously invoked functions).',
  check: ({ templates }) => {
    const findings: RuleFinding[] = [];
    for (const fn of templates.resources('AWS::Lambda::Function')) {
      const props = fn.resource.Properties ?? {};
      const dlq = targetOf(templates, fn.file, props.DeadLetterConfig?.TargetArn)?.ref;
      const role = targetOf(templates, fn.file, props.Role)?.ref;
      if (!dlq || role?.resource.Type !== 'AWS::IAM::Role') continue;
      const isQueue = dlq.resource.Type === 'AWS::SQS::Queue';
      if (!isQueue && dlq.resource.Type !== 'AWS::SNS::Topic') continue;
      const documents = roleDocuments(templates, role);
      const missing = missingIn(templates, documents, [isQueue ? 'sqs:SendMessage' : 'sns:Publish'], dlq, isQueue ? 'arn:aws:sqs:x:x:x' : 'arn:aws:sns:x:x:x');
      const { key } = encryptionKeyOf(templates, dlq.file, dlq.resource.Properties?.KmsMasterKeyId);
      if (key) {
        const direct = keyPolicyMissing(key, (f) => rolePrincipal(templates, f, role), KEY_ACTIONS);
        const delegated = keyPolicyMissing(key, (f) => accountPrincipal(templates, f), KEY_ACTIONS);
        const viaIam = missingIn(templates, documents, KEY_ACTIONS, key, 'arn:aws:kms:x:x:key/x');
        missing.push(...KEY_ACTIONS.filter((a) => direct.includes(a) && (delegated.includes(a) || viaIam.includes(a))));
      }
      if (missing.length > 0) {
        findings.push({
          resource: fn,
          locations: ['Properties/DeadLetterConfig'],
          message:
            `${templates.describe(fn)}: its dead-letter ${isQueue ? 'queue' : 'topic'} ${templates.describe(dlq)} can never receive a message: ` +
            `the role ${templates.describe(role)} is not allowed ${missing.join(', ')}${key ? ` (key ${templates.describe(key)})` : ''}`,
        });
      }
    }
    return findings;
  },
};
