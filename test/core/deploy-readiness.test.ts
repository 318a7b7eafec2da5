/**
 * DeployReadinessCheck as a validation plugin: registered on an app it fails the synth on a finding, reads nested
 * templates, names construct paths, and drops a finding acknowledged on its resource (or a parent) as
 * `DeployReadiness::<rule id>`, the way the validation framework matches plugin findings
 * (`<plugin name>::<rule name>` against the `aws:cdk:acknowledged-rules` metadata of the resource or a parent).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, NestedStack, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DeployReadinessCheck } from '../../src';
import { readinessFindings } from './deploy-readiness/support';
import { complianceFindings, formatFindings } from '../support/compliance';

const reserving = (scope: Construct, id = 'Fn') =>
  new lambda.Function(scope, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('x'), reservedConcurrentExecutions: 2 });

function appWithPlugin(): { app: App; stack: Stack } {
  const app = new App();
  Validations.of(app).addPlugins(new DeployReadinessCheck());
  return { app, stack: new Stack(app, 'Test') };
}

const REASON = 'every account this app deploys to has a concurrency quota of 1,000';

describe('DeployReadinessCheck registered on an app', () => {
  test('a finding fails the synth with the rule id, the resource and the message', () => {
    const { app, stack } = appWithPlugin();
    reserving(stack);
    expect(() => app.synth()).toThrow(/Test\/Fn\/Resource: reserves 2 concurrent executions[\s\S]*Acknowledge with 'DeployReadiness::ReservedConcurrency'/);
  });

  test('a finding acknowledged as DeployReadiness::<rule id> on the L2 (a parent of the resource) is dropped', () => {
    const { app, stack } = appWithPlugin();
    const fn = reserving(stack);
    Validations.of(fn).acknowledge({ id: 'DeployReadiness::ReservedConcurrency', reason: REASON });
    expect(() => app.synth()).not.toThrow();
  });

  test('an acknowledgement without the plugin prefix, or on another resource, does not drop it', () => {
    const bare = appWithPlugin();
    Validations.of(reserving(bare.stack)).acknowledge({ id: 'ReservedConcurrency', reason: REASON });
    expect(() => bare.app.synth()).toThrow(/ReservedConcurrency/);

    const other = appWithPlugin();
    reserving(other.stack, 'A');
    Validations.of(reserving(other.stack, 'B')).acknowledge({ id: 'DeployReadiness::ReservedConcurrency', reason: REASON });
    expect(() => other.app.synth()).toThrow(/Test\/A\/Resource/);
  });

  test('a clean app synthesizes', () => {
    const { app, stack } = appWithPlugin();
    new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('x') });
    expect(app.synth().stacks.map((s) => s.stackName)).toEqual(['Test']);
  });
});

describe('DeployReadinessCheck over templates', () => {
  test('nested templates (found through the assets manifest) and stacks in a Stage are checked, with construct paths', () => {
    const app = new App();
    const stack = new Stack(app, 'Test');
    reserving(new NestedStack(stack, 'Nested'));
    reserving(new Stack(new Stage(app, 'Prod'), 'Api'), 'Handler');
    expect(readinessFindings(app).map((f) => [f.rule, f.path]).sort()).toEqual([
      ['ReservedConcurrency', 'Prod/Api/Handler/Resource'],
      ['ReservedConcurrency', 'Test/Nested/Fn/Resource'],
    ]);
  });

  test('disabledRules turns a rule off app-wide; an unknown rule id is refused', () => {
    const app = new App();
    reserving(new Stack(app, 'Test'));
    expect(readinessFindings(app, { disabledRules: ['ReservedConcurrency'] })).toEqual([]);
    expect(() => new DeployReadinessCheck({ disabledRules: ['ReservedConcurency'] })).toThrow(
      /DeployReadinessCheck: invalid disabledRules \["ReservedConcurency"\]: must be rule ids among LambdaEnvironmentSize, .*ReservedConcurrency/,
    );
  });

  test('docs/deploy-readiness.md and the README describe every rule the check runs', () => {
    const ids = new DeployReadinessCheck().ruleIds ?? [];
    expect(ids).toHaveLength(16);
    const docs = fs.readFileSync(path.join(__dirname, '../../docs/deploy-readiness.md'), 'utf8');
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    for (const id of ids) {
      expect({ id, inDocs: docs.includes(`\`${id}\``), inReadme: readme.includes(`\`${id}\``) }).toEqual({ id, inDocs: true, inReadme: true });
    }
  });
});

describe('the compliance harness', () => {
  const only = { nag: false, guard: false, templateChecker: false };

  test('reports deploy-readiness findings as source DeployReadiness, and drops them when acknowledged as the framework does', () => {
    const stack = new Stack(new App(), 'Test');
    reserving(stack, 'A');
    Validations.of(reserving(stack, 'B')).acknowledge({ id: 'DeployReadiness::ReservedConcurrency', reason: REASON });
    Validations.of(reserving(stack, 'C')).acknowledge({ id: 'ReservedConcurrency', reason: REASON });
    expect(formatFindings(complianceFindings(stack, only)).map((f) => f.split(':')[0])).toEqual([
      'DeployReadiness ReservedConcurrency Test/A/Resource',
      'DeployReadiness ReservedConcurrency Test/C/Resource',
    ]);
  });
});
