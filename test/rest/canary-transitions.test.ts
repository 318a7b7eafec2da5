/**
 * A canary release as successive synths of one app, the way a user drives it: first deploy, canary, promote, new
 * canary, rollback, remove. After each step the template is checked against the rules API Gateway and CloudFormation
 * impose (docs/mechanics.md, canary section):
 * - no deployment sets StageName or DeploymentCanarySettings: a deployment with StageName is refused while the stage
 *   has a canary ("Non canary deployment not supported on stage ... Provide CanarySettings", serverless#11518);
 * - CanarySetting.DeploymentId is always explicit (omitted, API Gateway fills in the stage's deployment: drift);
 * - a deployment a stage or canary named in the previous template and still names is still declared, unchanged: a
 *   deployment CloudFormation deletes while a stage points at it fails ("Active stages pointing to this deployment
 *   must be moved or deleted", hashicorp/terraform#25495); every Ref to a deployment resolves;
 * - removing CanarySetting from the template leaves the canary on the live stage (aws-cdk#33901): removal is the
 *   removal custom resource with RemoveCanary true.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { ApiAuthorization, SecuredRestApi, StageSettings } from '../../src';
import { newStack } from '../support/fixtures';

/** One version of the app: its routes (the model) and its stage settings. */
function release(routes: string[], stage: StageSettings) {
  const stack = newStack();
  const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam(), stage: { variables: { alias: 'live' }, ...stage } });
  for (const path of routes) api.addRoute('GET', path, new apigateway.HttpIntegration(`https://backend.example.com${path}`));
  const json = Template.fromStack(stack).toJSON();
  const resources: Record<string, any> = json.Resources;
  const stage0 = Object.values<any>(resources).find((r) => r.Type === 'AWS::ApiGateway::Stage')!.Properties;
  const current = Object.entries<any>(json.Outputs).find(([k]) => k.startsWith('ApiCurrentDeployment'))![1].Value as string;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  return { json, resources, stage: stage0, current, ofType };
}

type Version = ReturnType<typeof release>;

/** Deployment logical ids a version's stages and canaries name. */
function referenced(v: Version): string[] {
  const refs = [v.stage.DeploymentId?.Ref, v.stage.CanarySetting?.DeploymentId?.Ref].filter((r): r is string => typeof r === 'string');
  return [...new Set(refs)];
}

/** The rules every version obeys, and the step from the previous version. */
function checkStep(previous: Version | undefined, next: Version): void {
  for (const [, d] of next.ofType('AWS::ApiGateway::Deployment')) {
    expect(Object.keys(d.Properties)).not.toContain('StageName');
    expect(Object.keys(d.Properties)).not.toContain('DeploymentCanarySettings');
    expect(Object.keys(d.Properties)).not.toContain('StageDescription');
  }
  if (next.stage.CanarySetting) expect(next.stage.CanarySetting.DeploymentId).toEqual({ Ref: expect.any(String) });
  for (const id of referenced(next)) expect(next.resources[id]?.Type).toBe('AWS::ApiGateway::Deployment');
  if (previous) {
    for (const id of referenced(next).filter((i) => previous.resources[i])) {
      expect(next.resources[id].Properties).toEqual(previous.resources[id].Properties);
    }
  }
}

describe('a canary release, step by step (successive synths of one app)', () => {
  const steps: Version[] = [];
  const step = (v: Version) => {
    checkStep(steps[steps.length - 1], v);
    steps.push(v);
    return v;
  };

  test('1. first deploy: the stage serves the current model, no canary', () => {
    const v1 = step(release(['/orders'], {}));
    expect(v1.stage.DeploymentId).toEqual({ Ref: v1.current });
    expect(v1.stage.CanarySetting).toBeUndefined();
    expect(v1.ofType('Custom::ApiCanaryRemoval')).toEqual([]);
  });

  test('2. canary: the model changes, the stage stays on the first deployment, 10 % go to the new one', () => {
    const v1 = steps[0];
    const v2 = step(release(['/orders', '/customers'], {
      baseDeployment: v1.current,
      canary: { percentTraffic: 10, stageVariableOverrides: { alias: 'next' } },
    }));
    expect(v2.current).not.toEqual(v1.current);
    expect(v2.stage.DeploymentId).toEqual({ Ref: v1.current });
    const [guardId] = v2.ofType('Custom::ApiCanaryGuard').map(([id]) => id);
    expect(v2.stage.CanarySetting).toEqual({
      DeploymentId: { Ref: v2.current },
      PercentTraffic: { 'Fn::GetAtt': [guardId, 'PercentTraffic'] },
      StageVariableOverrides: { alias: 'next' },
      UseStageCache: false,
    });
    expect(v2.resources[guardId].Properties).toMatchObject({ CandidateDeploymentId: { Ref: v2.current }, PercentTraffic: '10', StageName: 'prod' });
    // Two deployments: the base (unchanged from v1) and the candidate.
    expect(v2.ofType('AWS::ApiGateway::Deployment').map(([id]) => id).sort()).toEqual([v1.current, v2.current].sort());
  });

  test('3. promote: the candidate becomes the stage\'s deployment, the canary stays on it at 0 %', () => {
    const v2 = steps[1];
    const v3 = step(release(['/orders', '/customers'], { canary: { percentTraffic: 0 } }));
    expect(v3.current).toEqual(v2.current);
    expect(v3.stage.DeploymentId).toEqual({ Ref: v2.current });
    expect(v3.stage.CanarySetting).toEqual({ DeploymentId: { Ref: v2.current }, PercentTraffic: 0, UseStageCache: false });
    // The first deployment is no longer named: CloudFormation deletes it after the stage moved (cleanup phase).
    expect(v3.resources[steps[0].current]).toBeUndefined();
    expect(v3.ofType('Custom::ApiCanaryGuard')).toEqual([]);
  });

  test('4. new canary: the next model change goes to the canary, the stage stays on the promoted deployment', () => {
    const v3 = steps[2];
    const v4 = step(release(['/orders', '/customers', '/invoices'], { baseDeployment: v3.current, canary: { percentTraffic: 25 } }));
    expect(v4.stage.DeploymentId).toEqual({ Ref: v3.current });
    expect(v4.stage.CanarySetting.DeploymentId).toEqual({ Ref: v4.current });
    expect(new Set([steps[0].current, v3.current, v4.current]).size).toBe(3);
  });

  test('5. roll back: the stage keeps its deployment, the canary goes back to it at 0 % without overrides', () => {
    const v3 = steps[2];
    const v5 = step(release(['/orders', '/customers', '/invoices'], { baseDeployment: v3.current, canary: { percentTraffic: 0, stageVariableOverrides: { alias: 'next' } } }));
    expect(v5.stage.DeploymentId).toEqual({ Ref: v3.current });
    expect(v5.stage.CanarySetting).toEqual({ DeploymentId: { Ref: v3.current }, PercentTraffic: 0, UseStageCache: false });
    // The current model's deployment stays declared (unchanged, named by nothing) until the model changes again.
    expect(v5.current).toEqual(steps[3].current);
    expect(v5.ofType('AWS::ApiGateway::Deployment').map(([id]) => id).sort()).toEqual([v3.current, v5.current].sort());
    expect(referenced(v5)).toEqual([v3.current]);
  });

  test('6. remove: CanarySetting leaves the template and the removal custom resource removes the live canary', () => {
    const v3 = steps[2];
    const v6 = step(release(['/orders', '/customers', '/invoices'], { baseDeployment: v3.current, removeCanary: true }));
    expect(v6.stage.CanarySetting).toBeUndefined();
    const removals = v6.ofType('Custom::ApiCanaryRemoval');
    expect(removals).toHaveLength(1);
    const [, removal] = removals[0];
    expect(removal.Properties).toMatchObject({ RestApiId: { Ref: expect.stringMatching(/^Api/) }, StageName: 'prod', RemoveCanary: true });
    // It runs after the stage is updated, and the stage stays on its deployment.
    expect(removal.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^ApiDeploymentStageprod/)]));
    expect(v6.stage.DeploymentId).toEqual({ Ref: v3.current });
  });

  test('7. after the removal the stage follows the model again, and the removal resource may go', () => {
    const v7 = step(release(['/orders', '/customers', '/invoices'], {}));
    expect(v7.stage.DeploymentId).toEqual({ Ref: v7.current });
    expect(v7.ofType('Custom::ApiCanaryRemoval')).toEqual([]);
    expect(steps).toHaveLength(7);
  });
});

test('while a canary is set, the removal resource is there with RemoveCanary false (it never removes a wanted canary)', () => {
  const v = release(['/orders'], { canary: { percentTraffic: 5 } });
  const [[, removal]] = v.ofType('Custom::ApiCanaryRemoval');
  expect(removal.Properties.RemoveCanary).toBe(false);
});

test('a backend-only canary (same model, overridden variable) needs no base pin: base and candidate are the same deployment', () => {
  const v = release(['/orders'], { canary: { percentTraffic: 10, stageVariableOverrides: { alias: 'next' } } });
  expect(v.stage.DeploymentId).toEqual({ Ref: v.current });
  expect(v.stage.CanarySetting).toMatchObject({ DeploymentId: { Ref: v.current }, StageVariableOverrides: { alias: 'next' } });
  expect(v.ofType('AWS::ApiGateway::Deployment')).toHaveLength(1);
});
