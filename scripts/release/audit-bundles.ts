/**
 * Release check: no package that esbuild bundled into a Lambda handler has a known advisory.
 *
 *   ts-node scripts/release/audit-bundles.ts
 *
 * The handlers' imports are devDependencies (TOOLCHAIN.md trap 8), so `npm audit --omit=dev` of the library sees
 * none of them. This check rebuilds every `src/**\/*.lambda.ts` with the bundle task's options plus an esbuild
 * metafile, takes the packages whose files went into a bundle (`node_modules/<pkg>/...` inputs, nested ones
 * included; `@aws-sdk/*` stays external: the Lambda runtime provides it), writes a lockfile with exactly those
 * packages at the versions installed as production dependencies, and runs `npm audit --omit=dev --json` on it.
 *
 * Exit 0: no advisory. Exit 1: advisories (package, version, severity, title, URL, handlers that bundle it).
 * Exit 2: the registry's advisory endpoint could not be used (unreachable, or refused: a registry mirror that only
 * serves GET answers 405), said in one line; .ci/run prints it as NOT CHECKED, or fails on it when
 * RELEASE_AUDIT_REQUIRED=1. npm retries transient errors itself (fetch-retries); nothing here is timing-dependent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckFailure, freshTempDir, listFiles, REPO_ROOT, run, runCheck } from './common';

/** One bundled package: where it was installed, its name and version, and the handlers that bundle it. */
export interface BundledPackage {
  readonly dir: string;
  readonly name: string;
  readonly version: string;
  readonly handlers: readonly string[];
}

/** The installed package folder an esbuild input path is in (`node_modules/a/node_modules/@s/b`), or undefined. */
export function packageDirOf(input: string): string | undefined {
  const parts = input.split('/');
  const last = parts.lastIndexOf('node_modules');
  if (last < 0 || last + 1 >= parts.length) return undefined;
  const scoped = parts[last + 1].startsWith('@');
  if (scoped && last + 2 >= parts.length) return undefined;
  return parts.slice(0, last + (scoped ? 3 : 2)).join('/');
}

/** Package folders per handler, from an esbuild metafile's outputs (entryPoint -> inputs). */
export function packageDirsByHandler(metafile: { outputs: Record<string, { entryPoint?: string; inputs: Record<string, unknown> }> }): Map<string, Set<string>> {
  const byDir = new Map<string, Set<string>>();
  for (const output of Object.values(metafile.outputs)) {
    if (!output.entryPoint) continue;
    for (const input of Object.keys(output.inputs)) {
      const dir = packageDirOf(input);
      if (!dir) continue;
      if (!byDir.has(dir)) byDir.set(dir, new Set());
      byDir.get(dir)!.add(output.entryPoint);
    }
  }
  return byDir;
}

/** The package.json and package-lock.json (v3) of a package whose production dependencies are exactly `packages`. */
export function auditLockfile(packages: readonly BundledPackage[]): { packageJson: object; lock: object } {
  const dependencies: Record<string, string> = {};
  const entries: Record<string, object> = {};
  for (const pkg of packages) {
    // A second version of a name is nested under another package, as npm would install it.
    const host = packages.find((p) => p.name !== pkg.name && dependencies[p.name] === p.version);
    const at = dependencies[pkg.name] === undefined ? `node_modules/${pkg.name}` : host ? `node_modules/${host.name}/node_modules/${pkg.name}` : undefined;
    if (!at) throw new CheckFailure(`cannot place ${pkg.name}@${pkg.version} in the audit lockfile`);
    if (dependencies[pkg.name] === undefined) dependencies[pkg.name] = pkg.version;
    entries[at] = { version: pkg.version };
  }
  const root = { name: 'bundled-dependencies', version: '0.0.0', private: true, dependencies };
  return {
    packageJson: root,
    lock: { name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages: { '': { name: root.name, version: root.version, dependencies }, ...entries } },
  };
}

/** One advisory npm audit reported. */
export interface Advisory {
  readonly name: string;
  readonly severity: string;
  readonly title: string;
  readonly url: string;
  readonly range: string;
}

/** The outcome of `npm audit --json`: advisories, or why the endpoint could not be used. */
export type AuditOutcome = { readonly advisories: Advisory[] } | { readonly unavailable: string };

/** Reads `npm audit --json` output (stdout, stderr): advisories, or the reason the endpoint was not usable. */
export function parseAudit(stdout: string, stderr: string): AuditOutcome {
  let report: { vulnerabilities?: Record<string, { via: Array<string | Advisory & { source?: number }> }>; error?: { code?: string; summary?: string; detail?: string } } = {};
  try {
    report = JSON.parse(stdout || '{}');
  } catch {
    return { unavailable: `npm audit printed no JSON: ${firstLine(stderr || stdout)}` };
  }
  if (report.error || !report.vulnerabilities) {
    const warn = /npm warn audit (.*)/.exec(stderr)?.[1];
    const reason = [report.error?.code, warn ?? report.error?.summary].filter(Boolean).join(': ');
    return { unavailable: reason || firstLine(stderr) || 'npm audit gave no report' };
  }
  const advisories: Advisory[] = [];
  for (const [name, vuln] of Object.entries(report.vulnerabilities)) {
    for (const via of vuln.via) {
      if (typeof via === 'string') continue;
      advisories.push({ name: via.name ?? name, severity: via.severity, title: via.title, url: via.url, range: via.range });
    }
  }
  return { advisories };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** The packages bundled into the handlers under `srcDir`, from an esbuild metafile build (no files written). */
export async function bundledPackages(srcDir: string = path.join(REPO_ROOT, 'src')): Promise<BundledPackage[]> {
  const esbuild = await import('esbuild');
  const entryPoints = listFiles(srcDir).filter((f) => f.endsWith('.lambda.ts')).map((f) => path.relative(REPO_ROOT, path.join(srcDir, f)));
  if (!entryPoints.length) throw new CheckFailure(`no *.lambda.ts handler under ${srcDir}`);
  // The bundle tasks' options (.projenrc.ts bundlingOptions), plus a metafile.
  const result = await esbuild.build({
    absWorkingDir: REPO_ROOT,
    entryPoints,
    bundle: true,
    platform: 'node',
    target: 'node24',
    external: ['@aws-sdk/*'],
    tsconfig: 'test/tsconfig.json',
    outdir: 'audit-out',
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const packages: BundledPackage[] = [];
  for (const [dir, handlers] of packageDirsByHandler(result.metafile)) {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, dir, 'package.json'), 'utf8'));
    packages.push({ dir, name: manifest.name, version: manifest.version, handlers: [...handlers].sort() });
  }
  return packages.sort((a, b) => a.dir.localeCompare(b.dir));
}

/** Runs npm audit over a lockfile of `packages` in a temp folder. */
export function auditPackages(packages: readonly BundledPackage[], npmArgs: readonly string[] = []): AuditOutcome {
  const dir = freshTempDir('audit-bundles');
  try {
    const { packageJson, lock } = auditLockfile(packages);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(packageJson, null, 2));
    fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
    const result = run('npm', ['audit', '--omit=dev', '--json', '--no-update-notifier', ...npmArgs], { cwd: dir, echo: false, allowFailure: true });
    return parseAudit(result.stdout, result.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const packages = await bundledPackages();
  console.log(`  ${packages.length} bundled packages: ${packages.map((p) => `${p.name}@${p.version}`).join(', ')}`);
  const outcome = auditPackages(packages);
  if ('unavailable' in outcome) {
    throw new CheckFailure(`NOT CHECKED: the registry's advisory endpoint could not be used (${outcome.unavailable})`, 2);
  }
  if (outcome.advisories.length) {
    const lines = outcome.advisories.map((a) => {
      const users = packages.filter((p) => p.name === a.name).flatMap((p) => p.handlers);
      return `  ${a.name} ${a.range} ${a.severity}: ${a.title} ${a.url} (bundled in ${[...new Set(users)].join(', ')})`;
    });
    throw new CheckFailure(`advisories for bundled dependencies:\n${lines.join('\n')}`);
  }
  console.log('  no advisory for any bundled package');
}

if (require.main === module) {
  void (async () => {
    let error: unknown;
    try {
      await main();
    } catch (e) {
      error = e;
    }
    runCheck('release: audit of bundled dependencies', () => {
      if (error) throw error;
    });
  })();
}
