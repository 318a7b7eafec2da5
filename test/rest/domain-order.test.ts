/**
 * Deploy readiness, ordering rules of custom domains and canaries (rule ByNameOrder, table
 * src/core/deploy-readiness/named-references.ts). Each test builds the wrong order from L1 resources first, to show
 * the rule finds it, then checks that what the library writes passes.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { findingsOf, stack } from '../core/deploy-readiness/support';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f6e2c1a-9b1e-4c4b-8a57-2f1f5d8e0a11';

/** A REST API with a deployment and a stage `prod`, and a domain, as L1 resources. */
function restApi(s: Stack) {
  const api = new apigateway.CfnRestApi(s, 'Api', { name: 'orders' });
  const deployment = new apigateway.CfnDeployment(s, 'Deployment', { restApiId: api.ref });
  const stage = new apigateway.CfnStage(s, 'Stage', { restApiId: api.ref, stageName: 'prod', deploymentId: deployment.ref });
  const domain = new apigateway.CfnDomainName(s, 'Domain', { domainName: 'api.example.com', regionalCertificateArn: CERT });
  return { api, deployment, stage, domain };
}

describe('ByNameOrder: a base path or API mapping after its stage', () => {
  // CreateBasePathMapping / CreateApiMapping before the stage exists: "Invalid stage identifier specified"
  // (aws-cdk#8983 / #9078; SAM#192; serverless#4029). A literal stage name is no dependency for CloudFormation.
  const mappings: Array<[string, (s: Stack, r: ReturnType<typeof restApi>, stageValue: string) => CfnResource]> = [
    ['BasePathMapping', (s, r, stageName) => new apigateway.CfnBasePathMapping(s, 'Mapping', { domainName: r.domain.ref, restApiId: r.api.ref, stage: stageName, basePath: 'orders' })],
    ['ApiGatewayV2 ApiMapping (multi-level)', (s, r, stageName) => new apigatewayv2.CfnApiMapping(s, 'Mapping', { domainName: r.domain.ref, apiId: r.api.ref, stage: stageName, apiMappingKey: 'v1/orders' })],
    ['BasePathMappingV2 (private domain)', (s, r, stageName) => new CfnResource(s, 'Mapping', {
      type: 'AWS::ApiGateway::BasePathMappingV2', properties: { DomainNameArn: 'arn:aws:apigateway:eu-west-1::/domainnames/api.example.com+abc', RestApiId: r.api.ref, Stage: stageName },
    })],
  ];
  test.each(mappings)('%s naming the stage by string without depending on it is found', (_name, mapping) => {
    const s = stack();
    const r = restApi(s);
    mapping(s, r, 'prod');
    expect(findingsOf(s, 'ByNameOrder')).toEqual([expect.objectContaining({
      path: 'Test/Mapping',
      message: expect.stringContaining('mapping stage "prod" names stage Test/Stage, which it does not depend on, so CloudFormation may create it first (Invalid stage identifier specified)'),
    })]);
  });

  test.each(mappings)('%s with DependsOn, or naming the stage by Ref, passes', (_name, mapping) => {
    const s = stack();
    const r = restApi(s);
    mapping(s, r, 'prod').addDependency(r.stage);
    expect(findingsOf(s, 'ByNameOrder')).toEqual([]);
    const t = stack();
    const q = restApi(t);
    mapping(t, q, q.stage.ref);
    expect(findingsOf(t, 'ByNameOrder')).toEqual([]);
  });

  test('a mapping to a stage the API does not have is found', () => {
    const s = stack();
    const r = restApi(s);
    new apigateway.CfnBasePathMapping(s, 'Mapping', { domainName: r.domain.ref, restApiId: r.api.ref, stage: 'staging' }).addDependency(r.stage);
    expect(findingsOf(s, 'ByNameOrder')).toEqual([expect.objectContaining({ message: expect.stringContaining('mapping stage "staging" names no stage of the app') })]);
  });

  test('the domains the library writes (root, named, multi-level, on two stages) pass', () => {
    const s = new Stack(undefined, 'Lib', { env: { account: '123456789012', region: 'eu-west-1' } });
    const api = new SecuredRestApi(s, 'Api', { authorization: ApiAuthorization.iam() });
    api.addRoute('GET', '/orders', new apigateway.HttpIntegration('https://backend.example.com/orders'));
    const dev = api.addStage('Dev', { stageName: 'dev' });
    const certificate = acm.Certificate.fromCertificateArn(s, 'Cert', CERT);
    api.addDomainName('Root', { domainName: 'api.example.com', certificate });
    const named = api.addDomainName('Named', { domainName: 'orders.example.com', certificate, basePath: 'v1/orders', stage: dev });
    named.addMapping(api.stage, { basePath: 'prod' });
    expect(findingsOf(s, 'ByNameOrder')).toEqual([]);
  });
});

describe('ByNameOrder: a canary after its stage', () => {
  test('a canary release deployment whose stage is not created first is found; a plain deployment with StageName is not', () => {
    // "you cannot specify any non-existing stage name when creating a canary release deployment"
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/create-canary-deployment.html): unlike a plain
    // deployment with StageName, a canary deployment does not create its stage.
    const s = stack();
    const r = restApi(s);
    new apigateway.CfnDeployment(s, 'CanaryDeployment', { restApiId: r.api.ref, stageName: 'prod', deploymentCanarySettings: { percentTraffic: 10 } });
    new apigateway.CfnDeployment(s, 'PlainDeployment', { restApiId: r.api.ref, stageName: 'dev' });
    expect(findingsOf(s, 'ByNameOrder')).toEqual([expect.objectContaining({
      path: 'Test/CanaryDeployment',
      message: expect.stringContaining('canary deployment StageName "prod" names stage Test/Stage, which it does not depend on'),
    })]);
  });

  test('a canary release deployment for a stage only another deployment would create is found', () => {
    const s = stack();
    const api = new apigateway.CfnRestApi(s, 'Api', { name: 'orders' });
    const first = new apigateway.CfnDeployment(s, 'First', { restApiId: api.ref, stageName: 'prod' });
    new apigateway.CfnDeployment(s, 'Canary', { restApiId: api.ref, stageName: 'prod', deploymentCanarySettings: { percentTraffic: 10 } }).addDependency(first);
    expect(findingsOf(s, 'ByNameOrder')).toEqual([expect.objectContaining({ message: expect.stringContaining('canary deployment StageName "prod" names no stage of the app') })]);
  });

  test('the canary-removal custom resource must run after its stage (aws-cdk#33901: it PATCHes remove /canarySettings)', () => {
    const build = (ordered: boolean) => {
      const s = stack();
      const r = restApi(s);
      const removal = new CfnResource(s, 'Removal', {
        type: 'Custom::ApiCanaryRemoval',
        properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:canary', RestApiId: r.api.ref, StageName: 'prod', RemoveCanary: true },
      });
      if (ordered) removal.addDependency(r.stage);
      return s;
    };
    expect(findingsOf(build(false), 'ByNameOrder')).toEqual([expect.objectContaining({ message: expect.stringContaining('canary removal StageName "prod" names stage Test/Stage') })]);
    expect(findingsOf(build(true), 'ByNameOrder')).toEqual([]);
  });

  test('the library\'s canary (base and candidate on the stage, guard, removal, two stages) passes', () => {
    const s = stack('Lib');
    const api = new SecuredRestApi(s, 'Api', { authorization: ApiAuthorization.iam(), stage: { canary: { percentTraffic: 10 } } });
    api.addStage('Dev', { stageName: 'dev', removeCanary: true });
    api.addRoute('GET', '/orders', new apigateway.HttpIntegration('https://backend.example.com/orders'));
    expect(findingsOf(s, 'ByNameOrder')).toEqual([]);
  });
});
