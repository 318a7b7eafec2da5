/**
 * Shared helpers of the release checks (scripts/release/*): where the repository is, which versions its
 * node_modules resolved (so a fresh install can be served from npm's cache), running a command with a time and
 * a clear failure, and a temporary folder under $TMPDIR.
 */
import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root (scripts/release/ is two levels down). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** A release check that failed: the message says what and where; the runner prints it and exits non-zero. */
export class CheckFailure extends Error {
  public constructor(message: string, public readonly exitCode: number = 1) {
    super(message);
    this.name = 'CheckFailure';
  }
}

/** The exact version of `pkg` that the repository's node_modules holds (served from npm's cache offline). */
export function installedVersion(pkg: string, root: string = REPO_ROOT): string {
  const file = path.join(root, 'node_modules', ...pkg.split('/'), 'package.json');
  if (!fs.existsSync(file)) {
    throw new CheckFailure(`${pkg} is not installed in ${root}/node_modules: run npm ci first`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

/** A new, empty folder under $TMPDIR (the checkout's .tmp in CI). */
export function freshTempDir(prefix: string): string {
  const base = process.env.TMPDIR ?? path.join(REPO_ROOT, '.tmp');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, `${prefix}-`));
}

/**
 * A new, empty folder outside the repository (Node.js and TypeScript resolve modules up the folder tree, so an
 * app under the checkout would silently find the repository's node_modules). $RELEASE_TMPDIR, else /tmp.
 */
export function isolatedTempDir(prefix: string): string {
  const base = process.env.RELEASE_TMPDIR ?? '/tmp';
  const resolved = path.resolve(base);
  if (resolved === REPO_ROOT || resolved.startsWith(`${REPO_ROOT}${path.sep}`)) {
    throw new CheckFailure(`RELEASE_TMPDIR ${base} is inside the repository: modules would resolve from its node_modules`);
  }
  fs.mkdirSync(resolved, { recursive: true });
  return fs.mkdtempSync(path.join(resolved, `cdk-apigateway-patterns-${prefix}-`));
}

/** The result of one command. */
export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Options of `run`. */
export interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Print the command's output as it runs (default true); false captures it only. */
  readonly echo?: boolean;
  /** Return a failed result instead of throwing (default false). */
  readonly allowFailure?: boolean;
}

/** Runs `command args` (no shell), printing it with its duration; throws `CheckFailure` when it fails. */
export function run(command: string, args: readonly string[], options: RunOptions): RunResult {
  const started = Date.now();
  const echo = options.echo ?? true;
  const spawnOptions: SpawnSyncOptions = {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    stdio: echo ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  };
  console.log(`$ ${[command, ...args].join(' ')}   (in ${path.relative(REPO_ROOT, options.cwd) || '.'})`);
  const result = spawnSync(command, args, spawnOptions);
  const seconds = (Date.now() - started) / 1000;
  const outcome: RunResult = {
    status: result.status ?? 1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    seconds,
  };
  console.log(`  (${seconds.toFixed(1)} s, exit ${outcome.status})`);
  if (result.error) {
    throw new CheckFailure(`${command} could not be started: ${result.error.message}`);
  }
  if (outcome.status !== 0 && !options.allowFailure) {
    const tail = `${outcome.stdout}\n${outcome.stderr}`.trim().split('\n').slice(-40).join('\n');
    throw new CheckFailure(`${[command, ...args].join(' ')} failed with exit ${outcome.status}${echo ? '' : `:\n${tail}`}`);
  }
  return outcome;
}

/** Runs `main` as a command-line check: prints `<name>: ok (N s)` or the failure, and sets the exit code. */
export function runCheck(name: string, main: () => void): void {
  const started = Date.now();
  try {
    main();
    console.log(`${name}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    const failure = e instanceof CheckFailure ? e : new CheckFailure(String((e as Error)?.stack ?? e));
    console.error(`${name}: FAILED (${((Date.now() - started) / 1000).toFixed(1)} s)\n${failure.message}`);
    process.exitCode = failure.exitCode;
  }
}

/** Every file under `dir` (relative paths, sorted), for listing a package or a cloud assembly. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out.sort();
}
