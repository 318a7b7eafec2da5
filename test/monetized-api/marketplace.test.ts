/**
 * AWS Marketplace (https://docs.aws.amazon.com/apigateway/latest/developerguide/sell-api-as-saas-on-aws-marketplace.html):
 * the product code of each sold tier through a custom resource (the usage plan has no such property), the metering
 * role, the registration route AWS Marketplace posts buyers to, and the subscription-event queue (T-c11).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { TIERS, addPetRoutes, monetized, planOf, resourcesOf } from './support';
import { MarketplaceOptions } from '../../src';
import { METERING_ACTIONS, METERING_ROLE_NAME } from '../../src/monetized-api/marketplace';

const TOPIC = 'arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-prodbasic';
const sold = (marketplace: MarketplaceOptions = { subscriptionTopicArns: [TOPIC] }) => {
  const { stack, api } = monetized({
    tiers: [TIERS[0], { ...TIERS[1], productCode: 'prodbasic' }, { ...TIERS[2], productCode: 'prodpro' }],
    marketplace,
  });
  addPetRoutes(api);
  return { api, t: Template.fromStack(stack) };
};

describe('a tier sold through AWS Marketplace', () => {
  const { t, api } = sold();

  test('each sold tier has one product-code custom resource on its plan; unsold tiers have none', () => {
    const codes = resourcesOf(t, 'Custom::UsagePlanProductCode').map(([, r]) => r.Properties);
    expect(codes).toEqual([
      { ServiceToken: expect.anything(), UsagePlanId: { Ref: planOf(t, 'basic')[0] }, ProductCode: 'prodbasic' },
      { ServiceToken: expect.anything(), UsagePlanId: { Ref: planOf(t, 'pro')[0] }, ProductCode: 'prodpro' },
    ]);
  });

  test('the handlers know which tier each product is (TIER_PRODUCT_CODES)', () => {
    const env = resourcesOf(t, 'AWS::Lambda::Function').find(([id]) => id.startsWith('ApiRegistrationFunction'))![1].Properties.Environment.Variables;
    expect(env.TIER_PRODUCT_CODES).toBe('basic=prodbasic,pro=prodpro');
    expect(env.MARKETPLACE_TOPIC_ARNS).toBe(TOPIC);
  });

  test('the metering role trusts API Gateway with BatchMeterUsage and ResolveCustomer', () => {
    const [, role] = resourcesOf(t, 'AWS::IAM::Role').find(([, r]) => r.Properties.RoleName === METERING_ROLE_NAME)!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' } }]);
    const policy = resourcesOf(t, 'AWS::IAM::ManagedPolicy').find(([id]) => id.startsWith('ApiMeteringRolePolicy'))![1];
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{ Action: [...METERING_ACTIONS], Effect: 'Allow', Resource: '*' }]);
    expect(METERING_ACTIONS).toEqual(['aws-marketplace:BatchMeterUsage', 'aws-marketplace:ResolveCustomer']);
    expect(api.meteringRole).toBeDefined();
  });

  test('the registration route takes the buyer\'s form post without authorizer or key, on the registration handler', () => {
    const [, method] = resourcesOf(t, 'AWS::ApiGateway::Method').find(([, m]) => m.Properties.OperationName === 'marketplaceRegister')!;
    expect(method.Properties).toMatchObject({ HttpMethod: 'POST', AuthorizationType: 'NONE', ApiKeyRequired: false });
    const [, fn] = resourcesOf(t, 'AWS::Lambda::Function').find(([id]) => id.startsWith('ApiRegistrationFunction'))!;
    expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(`:function:${fn.Properties.FunctionName}/invocations`);
    expect(api.routes).toContain('POST /marketplace/register');
  });

  test('the registration handler may resolve buyers (no resource type exists for it) and manage keys', () => {
    const policy = resourcesOf(t, 'AWS::IAM::ManagedPolicy').find(([id]) => id.startsWith('ApiRegistrationFunctionRolePolicy'))![1];
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual({ Action: 'aws-marketplace:ResolveCustomer', Effect: 'Allow', Resource: '*' });
  });

  test('the topic delivers to an encrypted queue with a dead-letter queue; SNS of the Marketplace account may use the key', () => {
    const [, subscription] = resourcesOf(t, 'AWS::SNS::Subscription')[0];
    expect(subscription.Properties).toMatchObject({ Protocol: 'sqs', TopicArn: TOPIC, RedrivePolicy: { deadLetterTargetArn: expect.anything() } });
    const [, key] = resourcesOf(t, 'AWS::KMS::Key').find(([id]) => id.startsWith('ApiDataKey'))!;
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(expect.objectContaining({
      Sid: 'AllowMarketplaceTopics', Principal: { Service: 'sns.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': [TOPIC] } },
    }));
    const [, mapping] = resourcesOf(t, 'AWS::Lambda::EventSourceMapping')[0];
    expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(api.subscriptionEventsFunction).toBeDefined();
  });
});

describe('options and refusals', () => {
  test('without topics there is no queue; without the metering role, none is created', () => {
    const { t, api } = sold({ meteringRole: false });
    t.resourceCountIs('AWS::SNS::Subscription', 0);
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    expect(resourcesOf(t, 'AWS::IAM::Role').some(([, r]) => r.Properties.RoleName === METERING_ROLE_NAME)).toBe(false);
    expect(api.registrationFunction).toBeDefined();
  });

  test.each<[string, Parameters<typeof monetized>[0], string]>([
    ['product code without marketplace', { tiers: [{ name: 'pro', productCode: 'p1' }] }, 'Test/Api: invalid tier pro productCode "p1": needs the marketplace prop'],
    ['one product for two tiers', { tiers: [{ name: 'a', productCode: 'p1' }, { name: 'b', productCode: 'p1' }], marketplace: {} }, 'Test/Api: invalid tier b productCode "p1": must be unique: one tier per AWS Marketplace product'],
    ['product code with a space', { tiers: [{ name: 'a', productCode: 'p 1' }], marketplace: {} }, 'Test/Api: invalid tier a productCode "p 1": must be an AWS Marketplace product code'],
    ['topic that is not an SNS ARN', { marketplace: { subscriptionTopicArns: ['aws-mp-subscription'] } }, 'Test/Api: invalid marketplace.subscriptionTopicArns "aws-mp-subscription": entries must be SNS topic ARNs'],
    ['registration path with a parameter', { marketplace: { registrationPath: '/register/{id}' } }, 'Test/Api: invalid marketplace.registrationPath "/register/{id}": must be a resource path of literal segments'],
    ['marketplace without onboarding', { marketplace: {}, onboarding: { enabled: false } }, 'Test/Api: invalid onboarding.enabled false: must be on when selling through AWS Marketplace'],
  ])('%s is refused', (_name, props, message) => {
    expect(() => monetized(props)).toThrow(message);
  });
});
