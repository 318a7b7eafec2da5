/**
 * The deploy-readiness rule for usage plans: `ApiStages[].Stage` names a stage by string, and CreateUsagePlan fails
 * with "Invalid API Stage {api: ..., stage: ...} specified for usageplan" (or "API Stage not found") when the stage
 * does not exist yet; a literal name gives CloudFormation no order (aws-cdk#6169, serverless#2831, SAM#32).
 */
import { Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { addPetRoutes, monetized } from './support';
import { findingsOf, stack } from '../core/deploy-readiness/support';

function restApi(s: Stack): { api: apigateway.CfnRestApi; stage: apigateway.CfnStage } {
  const api = new apigateway.CfnRestApi(s, 'Api', { name: 'pets' });
  const method = new apigateway.CfnMethod(s, 'Method', { restApiId: api.ref, resourceId: api.attrRootResourceId, httpMethod: 'GET', authorizationType: 'AWS_IAM', integration: { type: 'MOCK' } });
  const deployment = new apigateway.CfnDeployment(s, 'Deployment', { restApiId: api.ref });
  deployment.addResourceDependency(method);
  const stage = new apigateway.CfnStage(s, 'Stage', { restApiId: api.ref, deploymentId: deployment.ref, stageName: 'prod' });
  return { api, stage };
}

describe('ByNameOrder: REST usage plan ApiStages', () => {
  test('a plan naming its stage by a literal string is found', () => {
    const s = stack();
    const { api } = restApi(s);
    new apigateway.CfnUsagePlan(s, 'Plan', { apiStages: [{ apiId: api.ref, stage: 'prod' }] });
    expect(findingsOf(s, 'ByNameOrder')).toEqual([{
      rule: 'ByNameOrder',
      path: 'Test/Plan',
      message: 'Test/Plan: ApiStages stage "prod" names stage Test/Stage, which it does not depend on, so CloudFormation may create it first (Invalid API Stage {api: ..., stage: ...} specified for usageplan)',
    }]);
  });

  test('a Ref to the stage, or a literal name with a DependsOn, passes', () => {
    const byRef = stack();
    const a = restApi(byRef);
    new apigateway.CfnUsagePlan(byRef, 'Plan', { apiStages: [{ apiId: a.api.ref, stage: a.stage.ref }] });
    expect(findingsOf(byRef, 'ByNameOrder')).toEqual([]);

    const ordered = stack();
    const b = restApi(ordered);
    new apigateway.CfnUsagePlan(ordered, 'Plan', { apiStages: [{ apiId: b.api.ref, stage: 'prod' }] }).addDependency(b.stage);
    expect(findingsOf(ordered, 'ByNameOrder')).toEqual([]);
  });

  test('a stage name the API does not have is found; a plan on an imported API is not checked', () => {
    const s = stack();
    const { api } = restApi(s);
    new apigateway.CfnUsagePlan(s, 'Plan', { apiStages: [{ apiId: api.ref, stage: 'beta' }] });
    new apigateway.CfnUsagePlan(s, 'Imported', { apiStages: [{ apiId: 'a1b2c3d4e5', stage: 'prod' }] });
    expect(findingsOf(s, 'ByNameOrder')).toEqual([expect.objectContaining({ path: 'Test/Plan', message: expect.stringContaining('ApiStages stage "beta" names no stage of the app') })]);
  });

  test('MonetizedApi\'s tiers pass, with a stage added later', () => {
    const { stack: s, api } = monetized();
    api.addStage('Beta', { stageName: 'beta' });
    addPetRoutes(api);
    expect(findingsOf(s, 'ByNameOrder')).toEqual([]);
  });
});
