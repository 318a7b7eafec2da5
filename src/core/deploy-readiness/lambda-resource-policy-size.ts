/**
 * Lambda keeps every `AWS::Lambda::Permission` of a function as one statement of the function's resource policy
 * and refuses AddPermission once the policy would pass 20 KB (PolicyLengthExceededException, "The final policy
 * size (...) is bigger than the limit (20480)"). The L2 LambdaIntegration adds two permissions per method, so one
 * function behind many methods meets it (aws-cdk#5774). Each statement is estimated as Lambda stores it (a
 * generated statement id of about 64 characters, principal, action, function ARN and conditions), unresolved
 * values at their conservative estimate.
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html ("Function resource-based
 * policy: 20 KB"), https://github.com/aws/aws-cdk/issues/5774
 */
import { estimatedLength, render, targetOf } from './intrinsics';
import { ResourceRef } from './model';
import { DeployRule, formatNumber, RuleFinding } from './rule';

export const LAMBDA_POLICY_LIMIT = 20480;
/** `{"Version":"2012-10-17","Id":"default","Statement":[]}` */
const POLICY_ENVELOPE = 54;
/** CloudFormation's generated statement id (`<stack>-<logical id>-<random>`), estimated. */
const STATEMENT_ID = 64;

export const lambdaResourcePolicySize: DeployRule = {
  id: 'LambdaResourcePolicySize',
  fact: 'The permissions of one Lambda function (its resource-based policy) may total at most 20 KB.',
  source: 'https://github.com/aws/aws-cdk/issues/5774',
  fix: 'Grant one permission per function and API (source ARN `arn:...:execute-api:<region>:<account>:<api id>/*`) instead of one per method.',
  check: ({ templates }) => {
    const byFunction = new Map<string, { target?: ResourceRef; first: ResourceRef; bytes: number; count: number }>();
    for (const permission of templates.resources('AWS::Lambda::Permission')) {
      const props = permission.resource.Properties ?? {};
      const target = targetOf(templates, permission.file, props.FunctionName)?.ref;
      const key = target ? `${target.file.name}|${target.logicalId}` : `name:${render(templates, permission.file, props.FunctionName).text}`;
      const length = (v: unknown) => (v === undefined ? 0 : estimatedLength(templates, permission.file, v));
      let bytes = 2 + STATEMENT_ID + 60; // {} + Sid + "Effect":"Allow","Principal":{"Service":""},"Action":"","Resource":"" keys
      bytes += length(props.Principal) + length(props.Action) + length(props.FunctionName) + 30; // function ARN prefix
      if (props.SourceArn !== undefined) bytes += 40 + length(props.SourceArn);
      if (props.SourceAccount !== undefined) bytes += 45 + length(props.SourceAccount);
      if (props.PrincipalOrgID !== undefined) bytes += 40 + length(props.PrincipalOrgID);
      if (props.FunctionUrlAuthType !== undefined) bytes += 50 + length(props.FunctionUrlAuthType);
      const entry = byFunction.get(key) ?? { target, first: permission, bytes: POLICY_ENVELOPE, count: 0 };
      entry.bytes += bytes + 1;
      entry.count++;
      byFunction.set(key, entry);
    }
    const findings: RuleFinding[] = [];
    for (const entry of byFunction.values()) {
      if (entry.bytes <= LAMBDA_POLICY_LIMIT) continue;
      const resource = entry.target ?? entry.first;
      findings.push({
        resource,
        message:
          `${templates.describe(resource)}: ${entry.count} permissions make a resource policy of about ${formatNumber(entry.bytes)} bytes, ` +
          `more than Lambda's ${formatNumber(LAMBDA_POLICY_LIMIT)}`,
      });
    }
    return findings;
  },
};
