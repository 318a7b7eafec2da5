/**
 * IAM refuses inline policies on a role past 10,240 characters in aggregate (the role's own `Policies`, every
 * `AWS::IAM::Policy` and `AWS::IAM::RolePolicy` attached to it), whitespace not counted; unresolved values count
 * at their conservative estimate. CDK merges every grant on a role into its DefaultPolicy, which is where this
 * quota is met ("Maximum policy size of 10240 bytes exceeded for role").
 *
 * Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html ("Role policy size cannot
 * exceed 10,240 characters"; "IAM doesn't count white space")
 */
import { jsonLength } from './intrinsics';
import { roleDocuments } from './policy';
import { DeployRule, formatNumber, RuleFinding } from './rule';

export const ROLE_INLINE_POLICY_LIMIT = 10240;

export const iamRolePolicySize: DeployRule = {
  id: 'IamRolePolicySize',
  fact: 'The inline policies of one IAM role may hold at most 10,240 characters in aggregate (whitespace excluded).',
  source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html',
  fix: 'Move statements into customer managed policies (6,144 characters each, 10 per role) or use fewer, broader resource ARNs.',
  check: ({ templates }) => {
    const findings: RuleFinding[] = [];
    for (const role of templates.resources('AWS::IAM::Role')) {
      const length = roleDocuments(templates, role, true).reduce((n, d) => n + jsonLength(templates, d.file, d.document), 0);
      if (length > ROLE_INLINE_POLICY_LIMIT) {
        findings.push({
          resource: role,
          message: `${templates.describe(role)}: inline policies total about ${formatNumber(length)} characters, more than IAM's ${formatNumber(ROLE_INLINE_POLICY_LIMIT)} per role`,
        });
      }
    }
    return findings;
  },
};
