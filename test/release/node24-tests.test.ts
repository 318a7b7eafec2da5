/**
 * The Node.js 24 run of the handler tests (scripts/release/node24-tests.ts): which tests it runs, and the pieces
 * that decide its outcome. The bundles target the Lambda runtime nodejs24.x (.projenrc.ts; runtimes:
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html), so the tests that run them must run on 24.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../scripts/release/common';
import { jestCounts, LAMBDA_NODE_MAJOR, majorOf, missingTestPaths, NODE24_EXCLUDED, NODE24_TESTS } from '../../scripts/release/node24-tests';
import { nodeMajor } from '../../scripts/release/runtimes';

const testsIn = (dir: string): string[] => fs.readdirSync(path.join(REPO_ROOT, dir)).filter((f) => f.endsWith('.test.ts')).map((f) => `${dir}/${f}`);

describe('the Node.js 24 selection', () => {
  test('is the Node.js major of the runtime .projenrc.ts gives the bundled handlers', () => {
    const runtime = /runtime:\s*awscdk\.LambdaRuntime\.NODEJS_(\d+)_X/.exec(fs.readFileSync(path.join(REPO_ROOT, '.projenrc.ts'), 'utf8'))?.[1];
    expect(nodeMajor(`nodejs${runtime}.x`)).toBe(LAMBDA_NODE_MAJOR);
  });

  test('names only paths that exist, and a renamed one is reported', () => {
    expect(missingTestPaths(NODE24_TESTS)).toEqual([]);
    expect(missingTestPaths([...NODE24_TESTS, 'test/e2e/renamed.test.ts'])).toEqual(['test/e2e/renamed.test.ts']);
  });

  test('every authorizer, e2e and integration test is either run on 24 or left out with a reason', () => {
    const all = [...testsIn('test/authorizers'), ...testsIn('test/e2e'), ...testsIn('test/integ')].sort();
    const excluded = Object.keys(NODE24_EXCLUDED);
    expect(excluded.filter((f) => NODE24_TESTS.includes(f))).toEqual([]);
    expect(all.filter((f) => !NODE24_TESTS.includes(f) && !excluded.includes(f))).toEqual([]);
    expect(excluded.filter((f) => !all.includes(f))).toEqual([]);
    expect(Object.values(NODE24_EXCLUDED).every((reason) => reason.length > 20)).toBe(true);
  });

  test('runs every handler test (the whole folder)', () => {
    expect(NODE24_TESTS).toContain('test/handlers');
  });
});

describe('the outcome', () => {
  test('the binary major is read from node --version', () => {
    expect(majorOf('v24.22.3\n')).toBe(24);
    expect(majorOf('v20.20.2')).toBe(20);
    expect(majorOf('node: not found')).toBeUndefined();
  });

  test('a suite that fails to load counts as a failure', () => {
    expect(jestCounts({ numPassedTests: 10, numFailedTests: 0, numRuntimeErrorTestSuites: 1 })).toEqual({ passed: 10, failed: 1 });
    expect(jestCounts({ numPassedTests: 553, numFailedTests: 0, numRuntimeErrorTestSuites: 0 })).toEqual({ passed: 553, failed: 0 });
  });
});
