/**
 * The built-in template checker skips nested templates (file assets); NestedTemplateChecker closes that gap.
 * Validation stays on in this file (CDK_VALIDATION=true), as in template-checker.synth.test.ts.
 */
import { App, CfnResource, CloudFormationValidatePlugin, NestedStack, Stack, Validations } from 'aws-cdk-lib';
import { NestedTemplateChecker } from '../../src';
import { withValidationOn } from '../support/compliance';

function brokenNestedApp(withPlugin: boolean): App {
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  const stack = new Stack(app, 'Parent');
  const nested = new NestedStack(stack, 'Routes0');
  new CfnResource(nested, 'Bad', { type: 'AWS::Logs::LogGroup', properties: { RetentionInDays: 'forever' } });
  if (withPlugin) Validations.of(app).addPlugins(new NestedTemplateChecker());
  return app;
}

describe('NestedTemplateChecker', () => {
  withValidationOn();

  test('without it, a broken nested template passes the built-in checker (the gap)', () => {
    expect(() => brokenNestedApp(false).synth()).not.toThrow();
  });

  test('with it, the same broken nested template fails the synth', () => {
    expect(() => brokenNestedApp(true).synth()).toThrow(/RetentionInDays: 'forever' is not of type 'integer'/);
  });

  test('a clean nested template passes', () => {
    const app = new App();
    const nested = new NestedStack(new Stack(app, 'Parent'), 'Routes0');
    new CfnResource(nested, 'Good', { type: 'AWS::Logs::LogGroup', properties: { RetentionInDays: 365 } });
    Validations.of(app).addPlugins(new NestedTemplateChecker());
    expect(app.synth().stacks.map((s) => s.stackName)).toEqual(['Parent']);
  });

  test('frees its rule engine after each run, pass or fail (a long-lived process must not keep one per synth)', () => {
    const created = jest.spyOn(CloudFormationValidatePlugin.prototype, 'validate');
    const freed = jest.spyOn(CloudFormationValidatePlugin.prototype, '_dispose');
    try {
      expect(() => brokenNestedApp(true).synth()).toThrow();
      const nestedRuns = created.mock.instances.filter((i) => i !== (CloudFormationValidatePlugin as any)._instance);
      expect(nestedRuns.length).toBeGreaterThan(0);
      expect(freed.mock.instances).toEqual(expect.arrayContaining(nestedRuns));
    } finally {
      created.mockRestore();
      freed.mockRestore();
    }
  });
});
