/**
 * The one test file that keeps aws-cdk-lib's built-in CloudFormation template checker ON (TOOLCHAIN.md trap 3):
 * it synthesizes every construct of the example app with `@aws-cdk/core:validateAgainstDefaultRules`, which
 * turns the checker's findings into synth failures. (The harness also runs the checker over nested templates,
 * which the built-in run skips.)
 */
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { buildExample } from '../../examples/app';
import { withValidationOn } from '../support/compliance';

describe('built-in template checker, strict', () => {
  withValidationOn();

  test('every stack of the example app synthesizes with no checker finding', () => {
    // GIVEN the example app with the strict checker flag
    const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
    const stacks = buildExample(app);
    // WHEN
    const assembly = app.synth();
    // THEN every stack is in the assembly (a checker finding would have thrown)
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(stacks.map((s) => s.stackName).sort());
  });

  test('the strict checker does fail a broken template (the flag is live)', () => {
    const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
    const stack = new Stack(app, 'Broken');
    new CfnResource(stack, 'Bad', { type: 'AWS::Logs::LogGroup', properties: { RetentionInDays: 'forever' } });
    expect(() => app.synth()).toThrow(/RetentionInDays: 'forever' is not of type 'integer' \(CloudFormation Validate\)/);
  });
});
