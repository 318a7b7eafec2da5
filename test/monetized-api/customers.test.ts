/**
 * Static customers: logical ids from the customer id (aws-cdk#11876), values never in the template, a changed value
 * changes the key's name (aws-cdk#12745), duplicates and plain text refused, a cap that points to runtime
 * onboarding, imported keys.
 */
import { CfnParameter, SecretValue } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { addPetRoutes, monetized, planOf, resourcesOf } from './support';
import { StaticCustomer } from '../../src';
import { newStack } from '../support/fixtures';

function synth(customers: StaticCustomer[], extra: (api: ReturnType<typeof monetized>['api']) => void = () => {}): Template {
  const { stack, api } = monetized({ customers });
  addPetRoutes(api);
  extra(api);
  return Template.fromStack(stack);
}

/** Logical ids of the customer resources, by type. */
function customerIds(t: Template): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const type of ['AWS::ApiGateway::ApiKey', 'AWS::ApiGateway::UsagePlanKey', 'AWS::SecretsManager::Secret', 'Custom::ApiKeySecret']) {
    out[type] = resourcesOf(t, type).map(([id]) => id).sort();
  }
  return out;
}

const a = { id: 'acme', tier: 'pro' };
const b = { id: 'globex', tier: 'basic' };
const c = { id: 'initech.eu', tier: 'free' };

describe('logical ids derive from the customer id (T-c3)', () => {
  const all = customerIds(synth([a, b, c]));

  test('each customer has an API key, a usage-plan key in its tier, a secret and its publication', () => {
    for (const ids of Object.values(all)) expect(ids).toHaveLength(3);
  });

  test('removing the first customer leaves the others\' resources untouched', () => {
    const without = customerIds(synth([b, c]));
    for (const [type, ids] of Object.entries(without)) {
      expect(ids).toEqual(all[type].filter((id) => !id.includes('acme')));
    }
  });

  test('reordering changes no logical id', () => {
    expect(customerIds(synth([c, b]))).toEqual(customerIds(synth([b, c])));
    expect(customerIds(synth([c, a, b]))).toEqual(all);
  });

  test('the usage-plan key references the key and the customer\'s tier plan', () => {
    const t = synth([a]);
    const [planId] = planOf(t, 'pro');
    const [keyId] = resourcesOf(t, 'AWS::ApiGateway::ApiKey')[0];
    expect(resourcesOf(t, 'AWS::ApiGateway::UsagePlanKey')[0][1].Properties).toEqual({ KeyId: { Ref: keyId }, KeyType: 'API_KEY', UsagePlanId: { Ref: planId } });
  });
});

describe('key values never appear in the template (T-c10)', () => {
  test('a generated key has no Value; the custom resource publishes it to the customer\'s secret', () => {
    const t = synth([a]);
    const [keyId, key] = resourcesOf(t, 'AWS::ApiGateway::ApiKey')[0];
    expect(key.Properties.Value).toBeUndefined();
    expect(key.Properties.Tags).toEqual([{ Key: 'cdk-apigateway-patterns:customer', Value: 'acme' }, { Key: 'cdk-apigateway-patterns:tier', Value: 'pro' }]);
    const [secretId, secret] = resourcesOf(t, 'AWS::SecretsManager::Secret')[0];
    expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ApiDataKey/), 'Arn'] });
    expect(resourcesOf(t, 'Custom::ApiKeySecret')[0][1].Properties).toMatchObject({ ApiKeyId: { Ref: keyId }, SecretId: { Ref: secretId } });
  });

  test('the publisher may read that key and write that secret only', () => {
    const t = synth([a]);
    const [keyId] = resourcesOf(t, 'AWS::ApiGateway::ApiKey')[0];
    const [secretId] = resourcesOf(t, 'AWS::SecretsManager::Secret')[0];
    const policy = resourcesOf(t, 'AWS::IAM::ManagedPolicy').find(([id]) => id.startsWith('ApiKeySecretFunctionRolePolicy'))![1];
    const statements = policy.Properties.PolicyDocument.Statement.map((s: any) => [s.Action, JSON.stringify(s.Resource)]);
    expect(statements).toEqual(expect.arrayContaining([
      ['apigateway:GET', expect.stringContaining(`/apikeys/","{"Ref":"${keyId}"}`.replace('","{', '",{'))],
      ['secretsmanager:PutSecretValue', `{"Ref":"${secretId}"}`],
      [['kms:GenerateDataKey', 'kms:Decrypt'], expect.stringMatching(/ApiDataKey/)],
    ]));
  });

  test('a given value is a secret reference resolved by CloudFormation; the name carries its fingerprint', () => {
    const value = SecretValue.secretsManager('customers/acme', { jsonField: 'apiKey' });
    const t = synth([{ ...a, value }]);
    const key = resourcesOf(t, 'AWS::ApiGateway::ApiKey')[0][1];
    expect(key.Properties.Value).toBe('{{resolve:secretsmanager:customers/acme:SecretString:apiKey::}}');
    expect(key.Properties.Name).toMatch(/^monetized-static-acme-[0-9a-f]{8}$/);
    t.resourceCountIs('Custom::ApiKeySecret', 0);
  });

  test('plain text is refused; a NoEcho parameter is accepted', () => {
    expect(() => synth([{ ...a, value: SecretValue.unsafePlainText('abcdefghijklmnopqrstuvwxyz') }])).toThrow(
      'Test/Api: invalid customer acme value "(plain text)": must reference a secret (SecretValue.secretsManager, SecretValue.ssmSecure or a NoEcho parameter)',
    );
    const stack = newStack();
    const param = new CfnParameter(stack, 'AcmeKey', { noEcho: true });
    const { api } = monetized({ customers: [{ ...a, value: SecretValue.cfnParameter(param) }] }, stack);
    addPetRoutes(api);
    expect(resourcesOf(Template.fromStack(stack), 'AWS::ApiGateway::ApiKey')[0][1].Properties.Value).toEqual({ Ref: 'AcmeKey' });
  });
});

describe('a changed value changes the key name (T-c4, aws-cdk#12745)', () => {
  const nameOf = (customer: StaticCustomer) => resourcesOf(synth([customer]), 'AWS::ApiGateway::ApiKey')[0][1].Properties.Name;

  test('another secret version or field gives another name; the same reference the same name', () => {
    const v1 = nameOf({ ...a, value: SecretValue.secretsManager('customers/acme', { versionId: 'v1' }) });
    const v2 = nameOf({ ...a, value: SecretValue.secretsManager('customers/acme', { versionId: 'v2' }) });
    expect(v1).not.toEqual(v2);
    expect(nameOf({ ...a, value: SecretValue.secretsManager('customers/acme', { versionId: 'v1' }) })).toEqual(v1);
  });

  test('a generated key is rotated by its generation, which renames it', () => {
    expect(nameOf(a)).toBe('monetized-static-acme');
    expect(nameOf({ ...a, generation: 2 })).toBe('monetized-static-acme-g2');
  });

  test('two customers with the same value are refused', () => {
    const value = SecretValue.secretsManager('shared');
    expect(() => synth([{ ...a, value }, { ...b, value }])).toThrow(
      'Test/Api: invalid customer globex value "\\"{{resolve:secretsmanager:shared:SecretString:::}}\\"": is also customer acme\'s: API key values are unique per region',
    );
  });
});

describe('the static mode has a cap and clear errors', () => {
  test('more customers than maxStaticCustomers fail and point to runtime onboarding (T-c12)', () => {
    const many = Array.from({ length: 26 }, (_, i) => ({ id: `c${i}`, tier: 'free' }));
    expect(() => monetized({ customers: many })).toThrow(
      'Test/Api: invalid customers "26 customers": must be at most 25 (maxStaticCustomers): each is an API key and a usage-plan key in the stack',
    );
    expect(() => monetized({ customers: many })).toThrow('onboard customers at run time through the admin routes (POST /admin/customers)');
    expect(() => monetized({ customers: many, maxStaticCustomers: 30 })).not.toThrow();
    expect(() => monetized({ maxStaticCustomers: 101 })).toThrow('Test/Api: invalid maxStaticCustomers 101: must be an integer between 0 and 100');
  });

  test.each<[string, StaticCustomer[], string]>([
    ['duplicate id', [a, { ...b, id: 'acme' }], 'Test/Api: invalid customers.id "acme": must be unique'],
    ['id with #', [{ ...a, id: 'acme#1' }], 'Test/Api: invalid customers.id "acme#1": must be 1-128 letters, digits or "._:@-"'],
    ['unknown tier', [{ ...a, tier: 'gold' }], 'Test/Api: invalid customer acme tier "gold": must name a tier of the API (free, basic, pro)'],
    ['negative generation', [{ ...a, generation: -1 }], 'Test/Api: invalid customer acme generation -1: must be an integer >= 0'],
    ['generation with a value', [{ ...a, generation: 1, value: SecretValue.secretsManager('x') }], 'Test/Api: invalid customer acme generation 1: applies only to generated keys'],
  ])('%s', (_name, customers, message) => {
    expect(() => monetized({ customers })).toThrow(message);
  });
});

describe('accessors and imported keys', () => {
  test('importKey creates only a usage-plan key referencing the key id', () => {
    const t = synth([], (api) => api.importKey('Partner', 'k1a2b3c4d5', 'basic'));
    t.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
    expect(resourcesOf(t, 'AWS::ApiGateway::UsagePlanKey').map(([, r]) => r.Properties)).toEqual([
      { KeyId: 'k1a2b3c4d5', KeyType: 'API_KEY', UsagePlanId: { Ref: planOf(t, 'basic')[0] } },
    ]);
    expect(() => synth([], (api) => api.importKey('Bad', 'not an id', 'basic'))).toThrow('Test/Api: invalid importKey keyId "not an id": must be an API Gateway API key id');
  });

  // API Gateway: at most 10 usage plans per API key, and one usage-plan key per (plan, key) pair (docs/limits.md;
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html; aws-cdk#13817).
  test('a key imported into many tiers warns at 8 plans, fails past 10 and in the same tier twice', () => {
    const tiers = Array.from({ length: 11 }, (_, i) => ({ name: `t${i}` }));
    const { stack, api } = monetized({ tiers, onboarding: { enabled: false }, usageReports: { enabled: false } });
    api.addRoute('GET', '/pets', new apigateway.MockIntegration());
    for (let i = 0; i < 7; i++) api.importKey(`K${i}`, 'k1a2b3c4d5', `t${i}`);
    Annotations.fromStack(stack).hasNoWarning('/Test/Api', Match.stringLikeRegexp('usage plans of the app'));
    api.importKey('K7', 'k1a2b3c4d5', 't7');
    Annotations.fromStack(stack).hasWarning('/Test/Api', Match.stringLikeRegexp('API key k1a2b3c4d5 is in 8 usage plans of the app; an API key can be in 10 at most'));
    expect(() => api.importKey('Again', 'k1a2b3c4d5', 't0')).toThrow('Test/Api: invalid importKey keyId "k1a2b3c4d5": is already in that tier');
    api.importKey('K8', 'k1a2b3c4d5', 't8');
    api.importKey('K9', 'k1a2b3c4d5', 't9');
    expect(() => api.importKey('K10', 'k1a2b3c4d5', 't10')).toThrow('Test/Api: invalid importKey keyId "k1a2b3c4d5": would be in 11 usage plans: an API key can be in 10 at most');
  });

  test('customerSecret and customerApiKeyId name the static customer\'s resources; unknown ids fail', () => {
    const { stack, api } = monetized({ customers: [a] });
    addPetRoutes(api);
    expect(api.customerSecret('acme')).toBeInstanceOf(secretsmanager.Secret);
    expect(stack.resolve(api.customerApiKeyId('acme'))).toEqual({ Ref: expect.stringMatching(/^ApiCustomeracmeApiKey/) });
    expect(() => api.customerSecret('nobody')).toThrow('Test/Api: invalid customerId "nobody": must name a static customer');
  });
});
