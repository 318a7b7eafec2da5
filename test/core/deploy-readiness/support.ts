/** Runs DeployReadinessCheck over a synthesized app, as the validation framework would, and reads its findings. */
import { App, Stack, Stage } from 'aws-cdk-lib';
import { DeployReadinessCheck, DeployReadinessCheckProps } from '../../../src';

/** One finding: rule id, construct path and message. */
export interface Found {
  readonly rule: string;
  readonly path?: string;
  readonly message: string;
}

/** Every finding of the check over the app of `scope` (synthesized once). */
export function readinessFindings(scope: Stack | App, props?: DeployReadinessCheckProps): Found[] {
  const app = (scope instanceof App ? scope : Stage.of(scope)) as Stage;
  const assembly = app.synth();
  const stackTemplates = assembly.stacksRecursively.map((s) => ({
    stackConstructPath: s.hierarchicalId,
    templatePath: s.templateFullPath,
    accountId: undefined,
    region: undefined,
  }));
  const templatePaths = stackTemplates.map((s) => s.templatePath);
  const report = new DeployReadinessCheck(props).validate({ templatePaths, stackTemplates, appConstruct: app });
  expect(report.success).toBe(report.violations.length === 0);
  return report.violations.map((v) => ({ rule: v.ruleName, path: v.violatingResources[0]?.constructPath, message: v.description }));
}

/** The findings of one rule. */
export function findingsOf(scope: Stack | App, rule: string): Found[] {
  return readinessFindings(scope).filter((f) => f.rule === rule);
}

/** A new environment-agnostic stack in a new app. */
export function stack(id = 'Test'): Stack {
  return new Stack(new App(), id);
}
