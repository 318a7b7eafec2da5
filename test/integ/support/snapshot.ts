/**
 * Integration-test snapshots: each test/integ/<name>.integ.ts is synthesized and its templates (and integ.json)
 * are compared with the committed test/integ/<name>.integ.snapshot/ (test/integ/snapshots.test.ts in CI,
 * `scripts/integ/run.ts` by hand, `--update` to rewrite them).
 *
 * Why not integ-runner: @aws-cdk/integ-runner 2.197.10, the newest on the registry, reads cloud assembly schema 53 at
 * most and aws-cdk-lib 2.276 writes 55 ("Cloud assembly schema version mismatch: Maximum schema version supported
 * is 53.x.x, but found 55.0.0"), so it can neither compare nor deploy these apps. The apps are plain IntegTest apps:
 * the same files run under integ-runner once it reads schema 55.
 *
 * What is normalized before comparing, so a snapshot only changes when the infrastructure does: the `salt` every
 * integ-tests assertion resource carries (Date.now() at synth, to re-run assertions on every deploy), and asset
 * hashes (64 hex digits; the bundles themselves are tested where they are built).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** test/integ/. */
export const INTEG_DIR = path.join(__dirname, '..');

/** The integration tests, by name (`secured-rest-api` for test/integ/secured-rest-api.integ.ts). */
export function integTestNames(dir: string = INTEG_DIR): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.integ.ts')).map((f) => f.slice(0, -'.integ.ts'.length)).sort();
}

/** Where a test's committed snapshot lives. */
export function snapshotDir(name: string, dir: string = INTEG_DIR): string {
  return path.join(dir, `${name}.integ.snapshot`);
}

/**
 * Synthesizes test `name` into `outdir`, in this process (the app takes its output folder from CDK_OUTDIR).
 * A module is only loaded once per process, so each test can be synthesized once per process.
 */
export function synthIntegTest(name: string, outdir: string, dir: string = INTEG_DIR): void {
  const file = path.join(dir, `${name}.integ.ts`);
  if (!fs.existsSync(file)) throw new Error(`no integration test ${name}: ${file} does not exist`);
  fs.rmSync(outdir, { recursive: true, force: true });
  const previous = process.env.CDK_OUTDIR;
  process.env.CDK_OUTDIR = outdir;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(file);
  } finally {
    if (previous === undefined) delete process.env.CDK_OUTDIR;
    else process.env.CDK_OUTDIR = previous;
  }
  if (!fs.existsSync(path.join(outdir, 'integ.json'))) throw new Error(`${file} wrote no integ.json to ${outdir}: does it create an IntegTest and call app.synth()?`);
}

const ASSET_HASH = /\b[a-f0-9]{64}\b/g;

/** The value with every `salt` property replaced and every asset hash masked. */
export function normalize(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(ASSET_HASH, '<asset-hash>');
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'salt' ? '<salt>' : normalize(v)]));
  }
  return value;
}

/** The snapshot files of a synthesized assembly: every template and integ.json, normalized, by file name. */
export function snapshotOf(outdir: string): Record<string, unknown> {
  const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json') || f === 'integ.json').sort();
  return Object.fromEntries(files.map((f) => [f, normalize(JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf8')))]));
}

/** The committed snapshot of test `name` ({} when there is none). */
export function readSnapshot(name: string, dir: string = INTEG_DIR): Record<string, unknown> {
  const snap = snapshotDir(name, dir);
  if (!fs.existsSync(snap)) return {};
  return Object.fromEntries(fs.readdirSync(snap).filter((f) => f.endsWith('.json')).sort()
    .map((f) => [f, JSON.parse(fs.readFileSync(path.join(snap, f), 'utf8'))]));
}

/** Replaces the committed snapshot of test `name`. */
export function writeSnapshot(name: string, files: Record<string, unknown>, dir: string = INTEG_DIR): void {
  const snap = snapshotDir(name, dir);
  fs.rmSync(snap, { recursive: true, force: true });
  fs.mkdirSync(snap, { recursive: true });
  for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(snap, file), `${JSON.stringify(content, null, 1)}\n`);
}

const SECTIONS = ['Resources', 'Outputs', 'Parameters', 'Conditions', 'Mappings', 'Rules'] as const;

/**
 * What differs between a committed snapshot and a fresh one, one line each: files added or missing, and in each
 * template the resources, outputs, parameters... added, removed or changed (with the changed top-level
 * properties). An empty list means they are the same.
 */
export function diffSnapshot(expected: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  const lines: string[] = [];
  for (const file of Object.keys(expected)) if (!(file in actual)) lines.push(`${file}: in the snapshot, not synthesized any more`);
  for (const file of Object.keys(actual)) if (!(file in expected)) lines.push(`${file}: synthesized, not in the snapshot`);
  for (const file of Object.keys(actual).filter((f) => f in expected)) {
    const a = expected[file] as Record<string, any>;
    const b = actual[file] as Record<string, any>;
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (!file.endsWith('.template.json')) {
      lines.push(`${file}: changed`);
      continue;
    }
    const before = lines.length;
    for (const section of SECTIONS) {
      const x: Record<string, any> = a[section] ?? {};
      const y: Record<string, any> = b[section] ?? {};
      for (const id of Object.keys(x)) if (!(id in y)) lines.push(`${file}: ${section}.${id} removed`);
      for (const id of Object.keys(y)) if (!(id in x)) lines.push(`${file}: ${section}.${id} added${y[id]?.Type ? ` (${y[id].Type})` : ''}`);
      for (const id of Object.keys(y).filter((k) => k in x)) {
        if (JSON.stringify(x[id]) === JSON.stringify(y[id])) continue;
        const props = new Set([...Object.keys(x[id]?.Properties ?? {}), ...Object.keys(y[id]?.Properties ?? {})]);
        const changed = [...props].filter((p) => JSON.stringify(x[id]?.Properties?.[p]) !== JSON.stringify(y[id]?.Properties?.[p]));
        // Resource attributes beside Properties: DeletionPolicy, DependsOn, Metadata, Condition...
        const attributes = new Set([...Object.keys(x[id] ?? {}), ...Object.keys(y[id] ?? {})].filter((k) => k !== 'Properties'));
        changed.push(...[...attributes].filter((k) => JSON.stringify(x[id]?.[k]) !== JSON.stringify(y[id]?.[k])));
        lines.push(`${file}: ${section}.${id} changed${changed.length ? ` (${changed.join(', ')})` : ''}`);
      }
    }
    if (lines.length === before) lines.push(`${file}: changed outside its sections`);
  }
  return lines;
}
