/**
 * CloudWatch Logs encrypts a log group with its `KmsKeyId` as the regional service principal
 * `logs.<region>.amazonaws.com`; AssociateKmsKey (and so the log group's creation) fails unless the key policy
 * allows that principal `kms:Encrypt*`, `kms:Decrypt*`, `kms:ReEncrypt*`, `kms:GenerateDataKey*` and
 * `kms:Describe*`. IAM policies cannot grant a service principal: only the key policy counts.
 *
 * Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
import { encryptionKeyOf, keyPolicyMissing, servicePrincipal } from './policy';
import { DeployRule, RuleFinding } from './rule';

const LOGS = /^logs\.([a-z0-9-]+|\$\{AWS::Region\})\.amazonaws\.com$/;
const ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'];

export const logGroupKeyAccess: DeployRule = {
  id: 'LogGroupKeyAccess',
  fact: 'A log group encrypted with a KMS key is created only if the key policy allows logs.<region>.amazonaws.com to use the key.',
  source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html',
  fix: 'Add the key-policy statement for logs.<region>.amazonaws.com (kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe*), conditioned on kms:EncryptionContext:aws:logs:arn.',
  check: ({ templates }) => {
    const findings: RuleFinding[] = [];
    for (const group of templates.resources('AWS::Logs::LogGroup')) {
      const { key } = encryptionKeyOf(templates, group.file, group.resource.Properties?.KmsKeyId);
      if (!key) continue;
      const missing = keyPolicyMissing(key, (f) => servicePrincipal(templates, f, LOGS), ACTIONS);
      if (missing.length > 0) {
        findings.push({
          resource: group,
          locations: ['Properties/KmsKeyId'],
          message: `${templates.describe(group)}: encrypted with ${templates.describe(key)}, whose policy does not allow logs.<region>.amazonaws.com ${missing.join(', ')}`,
        });
      }
    }
    return findings;
  },
};
