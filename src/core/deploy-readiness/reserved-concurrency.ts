/**
 * Lambda refuses a concurrency reservation that would leave the account with less than 100 unreserved
 * concurrent executions, and new accounts start with a concurrency quota as low as 10 or 50: any
 * `ReservedConcurrentExecutions` can make the first deployment in such an account fail. Users who know their
 * account's quota acknowledge the finding on the function.
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html ("New AWS accounts have reduced
 * concurrency and memory quotas")
 */
import { render } from './intrinsics';
import { DeployRule, RuleFinding } from './rule';

export const reservedConcurrency: DeployRule = {
  id: 'ReservedConcurrency',
  fact: 'Lambda keeps at least 100 unreserved concurrent executions per account and new accounts may have a quota of 10 or 50, so any reservation can fail to deploy.',
  source: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html',
  fix: 'Reserve nothing by default; where a reservation is needed, acknowledge this finding on the function once the account\'s quota is known to allow it.',
  check: ({ templates }) => {
    const findings: RuleFinding[] = [];
    for (const fn of templates.resources('AWS::Lambda::Function')) {
      const reserved = fn.resource.Properties?.ReservedConcurrentExecutions;
      if (reserved === undefined) continue;
      findings.push({
        resource: fn,
        locations: ['Properties/ReservedConcurrentExecutions'],
        message: `${templates.describe(fn)}: reserves ${render(templates, fn.file, reserved).text} concurrent executions, which Lambda refuses in accounts whose quota leaves less than 100 unreserved (new accounts: 10 or 50)`,
      });
    }
    return findings;
  },
};
