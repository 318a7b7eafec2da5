/**
 * MonetizedApi through the compliance harness (cdk-nag packs, Control Tower guard rules, the template checker and
 * the deploy-readiness check): zero unacknowledged findings for each configuration, the user's backend excluded.
 * The defaults run in the REST pattern table (test/compliance/rest-patterns.compliance.test.ts, one row per
 * authorization kind); one configuration per file keeps each file near 30 s.
 */
import { Stack } from 'aws-cdk-lib';
import { addPetRoutes, monetized } from './support';
import { ApiAuthorization } from '../../src';
import { complianceFindings, formatFindings } from '../support/compliance';
import { newStack } from '../support/fixtures';

const findings = (stack: Stack) => formatFindings(complianceFindings(stack).filter((f) => !f.resource.startsWith(`${stack.stackName}/Backend`)));

const configurations: Array<[string, () => Stack]> = [
  ['IAM, a second stage, no reports, Marketplace without topics', () => {
    const stack = newStack();
    const props = { authorization: ApiAuthorization.iam(), usageReports: { enabled: false }, marketplace: { meteringRole: false } };
    const { api } = monetized(props, stack);
    api.addStage('Beta', { stageName: 'beta' });
    addPetRoutes(api);
    return stack;
  }],
];

describe.each(configurations)('%s', (_name, make) => {
  test('has no unacknowledged finding', () => {
    expect(findings(make())).toEqual([]);
  });
});
