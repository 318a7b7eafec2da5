/**
 * Upgrades: the bundled handlers run on the newest Node.js runtime that the installed aws-cdk-lib knows.
 *
 * The rule: cdk-nag's AwsSolutions-L1 and Serverless-LambdaLatestVersion (cdk-nag RULES.md, rule file
 * src/rules/lambda/LambdaLatestVersion.ts) take the newest runtime of a function's family in the user's
 * aws-cdk-lib (`lambda.Runtime.ALL`) and flag every function on an older one. So when an aws-cdk-lib upgrade adds
 * nodejs26.x, every library function on nodejs24.x becomes a finding in its users' builds: this test fails first
 * and names the runtime to move to (.projenrc.ts `lambdaOptions.runtime` and the bundling `target`, then
 * `npx projen`). Supported runtimes and their deprecation dates:
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NagRuleCompliance, rules } from 'cdk-nag';
import { awscdk } from 'projen';
import { listFiles } from '../../scripts/release/common';
import { newestNodeRuntime, nodeMajor, staleRuntimes, wrapperRuntimes } from '../../scripts/release/runtimes';

const REPO = path.resolve(__dirname, '..', '..');
const projenrc = fs.readFileSync(path.join(REPO, '.projenrc.ts'), 'utf8');

/** The runtime .projenrc.ts gives the bundled handlers (`awscdk.LambdaRuntime.NODEJS_NN_X`). */
function configuredRuntime(): awscdk.LambdaRuntime {
  const m = /runtime:\s*awscdk\.LambdaRuntime\.(NODEJS_\w+)/.exec(projenrc);
  if (!m) throw new Error('.projenrc.ts: lambdaOptions.runtime is not an awscdk.LambdaRuntime.NODEJS_* constant');
  return (awscdk.LambdaRuntime as unknown as Record<string, awscdk.LambdaRuntime>)[m[1]];
}

const installedNodeRuntimes = lambda.Runtime.ALL.filter((r) => r.family === lambda.RuntimeFamily.NODEJS).map((r) => r.name);

/** What cdk-nag's latest-runtime rule says about a function on `runtime`. */
function latestVersionRule(runtime: string): NagRuleCompliance {
  const stack = new Stack();
  const fn = new lambda.CfnFunction(stack, 'Fn', { role: 'arn:aws:iam::111122223333:role/r', runtime, handler: 'index.handler', code: { zipFile: 'x' } });
  return rules.lambda.LambdaLatestVersion(fn) as NagRuleCompliance;
}

describe('the bundled handlers use the newest Node.js runtime of the installed aws-cdk-lib', () => {
  test('.projenrc.ts runtime is the newest nodejs runtime in lambda.Runtime.ALL', () => {
    const newest = newestNodeRuntime(installedNodeRuntimes);
    expect(configuredRuntime().functionRuntime).toBe(newest);
  });

  test('the esbuild target is the same Node.js major as the runtime', () => {
    const target = /target:\s*'node(\d+)'/.exec(projenrc)?.[1];
    expect(Number(target)).toBe(nodeMajor(configuredRuntime().functionRuntime));
    expect(configuredRuntime().esbuildTarget).toBe(`node${target}`);
  });

  test('every generated *-function.ts wrapper states that runtime', () => {
    const uses = wrapperRuntimes(path.join(REPO, 'src'));
    const handlers = listFiles(path.join(REPO, 'src')).filter((f) => f.endsWith('.lambda.ts'));
    expect(uses.map((u) => u.file).sort()).toEqual(handlers.map((f) => `src/${f.replace(/\.lambda\.ts$/, '-function.ts')}`).sort());
    expect(staleRuntimes(uses, newestNodeRuntime(installedNodeRuntimes))).toEqual([]);
  });

  test('the rule itself: cdk-nag accepts the newest runtime and flags an older one', () => {
    const newest = newestNodeRuntime(installedNodeRuntimes);
    expect(latestVersionRule(newest)).toBe(NagRuleCompliance.COMPLIANT);
    expect(latestVersionRule(configuredRuntime().functionRuntime)).toBe(NagRuleCompliance.COMPLIANT);
    const older = installedNodeRuntimes.find((n) => nodeMajor(n) === nodeMajor(newest)! - 2)!;
    expect(latestVersionRule(older)).toBe(NagRuleCompliance.NON_COMPLIANT);
  });
});

describe('the comparison fails when aws-cdk-lib gains a newer runtime', () => {
  test('nodejs26.x in the list is the newest, and every nodejs24.x use is stale', () => {
    const upgraded = [...installedNodeRuntimes, 'nodejs26.x'];
    expect(newestNodeRuntime(upgraded)).toBe('nodejs26.x');
    const uses = [{ file: 'src/a-function.ts', runtime: 'nodejs24.x' }, { file: 'src/b-function.ts', runtime: 'nodejs26.x' }];
    expect(staleRuntimes(uses, newestNodeRuntime(upgraded))).toEqual([{ file: 'src/a-function.ts', runtime: 'nodejs24.x' }]);
  });

  test('majors compare as numbers (nodejs100.x after nodejs24.x), other names are ignored', () => {
    expect(newestNodeRuntime(['nodejs', 'nodejs24.x', 'nodejs100.x', 'nodejs8.10', 'python3.13'])).toBe('nodejs100.x');
    expect(nodeMajor('nodejs')).toBeUndefined();
    expect(nodeMajor('nodejs4.3')).toBe(4);
    expect(() => newestNodeRuntime(['python3.13'])).toThrow('no nodejsNN.x runtime');
  });
});
