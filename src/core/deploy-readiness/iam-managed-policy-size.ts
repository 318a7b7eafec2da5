/**
 * IAM refuses a customer managed policy longer than 6,144 characters, whitespace not counted; unresolved values
 * count at their conservative estimate.
 *
 * Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html ("Managed policy size
 * cannot exceed 6,144 characters")
 */
import { jsonLength } from './intrinsics';
import { DeployRule, formatNumber, RuleFinding } from './rule';

export const MANAGED_POLICY_LIMIT = 6144;

export const iamManagedPolicySize: DeployRule = {
  id: 'IamManagedPolicySize',
  fact: 'A customer managed IAM policy may hold at most 6,144 characters (whitespace excluded).',
  source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html',
  fix: 'Split the statements over several managed policies (up to 10 per role by default).',
  check: ({ templates }) => {
    const findings: RuleFinding[] = [];
    for (const policy of templates.resources('AWS::IAM::ManagedPolicy')) {
      const length = jsonLength(templates, policy.file, policy.resource.Properties?.PolicyDocument);
      if (length > MANAGED_POLICY_LIMIT) {
        findings.push({
          resource: policy,
          locations: ['Properties/PolicyDocument'],
          message: `${templates.describe(policy)}: the policy is about ${formatNumber(length)} characters, more than IAM's ${formatNumber(MANAGED_POLICY_LIMIT)} per managed policy`,
        });
      }
    }
    return findings;
  },
};
