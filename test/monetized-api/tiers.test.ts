/**
 * Tiers as usage plans: one plan per tier bound to the stages by reference, per-route throttles under API Gateway's
 * `/{path}/{METHOD}` keys, API keys required on every route, plans that follow their stages.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { addPetRoutes, dependenciesOf, findCycle, monetized, planOf, resourcesOf, TIERS } from './support';
import { ApiAuthorization } from '../../src';
import { methodThrottleKey, parseRouteKey } from '../../src/monetized-api/tiers';

const stageLogicalId = (t: Template, name: string) =>
  resourcesOf(t, 'AWS::ApiGateway::Stage').find(([, r]) => r.Properties.StageName === name)![0];

describe('each tier is a usage plan on the stages, by reference (T-c1, T-c2)', () => {
  const { stack, api } = monetized();
  addPetRoutes(api);
  const t = Template.fromStack(stack);

  test('one plan per tier, with its throttle and quota as given', () => {
    expect(resourcesOf(t, 'AWS::ApiGateway::UsagePlan')).toHaveLength(3);
    const [, free] = planOf(t, 'free');
    expect(free.Properties.Throttle).toEqual({ RateLimit: 5, BurstLimit: 10 });
    expect(free.Properties.Quota).toEqual({ Limit: 1000, Period: 'MONTH' });
    expect(api.tiers.map((tier) => tier.tierName)).toEqual(['free', 'basic', 'pro']);
  });

  test('ApiStages[].Stage is a Ref to the stage, never a literal name', () => {
    const prod = stageLogicalId(t, 'prod');
    const [restApi] = resourcesOf(t, 'AWS::ApiGateway::RestApi')[0];
    for (const tier of TIERS) {
      const [, plan] = planOf(t, tier.name);
      expect(plan.Properties.ApiStages).toEqual([{ ApiId: { Ref: restApi }, Stage: { Ref: prod } }]);
    }
  });

  // aws-cdk#6169: CreateUsagePlan fails ("Invalid API Stage ... specified for usageplan") when CloudFormation creates
  // the plan before its stage; only a dependency (Ref or DependsOn) orders them.
  test('every plan depends on its stage in the resolved graph', () => {
    const prod = stageLogicalId(t, 'prod');
    for (const tier of TIERS) expect(dependenciesOf(t.toJSON(), planOf(t, tier.name)[0]).has(prod)).toBe(true);
  });

  test('every user route requires an API key; admin routes are IAM-authorized and keyless', () => {
    const methods = resourcesOf(t, 'AWS::ApiGateway::Method').filter(([, m]) => m.Properties.HttpMethod !== 'OPTIONS');
    const user = methods.filter(([, m]) => !JSON.stringify(m.Properties.OperationName).startsWith('"admin'));
    expect(user).toHaveLength(3);
    for (const [, m] of user) expect(m.Properties.ApiKeyRequired).toBe(true);
    for (const [, m] of methods.filter((x) => !user.includes(x))) {
      expect(m.Properties).toMatchObject({ ApiKeyRequired: false, AuthorizationType: 'AWS_IAM' });
    }
  });

  // CloudFormation refuses a template whose resources depend on each other in a loop ("Circular dependency between
  // resources"): plans -> stage -> deployment -> methods must not lead back to the plans through a handler.
  test('the template has no dependency cycle', () => {
    expect(findCycle(t.toJSON())).toBeUndefined();
  });

  test('the API reads keys from the header by default, and says quotas are best effort', () => {
    t.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'HEADER' });
    Annotations.fromStack(stack).hasInfo('/Test/Api', Match.stringLikeRegexp('best effort.*WAF rate rule'));
  });

  // T-c8: account-level cost protection stays on whatever the tiers say.
  test('the WAF web ACL with its rate-based rule is associated with the stage', () => {
    t.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    const [, acl] = resourcesOf(t, 'AWS::WAFv2::WebACL')[0];
    expect(acl.Properties.Rules.some((r: any) => r.Statement.RateBasedStatement)).toBe(true);
  });
});

describe('stages', () => {
  // T-c7: a renamed stage is a new AWS::ApiGateway::Stage (StageName requires replacement); the plans follow it.
  test('renaming the stage rewrites every plan\'s Ref, and no plan keeps the old name', () => {
    const named = (stageName: string) => {
      const { stack, api } = monetized({ stage: { stageName } });
      addPetRoutes(api);
      return Template.fromStack(stack);
    };
    const before = named('prod');
    const after = named('live');
    const live = stageLogicalId(after, 'live');
    expect(live).not.toEqual(stageLogicalId(before, 'prod'));
    for (const tier of TIERS) {
      const plan = JSON.stringify(planOf(after, tier.name)[1]);
      expect(plan).toContain(`{"Ref":"${live}"}`);
      expect(plan).not.toContain('prod');
    }
  });

  test('a stage added later joins every tier that covers all stages; a tier naming stages keeps to them', () => {
    const { stack, api } = monetized({
      tiers: [TIERS[0], { ...TIERS[2], stages: ['prod'] }],
    });
    api.addStage('Beta', { stageName: 'beta' });
    addPetRoutes(api);
    const t = Template.fromStack(stack);
    const [prod, beta] = [stageLogicalId(t, 'prod'), stageLogicalId(t, 'beta')];
    expect(planOf(t, 'free')[1].Properties.ApiStages.map((s: any) => s.Stage)).toEqual([{ Ref: prod }, { Ref: beta }]);
    expect(planOf(t, 'pro')[1].Properties.ApiStages.map((s: any) => s.Stage)).toEqual([{ Ref: prod }]);
    expect(api.tier('pro').tier.stages).toEqual(['prod']);
  });

  test('a tier naming a stage the API does not have fails the synth', () => {
    const { stack, api } = monetized({ tiers: [{ ...TIERS[0], stages: ['beta'] }] });
    addPetRoutes(api);
    expect(() => Template.fromStack(stack)).toThrow('Test/Api: invalid tier free stages "beta": names no stage of the API (prod)');
  });
});

describe('per-route throttles (T-c9)', () => {
  const throttled = (routeThrottles: Record<string, { rateLimit?: number; burstLimit?: number }>) => {
    const { stack, api } = monetized({ tiers: [{ ...TIERS[0], routeThrottles }] });
    addPetRoutes(api);
    return Template.fromStack(stack);
  };

  test('0/0 is rendered literally under the /{path}/{METHOD} key, on every stage entry', () => {
    const t = throttled({ 'GET /pets': { rateLimit: 0, burstLimit: 0 }, 'get /pets/{id}': { rateLimit: 2.5, burstLimit: 5 } });
    expect(planOf(t, 'free')[1].Properties.ApiStages[0].Throttle).toEqual({
      '/pets/GET': { RateLimit: 0, BurstLimit: 0 },
      '/pets/{id}/GET': { RateLimit: 2.5, BurstLimit: 5 },
    });
  });

  test('the key helpers follow API Gateway\'s format (the root resource is //GET)', () => {
    expect(methodThrottleKey('get', '/')).toBe('//GET');
    expect(parseRouteKey('POST /pets/{id}')).toEqual({ method: 'POST', path: '/pets/{id}' });
    expect(parseRouteKey('/pets')).toBeUndefined();
  });

  // aws-cdk#6411: "Can not define fine grain throttling if usage plan throttle is not defined".
  test('a route throttle without a tier throttle is refused', () => {
    expect(() => monetized({ tiers: [{ name: 'free', routeThrottles: { 'GET /pets': { rateLimit: 1, burstLimit: 1 } } }] })).toThrow(
      'Test/Api: invalid tier free routeThrottles "GET /pets": need a tier throttle too: API Gateway refuses per-method throttles without a plan-level one (aws-cdk#6411)',
    );
  });

  test('every plan with per-route throttles has a plan-level throttle (the aws-cdk#6411 rule, over several tiers)', () => {
    const { stack, api } = monetized({
      tiers: TIERS.map((tier) => ({ ...tier, routeThrottles: { 'POST /pets': { rateLimit: 1, burstLimit: 2 } } })),
    });
    addPetRoutes(api);
    for (const [, plan] of resourcesOf(Template.fromStack(stack), 'AWS::ApiGateway::UsagePlan')) {
      const hasRouteThrottles = plan.Properties.ApiStages.some((s: any) => s.Throttle);
      expect(hasRouteThrottles && plan.Properties.Throttle === undefined).toBe(false);
    }
  });

  test('ANY routes are refused, and a route the API does not have fails the synth', () => {
    expect(() => monetized({ tiers: [{ ...TIERS[0], routeThrottles: { 'ANY /pets': { rateLimit: 1, burstLimit: 1 } } }] })).toThrow(
      'invalid tier free routeThrottles "ANY /pets": cannot throttle an ANY route',
    );
    expect(() => throttled({ 'DELETE /pets': { rateLimit: 1, burstLimit: 1 } })).toThrow('Test/Api: invalid tier free routeThrottles "DELETE /pets": names no route of the API');
  });
});

describe('routes and keys', () => {
  test('a route may opt out of the API key, with a warning; a route without authorization warns too', () => {
    const { stack, api } = monetized();
    api.addRoute('GET', '/health', new apigateway.MockIntegration(), { apiKeyRequired: false });
    api.addRoute('GET', '/public', new apigateway.MockIntegration(), { authorization: ApiAuthorization.none() });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Test/Api', Match.stringLikeRegexp('GET /health requires no API key: no tier meters'));
    annotations.hasWarning('/Test/Api', Match.stringLikeRegexp('GET /public has no authorization: an API key identifies a caller for metering'));
  });

  test('AUTHORIZER key source is set on the API with a Lambda authorizer and refused with IAM or Cognito', () => {
    const { stack, api } = monetized({ apiKeySource: apigateway.ApiKeySourceType.AUTHORIZER });
    addPetRoutes(api);
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
    expect(() => monetized({ apiKeySource: apigateway.ApiKeySourceType.AUTHORIZER, authorization: ApiAuthorization.iam() })).toThrow(
      'Test/Api: invalid apiKeySource "AUTHORIZER": needs a Lambda authorizer that returns usageIdentifierKey (JWT, LAMBDA_TOKEN or LAMBDA_REQUEST), not IAM',
    );
  });

  test('addTier after construction adds a plan the handlers know (environment and grants)', () => {
    const { stack, api } = monetized();
    const enterprise = api.addTier({ name: 'enterprise', throttle: { rateLimit: 1000, burstLimit: 2000 } });
    addPetRoutes(api);
    const t = Template.fromStack(stack);
    const [planId] = planOf(t, 'enterprise');
    expect(enterprise.usagePlanId).toBeDefined();
    const admin = resourcesOf(t, 'AWS::Lambda::Function').find(([id]) => id.startsWith('ApiAdminFunction'))![1];
    expect(JSON.stringify(admin.Properties.Environment.Variables.TIERS)).toContain(`",enterprise=",{"Ref":"${planId}"}`);
    expect(JSON.stringify(t.toJSON())).toContain(`/usageplans/",{"Ref":"${planId}"},"/*"`);
  });

  test('the app warns near the region\'s 300 usage plans (counted over every stack of the app)', () => {
    const app = new App();
    const stacks = Array.from({ length: 5 }, (_, s) => new Stack(app, `Plans${s}`));
    const light = { onboarding: { enabled: false }, usageReports: { enabled: false } };
    stacks.forEach((stack, s) => {
      const { api } = monetized({ tiers: Array.from({ length: 48 }, (_, i) => ({ name: `t${s}x${i}` })), ...light }, stack);
      api.addRoute('GET', '/pets', new apigateway.MockIntegration());
    });
    Annotations.fromStack(stacks[4]).hasWarning('/Plans4/Api', Match.stringLikeRegexp('declares 240 usage plans; an account has 300 per region'));
    Annotations.fromStack(stacks[3]).hasNoWarning('/Plans3/Api', Match.stringLikeRegexp('usage plans; an account has 300'));
  });
});
