/**
 * The integration tests (test/integ/*.integ.ts), by hand. README "Integration tests".
 *
 *   ts-node scripts/integ/run.ts [name...]             synthesize and compare with the committed snapshots
 *   ts-node scripts/integ/run.ts --update [name...]    rewrite the snapshots (commit the result)
 *   ts-node scripts/integ/run.ts --deploy name [--keep]
 *       with AWS credentials and a bootstrapped environment: deploy the test and its assertion stack with the
 *       pinned CDK CLI, read the assertion results from the stack outputs, then destroy both (unless --keep).
 *       Exits non-zero when an assertion failed, when none ran, or when the deploy failed.
 *
 * The deploy path is what integ-runner does for an IntegTest app (deploy, read the `AssertionResults*` outputs,
 * destroy); integ-runner itself cannot read this aws-cdk-lib's cloud assembly (test/integ/support/snapshot.ts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertionFailures, deployCommands } from './assertions';
import { diffSnapshot, integTestNames, readSnapshot, snapshotOf, synthIntegTest, writeSnapshot } from '../../test/integ/support/snapshot';

process.env.CDK_VALIDATION ??= 'false';
const root = path.join(__dirname, '..', '..');
const work = path.join(root, '.tmp', 'integ');

function main(argv: string[]): number {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const names = argv.filter((a) => !a.startsWith('--'));
  const all = integTestNames();
  for (const name of names) if (!all.includes(name)) throw new Error(`no integration test ${name}: the tests are ${all.join(', ')}`);
  if (flags.has('--deploy')) {
    if (names.length !== 1) throw new Error('--deploy takes exactly one test name');
    return deploy(names[0], flags.has('--keep'));
  }
  let failed = 0;
  for (const name of names.length ? names : all) {
    const outdir = path.join(work, name);
    synthIntegTest(name, outdir);
    const fresh = snapshotOf(outdir);
    if (flags.has('--update')) {
      writeSnapshot(name, fresh);
      console.log(`${name}: snapshot written`);
      continue;
    }
    const diff = diffSnapshot(readSnapshot(name), fresh);
    if (diff.length) failed++;
    console.log(diff.length ? `${name}: differs from its snapshot\n  ${diff.join('\n  ')}` : `${name}: matches its snapshot`);
  }
  if (failed) console.log('Review the changes, then run `npx ts-node scripts/integ/run.ts --update` and commit the snapshots.');
  return failed ? 1 : 0;
}

function deploy(name: string, keep: boolean): number {
  const outdir = path.join(work, name);
  synthIntegTest(name, outdir);
  const outputsFile = path.join(work, `${name}.outputs.json`);
  fs.rmSync(outputsFile, { force: true });
  const commands = deployCommands(outdir, outputsFile);
  const run = (args: string[]) => spawnSync('npx', args, { cwd: root, stdio: 'inherit' }).status ?? 1;
  let status = run(commands.deploy);
  if (status !== 0) console.log(`${name}: deploy failed (exit ${status}): see the CLI's output above`);
  if (status === 0) {
    const failures = assertionFailures(JSON.parse(fs.readFileSync(outputsFile, 'utf8')));
    for (const f of failures) console.log(`${name}: ${f}`);
    console.log(failures.length ? `${name}: FAILED` : `${name}: every assertion passed`);
    status = failures.length ? 1 : 0;
  }
  if (!keep) {
    const destroyed = run(commands.destroy);
    if (destroyed !== 0) console.log(`${name}: destroy failed: delete the stacks by hand`);
    status ||= destroyed;
  }
  return status;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  }
}
