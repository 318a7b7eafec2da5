/**
 * Stages and the deployments they serve. Each test of a model change synthesizes the same app twice, once with the
 * change, and compares the deployment logical ids: a deployment is a snapshot of the API taken when it is created
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-deployments.html), and CloudFormation creates a
 * new one only for a new logical id, so a change the id misses leaves every stage on the old snapshot
 * (aws-cdk#8024 resource policy, #8159 OpenAPI body, #33719 deploy-time values; MECHANICS: nested stacks).
 */
import { CfnParameter, CustomResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { ApiAuthorization, CacheSize, RestApiPattern, SecuredRestApi, StageSettings } from '../../src';
import { backendFunction, newStack } from '../support/fixtures';

const http = (url: string) => new apigateway.HttpIntegration(url);

interface Variant {
  readonly stage?: StageSettings;
  readonly extraStages?: Array<[string, StageSettings]>;
  readonly configure?: (api: RestApiPattern, stack: Stack) => void;
  readonly props?: Partial<ConstructorParameters<typeof SecuredRestApi>[2]>;
}

function synth(variant: Variant = {}) {
  const stack = newStack();
  const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam(), stage: variant.stage, ...variant.props });
  for (const [id, settings] of variant.extraStages ?? []) api.addStage(id, settings);
  api.addRoute('GET', '/orders', http('https://backend.example.com/orders'));
  variant.configure?.(api, stack);
  const template = Template.fromStack(stack);
  return { stack, api, template, ...shape(template.toJSON()) };
}

/** The deployments, stages and the output of a template. */
function shape(json: any) {
  const resources: Record<string, any> = json.Resources;
  const deployments = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::ApiGateway::Deployment');
  const stages: Record<string, any> = {};
  for (const r of Object.values<any>(resources)) if (r.Type === 'AWS::ApiGateway::Stage') stages[r.Properties.StageName] = r.Properties;
  const output = Object.entries<any>(json.Outputs ?? {}).find(([k]) => k.startsWith('ApiCurrentDeployment'))?.[1].Value as string;
  return { json, resources, deployments, stages, current: output };
}

describe('each change of the API model gives a new deployment (two synths)', () => {
  const cases: Array<[string, Variant]> = [
    ['a route', { configure: (api) => api.addRoute('GET', '/customers', http('https://backend.example.com/customers')) }],
    ['an integration', { configure: (api) => api.addRoute('GET', '/orders/{id}', http('https://backend.example.com/v2/orders/{id}')) }],
    ['a request model', { configure: (api) => api.addRoute('POST', '/orders', http('https://backend.example.com/orders'), { requestSchema: { type: apigateway.JsonSchemaType.OBJECT } }) }],
    ['an authorizer', { configure: (api, stack) => api.addRoute('GET', '/me', http('https://backend.example.com/me'), { authorization: ApiAuthorization.lambdaToken(backendFunction(stack, 'Auth')) }) }],
    ['the resource policy (aws-cdk#8024)', { props: { resourcePolicy: { allowedSourceCidrs: ['203.0.113.0/24'] } } }],
    ['a gateway response', { configure: (api) => api.api.addGatewayResponse('Denied', { type: apigateway.ResponseType.ACCESS_DENIED, statusCode: '403' }) }],
    ['CacheKeyParameters written by a property override', {
      configure: (api) => (api.api.root.getResource('orders')!.node.findChild('GET').node.defaultChild as apigateway.CfnMethod)
        .addPropertyOverride('Integration.CacheKeyParameters', ['method.request.querystring.page']),
    }],
  ];
  const base = synth();
  test.each(cases)('%s', (_name, variant) => {
    const changed = synth(variant);
    expect(changed.current).not.toEqual(base.current);
    expect(changed.deployments).toEqual([changed.current]);
    expect(changed.stages.prod.DeploymentId).toEqual({ Ref: changed.current });
  });

  test('the same model gives the same deployment (logical ids are a pure function of the model)', () => {
    expect(synth().current).toEqual(base.current);
    expect(base.current).toMatch(/^ApiDeployment[0-9A-F]{8}[0-9a-f]{32}$/);
  });

  test('a property override is a change aws-cdk-lib\'s own hash does not see (the trap the fingerprint closes)', () => {
    const plain = (override: boolean) => {
      const stack = newStack();
      const api = new apigateway.RestApi(stack, 'Api');
      const method = api.root.addResource('orders').addMethod('GET', http('https://backend.example.com/orders'));
      if (override) (method.node.defaultChild as apigateway.CfnMethod).addPropertyOverride('Integration.CacheKeyParameters', ['method.request.querystring.page']);
      return Object.keys(Template.fromStack(stack).findResources('AWS::ApiGateway::Deployment'));
    };
    expect(plain(true)).toEqual(plain(false));
  });

  test('a change in a nested stack of routes (routes past routesInParent)', () => {
    const sharded = (url: string) => synth({
      props: { routeSharding: { routesInParent: 1 } },
      configure: (api) => api.addRoute('GET', '/customers', http(url)),
    });
    const a = sharded('https://backend.example.com/customers');
    const b = sharded('https://backend.example.com/v2/customers');
    expect(a.api.routeStacks).toHaveLength(2);
    expect(b.current).not.toEqual(a.current);
  });

  test('the inputs of a custom resource the model reads (aws-cdk#33719), with a warning for what only the deployment knows', () => {
    const withLookup = (version: string) => synth({
      configure: (api, stack) => {
        const lookup = new CustomResource(stack, 'BackendLookup', { serviceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:lookup', properties: { Version: version } });
        api.addRoute('GET', '/dynamic', http(`https://${lookup.getAttString('Host')}/dynamic`));
      },
    });
    const v1 = withLookup('1');
    const v2 = withLookup('2');
    expect(v2.current).not.toEqual(v1.current);
    Annotations.fromStack(v1.stack).hasWarning('/Test/Api', Match.stringLikeRegexp('cdk-apigateway-patterns:DeploymentIgnoresDeployTimeValue'));
    Annotations.fromStack(v1.stack).hasWarning('/Test/Api', Match.stringLikeRegexp('custom resource Test/BackendLookup'));
    // A parameter's value is a deploy-time value too.
    const parameter = synth({ configure: (api, stack) => api.addRoute('GET', '/p', http(`https://${new CfnParameter(stack, 'Host').valueAsString}/p`)) });
    Annotations.fromStack(parameter.stack).hasWarning('/Test/Api', Match.stringLikeRegexp('parameter Test/Host'));
    // A model with literal values only raises no such warning.
    expect(Annotations.fromStack(base.stack).findWarning('*', Match.stringLikeRegexp('DeploymentIgnoresDeployTimeValue'))).toEqual([]);
  });
});

describe('several stages', () => {
  test('each with its own variables, throttling, cache and logging level; none sets StageName on a deployment', () => {
    const { template, stages, resources, deployments } = synth({
      stage: { stageName: 'prod', variables: { tier: 'prod' }, throttle: { rateLimit: 500, burstLimit: 1000 }, cache: { size: CacheSize.GB_1_6 } },
      extraStages: [
        ['Dev', { stageName: 'dev', variables: { tier: 'dev' }, throttle: { rateLimit: 10, burstLimit: 20 }, loggingLevel: apigateway.MethodLoggingLevel.INFO }],
        ['Test', { stageName: 'test', variables: { tier: 'test' } }],
      ],
    });
    expect(Object.keys(stages).sort()).toEqual(['dev', 'prod', 'test']);
    expect(stages.prod).toMatchObject({ Variables: { tier: 'prod' }, CacheClusterEnabled: true, CacheClusterSize: '1.6' });
    expect(stages.dev).toMatchObject({ Variables: { tier: 'dev' }, CacheClusterEnabled: false });
    const stageWide = (name: string) => stages[name].MethodSettings.find((m: any) => m.ResourcePath === '/*' && m.HttpMethod === '*');
    expect(stageWide('prod')).toMatchObject({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000, LoggingLevel: 'ERROR', CachingEnabled: true });
    expect(stageWide('dev')).toMatchObject({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20, LoggingLevel: 'INFO' });
    // One deployment serves all three; no deployment creates or overwrites a stage (T-a2, T-a6).
    expect(deployments).toHaveLength(1);
    for (const id of deployments) expect(Object.keys(resources[id].Properties)).not.toContain('StageName');
    // Each stage has its own alarms (dimension Stage = its name) and dashboard widgets.
    for (const name of ['prod', 'dev', 'test']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Dimensions: Match.arrayWith([{ Name: 'Stage', Value: name === 'prod' ? 'prod' : Match.anyValue() }]), MetricName: 'Latency' });
    }
    const dashboard = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    expect((dashboard.match(/Latency p99 \(ms\)/g) ?? []).length).toBe(3);
  });

  test('a pinned stage keeps its deployment while another follows the model (T-a6)', () => {
    const v1 = synth({ extraStages: [['Dev', { stageName: 'dev' }]] });
    const pinned = (configure?: Variant['configure']) => synth({ stage: { baseDeployment: v1.current }, extraStages: [['Dev', { stageName: 'dev' }]], configure });
    const v2 = pinned((api) => api.addRoute('GET', '/dev-only', http('https://backend.example.com/dev-only')));
    expect(v2.current).not.toEqual(v1.current);
    expect(v2.stages.prod.DeploymentId).toEqual({ Ref: v1.current });
    expect(v2.stages.dev.DeploymentId).toEqual({ Ref: v2.current });
    // The pinned deployment is declared again exactly as it was: CloudFormation leaves its snapshot alone (T-a7).
    expect(v2.resources[v1.current].Properties).toEqual(v1.resources[v1.current].Properties);
    expect(v2.deployments.sort()).toEqual([v1.current, v2.current].sort());
    // Pinning the current deployment declares it once.
    const same = pinned();
    expect(same.deployments).toEqual([v1.current]);
    expect(same.stages.prod.DeploymentId).toEqual({ Ref: v1.current });
  });

  test('at most 10 stages, names unique, names and variables checked', () => {
    const { api } = synth();
    expect(() => api.addStage('Again', { stageName: 'prod' })).toThrow('Test/Api: invalid stage.stageName "prod": must be unique among the API\'s stages');
    expect(() => api.addStage('Var', { stageName: 'v', variables: { 'bad-key': 'x' } })).toThrow('Test/Api: invalid stage.variables key "bad-key"');
    expect(() => api.addStage('Val', { stageName: 'w', variables: { key: 'a b' } })).toThrow('Test/Api: invalid stage.variables.key "a b"');
    for (let i = 1; i < 10; i++) api.addStage(`S${i}`, { stageName: `s${i}` });
    expect(() => api.addStage('S10', { stageName: 's10' })).toThrow('must be at most 10 per REST API (API Gateway quota)');
  });
});

describe('baseDeployment', () => {
  test.each([
    ['not a deployment id', 'prod-1'],
    ['a deployment of another API', 'OtherDeploymentFE1E7282c7cb06a8675d8d7adce45f83b16ce0d1'],
    ['a truncated hash', 'ApiDeploymentFE1E7282c7cb06a8675d8d7adce45f83'],
  ])('refuses %s', (_name, pin) => {
    expect(() => synth({ stage: { baseDeployment: pin } })).toThrow(new RegExp(`Test/Api: invalid stage.baseDeployment "${pin}": must be a deployment of this API: the CurrentDeployment output of an earlier deploy \\(ApiDeploymentFE1E7282 and 32 hex digits\\)`));
  });
});
