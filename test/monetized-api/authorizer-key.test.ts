/**
 * API key source AUTHORIZER with the bundled JWT authorizer (T-c12): the RestApi says AUTHORIZER, and the authorizer
 * function is configured for the claim-to-key lookup with exactly the grants it needs. The runtime side (the policy
 * carries `usageIdentifierKey`) is tested in test/authorizers/jwt-usage-key.test.ts.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { addPetRoutes, monetized, resourcesOf } from './support';
import { ApiAuthorization } from '../../src';

const AUTHORIZER = apigateway.ApiKeySourceType.AUTHORIZER;

function build(props: Parameters<typeof monetized>[0] = {}) {
  const { stack, api } = monetized({ apiKeySource: AUTHORIZER, ...props });
  addPetRoutes(api);
  return { api, t: Template.fromStack(stack) };
}

describe('AUTHORIZER key source with the bundled JWT authorizer', () => {
  const { t } = build({ apiKeyClaim: 'custom:customer' });
  const [fnId, fn] = resourcesOf(t, 'AWS::Lambda::Function').find(([, f]) => f.Properties.Environment?.Variables?.JWT_ISSUER)!;
  const [tableId] = resourcesOf(t, 'AWS::DynamoDB::Table')[0];

  test('the RestApi takes keys from the authorizer', () => {
    expect(resourcesOf(t, 'AWS::ApiGateway::RestApi')[0][1].Properties.ApiKeySourceType).toBe('AUTHORIZER');
  });

  test('the authorizer looks the claim up in the customer table', () => {
    expect(fn.Properties.Environment.Variables).toMatchObject({ JWT_USAGE_KEY_CLAIM: 'custom:customer', JWT_USAGE_KEY_TABLE: { Ref: tableId } });
  });

  test('its policy adds GetItem on the table, kms:Decrypt on the data key and GET of API keys; nothing that writes', () => {
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    const attached = JSON.stringify(t.toJSON().Resources[roleId].Properties.ManagedPolicyArns);
    const [, policy] = resourcesOf(t, 'AWS::IAM::ManagedPolicy').find(([id]) => attached.includes(`"Ref":"${id}"`))!;
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    expect(statements).toContainEqual({ Action: 'dynamodb:GetItem', Effect: 'Allow', Resource: { 'Fn::GetAtt': [tableId, 'Arn'] } });
    expect(statements).toContainEqual({ Action: 'kms:Decrypt', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ApiDataKey/), 'Arn'] } });
    const get = statements.find((s) => s.Action === 'apigateway:GET');
    expect(JSON.stringify(get.Resource)).toContain('::/apikeys/*');
    const actions = statements.flatMap((s) => [].concat(s.Action));
    expect(actions.filter((a: string) => /^(dynamodb|apigateway):/.test(a)).sort()).toEqual(['apigateway:GET', 'dynamodb:GetItem']);
    expect(fnId).toMatch(/Jwt/);
  });
});

describe('refusals', () => {
  test.each<[string, Parameters<typeof monetized>[0], string]>([
    ['a claim without AUTHORIZER', { apiKeySource: apigateway.ApiKeySourceType.HEADER, apiKeyClaim: 'sub' }, 'Test/Api: invalid apiKeyClaim "sub": applies only with apiKeySource AUTHORIZER'],
    ['a claim with a space', { apiKeyClaim: 'customer id' }, 'Test/Api: invalid apiKeyClaim "customer id": must be a token claim name'],
    ['JWT without the customer table', { onboarding: { enabled: false } }, 'Test/Api: invalid onboarding.enabled false: must be on with apiKeySource AUTHORIZER and a JWT authorization'],
    ['IAM authorization', { authorization: ApiAuthorization.iam() }, 'Test/Api: invalid apiKeySource "AUTHORIZER": needs a Lambda authorizer that returns usageIdentifierKey'],
  ])('%s', (_name, props, message) => {
    expect(() => monetized({ apiKeySource: AUTHORIZER, ...props })).toThrow(message);
  });

  test('HEADER (the default) leaves the JWT authorizer without the lookup', () => {
    const { stack, api } = monetized();
    addPetRoutes(api);
    const [, fn] = resourcesOf(Template.fromStack(stack), 'AWS::Lambda::Function').find(([, f]) => f.Properties.Environment?.Variables?.JWT_ISSUER)!;
    expect(fn.Properties.Environment.Variables.JWT_USAGE_KEY_CLAIM).toBeUndefined();
  });
});
