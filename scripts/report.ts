/**
 * Prints the example app's report: for each stack (nested stacks included), its resource count and template
 * size from the synthesized cloud assembly, and the count of unacknowledged findings per compliance pack.
 *
 * Usage: ts-node scripts/report.ts <cloud assembly dir>
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildExample } from '../examples/app';
import { SOURCES, complianceFindings, countBySource, formatFindings } from '../test/support/compliance';

interface StackRow {
  readonly name: string;
  readonly resources: number;
  readonly bytes: number;
}

function templateRows(assemblyDir: string): StackRow[] {
  return fs
    .readdirSync(assemblyDir)
    .filter((f) => f.endsWith('.template.json'))
    .sort()
    .map((f) => {
      const text = fs.readFileSync(path.join(assemblyDir, f), 'utf8');
      const template = JSON.parse(text);
      return {
        name: f.replace(/\.template\.json$/, ''),
        resources: Object.keys(template.Resources ?? {}).length,
        bytes: Buffer.byteLength(text),
      };
    });
}

function pad(value: string | number, width: number): string {
  const s = String(value);
  return typeof value === 'number' ? s.padStart(width) : s.padEnd(width);
}

function main(): void {
  const assemblyDir = process.argv[2] ?? 'examples/cdk.out';
  const rows = templateRows(assemblyDir);
  const app = new App({ outdir: fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'report-')) });
  const stacks = buildExample(app);
  const findingsPerStack = new Map(stacks.map((s) => [s.stackName, complianceFindings(s)]));

  const shortNames: Record<string, string> = {
    'AwsSolutions': 'AwsSol',
    'NIST.800.53.R5': 'NIST',
    'HIPAA.Security': 'HIPAA',
    'PCI.DSS.321': 'PCI',
    'Serverless': 'Srvless',
    'ControlTower': 'CtGuard',
    'CfnTemplateChecker': 'CfnChk',
    'DeployReadiness': 'Deploy',
  };
  const header = [pad('stack (template)', 56), pad('resources', 9), pad('bytes', 9), ...SOURCES.map((s) => pad(shortNames[s], 7))];
  console.log('\nExample app report');
  console.log(header.join(' '));
  console.log('-'.repeat(header.join(' ').length));
  let total = 0;
  for (const row of rows) {
    const findings = findingsPerStack.get(row.name);
    const counts = findings ? countBySource(findings) : undefined;
    const cells = SOURCES.map((s) => pad(counts ? counts[s] : '(in parent)', 7));
    console.log([pad(row.name, 56), pad(row.resources, 9), pad(row.bytes, 9), ...cells].join(' '));
    total += findings?.length ?? 0;
  }
  console.log('');
  if (total > 0) {
    for (const findings of findingsPerStack.values()) for (const line of formatFindings(findings)) console.log(line);
    console.log(`\n${total} unacknowledged finding(s)`);
    process.exitCode = 1;
  } else {
    console.log('0 unacknowledged findings in every pack (nested stacks are counted in their parent).');
  }
}

main();
