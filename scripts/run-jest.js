#!/usr/bin/env node
// Runs jest, then prints the plain "N passed, N failed" line that CI reads (jest's own summary is not one
// it recognises). Exits with jest's exit code, and non-zero when no test ran at all.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const outDir = path.join(process.cwd(), 'test-reports');
fs.mkdirSync(outDir, { recursive: true });
const outFile = path.join(outDir, 'jest-results.json');
fs.rmSync(outFile, { force: true });

const ciArgs = process.env.CI ? ['--ci'] : [];
const result = spawnSync(
  process.execPath,
  [require.resolve('jest/bin/jest'), ...ciArgs, '--json', `--outputFile=${outFile}`, ...process.argv.slice(2)],
  { stdio: 'inherit', env: process.env },
);

let passed = 0;
let failed = 0;
let skipped = 0;
let suitesFailed = 0;
if (fs.existsSync(outFile)) {
  const report = JSON.parse(fs.readFileSync(outFile, 'utf8'));
  passed = report.numPassedTests;
  failed = report.numFailedTests;
  skipped = report.numPendingTests + report.numTodoTests;
  suitesFailed = report.numRuntimeErrorTestSuites;
} else {
  failed = 1;
}
// A test file that fails to load counts as a failure even though jest records no failed test in it.
failed += suitesFailed;
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);

let code = result.status === null ? 1 : result.status;
if (code === 0 && passed === 0) {
  process.stderr.write('run-jest: no test ran\n');
  code = 1;
}
process.exit(code);
