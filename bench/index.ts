/**
 * Runs every benchmark in bench/ (files named `*.bench.ts` exporting `run(): Promise<BenchResult>`) and prints
 * one table per benchmark. Figures are measured, never asserted: tests stay free of timings.
 *
 * `npm run bench` runs all; `npm run bench -- jwt` runs those whose file name contains "jwt".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What a benchmark returns. */
export interface BenchResult {
  readonly title: string;
  readonly columns: string[];
  readonly rows: (string | number)[][];
  readonly notes?: string[];
}

function formatCell(value: string | number): string {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value.toLocaleString('en-US');
    return value.toLocaleString('en-US', { maximumFractionDigits: 3 });
  }
  return value;
}

/** Renders a result as a plain-text table. */
export function renderTable(result: BenchResult): string {
  const cells = [result.columns, ...result.rows.map((r) => r.map(formatCell))];
  const widths = result.columns.map((_, i) => Math.max(...cells.map((row) => String(row[i] ?? '').length)));
  const line = (row: string[]) => row.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ');
  const out = [`\n${result.title}`, line(cells[0] as string[]), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of cells.slice(1)) out.push(line(row as string[]));
  for (const note of result.notes ?? []) out.push(`  ${note}`);
  return out.join('\n');
}

async function main(): Promise<void> {
  const filter = process.argv[2];
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
    .sort();
  if (files.length === 0) {
    console.log('no benchmark matched');
    return;
  }
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(__dirname, file));
    const started = Date.now();
    const result: BenchResult = await mod.run();
    console.log(renderTable(result));
    console.log(`  (${file}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
