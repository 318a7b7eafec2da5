/**
 * MonetizedApi through the compliance harness (cdk-nag packs, Control Tower guard rules, the template checker and
 * the deploy-readiness check): zero unacknowledged findings for each configuration, the user's backend excluded.
 * The defaults run in the REST pattern table (test/compliance/rest-patterns.compliance.test.ts, one row per
 * authorization kind); one configuration per file keeps each file near 30 s.
 */
import { SecretValue, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { TIERS, addPetRoutes, monetized } from './support';
import { KeyRetirement } from '../../src';
import { complianceFindings, formatFindings } from '../support/compliance';
import { newStack } from '../support/fixtures';

const TOPIC = 'arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-prodpro';
const ENV = { env: { account: '111122223333', region: 'eu-west-1' } };

const findings = (stack: Stack) => formatFindings(complianceFindings(stack).filter((f) => !f.resource.startsWith(`${stack.stackName}/Backend`)));

const configurations: Array<[string, () => Stack]> = [
  ['AUTHORIZER keys, static customers, AWS Marketplace with topics, environment-specific', () => {
    const stack = newStack('Env', ENV);
    const { api } = monetized({
      apiKeySource: apigateway.ApiKeySourceType.AUTHORIZER,
      tiers: [{ ...TIERS[0], routeThrottles: { 'GET /pets/{id}': { rateLimit: 0, burstLimit: 0 } } }, TIERS[1], { ...TIERS[2], productCode: 'prodpro' }],
      customers: [{ id: 'acme', tier: 'pro' }, { id: 'globex', tier: 'basic', value: SecretValue.secretsManager('customers/globex') }],
      marketplace: { subscriptionTopicArns: [TOPIC] },
      onboarding: { retirement: KeyRetirement.DISABLE },
    }, stack);
    addPetRoutes(api);
    return stack;
  }],
];

describe.each(configurations)('%s', (_name, make) => {
  test('has no unacknowledged finding', () => {
    expect(findings(make())).toEqual([]);
  });
});
