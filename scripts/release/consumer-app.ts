/**
 * Release check: the packed library works in a fresh TypeScript CDK app, as a user would install it.
 *
 *   ts-node scripts/release/consumer-app.ts [dist/js/<package>.tgz]
 *
 * In a folder outside the repository (no access to its sources or node_modules): installs the tarball with its
 * peer dependencies aws-cdk-lib and constructs, the pinned CDK CLI, the cdk-nag packs, the Control Tower guard
 * validator and TypeScript (each at the version the repository resolved, from npm's cache where possible), fails
 * if a bundled Lambda asset is missing from the package, type-checks the app (consumer/) and every README
 * TypeScript block strictly, and runs `cdk synth` with every compliance plugin, DeployReadinessCheck and
 * NestedTemplateChecker: any finding fails the synth.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckFailure, installedVersion, isolatedTempDir, listFiles, REPO_ROOT, run, runCheck } from './common';
import { missingAssets, unpackagedHandlers } from './package-assets';
import { extractSnippets, readmeLineOf, wrapSnippet } from './readme-snippets';

const PACKAGE_NAME: string = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).name;

/** What the consumer app installs besides the tarball: peer dependencies, then tools. */
export const PEER_DEPENDENCIES = ['aws-cdk-lib', 'constructs'];
export const TOOL_DEPENDENCIES = ['aws-cdk', 'cdk-nag', '@cdklabs/cdk-validator-cfnguard', 'typescript', '@types/node'];

/** The consumer app's package.json: the tarball plus exact versions of what the repository resolved. */
export function consumerPackageJson(tarballFile: string, versionOf: (pkg: string) => string): Record<string, unknown> {
  const pin = (names: readonly string[]): Record<string, string> => Object.fromEntries(names.map((n) => [n, versionOf(n)]));
  return {
    name: 'consumer-app',
    version: '0.0.0',
    private: true,
    dependencies: { [PACKAGE_NAME]: `file:${tarballFile}`, ...pin(PEER_DEPENDENCIES) },
    devDependencies: pin(TOOL_DEPENDENCIES),
  };
}

/** The tarball `projen build` packed (dist/js/*.tgz), or the one given. */
export function findTarball(given?: string): string {
  if (given) return path.resolve(given);
  const dir = path.join(REPO_ROOT, 'dist', 'js');
  const tarballs = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.tgz')) : [];
  if (tarballs.length !== 1) {
    throw new CheckFailure(`expected one tarball in dist/js (run CI=true npx projen build first), found ${tarballs.length}`);
  }
  return path.join(dir, tarballs[0]);
}

/** Writes the README's TypeScript blocks into `<appDir>/snippets`; returns how many were written and skipped. */
export function writeReadmeSnippets(appDir: string, libraryExports: readonly string[], readme = path.join(REPO_ROOT, 'README.md')): { written: number; skipped: number } {
  const snippets = extractSnippets(fs.readFileSync(readme, 'utf8'), 'ts');
  const dir = path.join(appDir, 'snippets');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(__dirname, 'consumer', 'snippets', 'prelude.d.ts'), path.join(dir, 'prelude.d.ts'));
  let written = 0;
  for (const snippet of snippets) {
    if (snippet.skipReason) {
      console.log(`  README.md line ${snippet.line}: skipped (${snippet.skipReason})`);
      continue;
    }
    fs.writeFileSync(path.join(dir, `readme-line-${snippet.line}.ts`), wrapSnippet(snippet, PACKAGE_NAME, libraryExports));
    written++;
  }
  return { written, skipped: snippets.length - written };
}

/** Compiler messages, each README block's message prefixed with the README line it points at. */
export function readmeDiagnostics(appDir: string, output: string, readme = path.join(REPO_ROOT, 'README.md')): string {
  const snippets = extractSnippets(fs.readFileSync(readme, 'utf8'), 'ts');
  return output.split('\n').map((line) => {
    const m = /^snippets\/readme-line-(\d+)\.ts\((\d+),\d+\)/.exec(line);
    const snippet = m && snippets.find((s) => s.line === Number(m[1]));
    if (!m || !snippet) return line;
    const wrapped = fs.readFileSync(path.join(appDir, 'snippets', `readme-line-${m[1]}.ts`), 'utf8');
    return `README.md:${readmeLineOf(wrapped, snippet, Number(m[2]))}: ${line}`;
  }).join('\n').trim();
}

function copyTree(from: string, to: string): void {
  for (const rel of listFiles(from)) {
    fs.mkdirSync(path.dirname(path.join(to, rel)), { recursive: true });
    fs.copyFileSync(path.join(from, rel), path.join(to, rel));
  }
}

function main(): void {
  const tarball = findTarball(process.argv[2]);
  const appDir = isolatedTempDir('consumer-app');
  console.log(`consumer app in ${appDir}, from ${path.relative(REPO_ROOT, tarball)}`);
  fs.copyFileSync(tarball, path.join(appDir, 'library.tgz'));
  const pkg = consumerPackageJson('./library.tgz', (n) => installedVersion(n));
  fs.writeFileSync(path.join(appDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: appDir });

  const installed = path.join(appDir, 'node_modules', ...PACKAGE_NAME.split('/'));
  const missing = missingAssets(installed);
  if (missing.length) {
    throw new CheckFailure(`bundled Lambda assets missing from the package:\n${missing.map((m) => `  ${m.wrapper} -> ${m.asset}/index.js`).join('\n')}`);
  }
  const unpackaged = unpackagedHandlers(path.join(REPO_ROOT, 'src'), installed);
  if (unpackaged.length) {
    throw new CheckFailure(`handlers without a function wrapper in the package's lib/: ${unpackaged.join(', ')}`);
  }
  console.log(`  every bundled asset is in the package (${listFiles(path.join(installed, 'assets')).length} files)`);

  copyTree(path.join(__dirname, 'consumer'), appDir);
  const exports = Object.keys(require(installed)).filter((n) => /^[A-Z]/.test(n)).sort();
  const { written, skipped } = writeReadmeSnippets(appDir, exports);
  console.log(`  ${written} README TypeScript blocks to type-check (${skipped} skipped by directive)`);

  const tsc = run(path.join(appDir, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: appDir, echo: false, allowFailure: true });
  if (tsc.status !== 0) {
    throw new CheckFailure(`tsc --strict failed in the consumer app:\n${readmeDiagnostics(appDir, `${tsc.stdout}${tsc.stderr}`)}`);
  }
  const cdk = path.join(appDir, 'node_modules', '.bin', 'cdk');
  run(cdk, ['--version'], { cwd: appDir });
  run(cdk, ['synth', '--quiet', '--ci', '--no-notices', '--no-version-reporting'], { cwd: appDir, env: { CDK_VALIDATION: 'true' } });
  const templates = listFiles(path.join(appDir, 'cdk.out')).filter((f) => f.endsWith('.template.json'));
  console.log(`  cdk synth: ${templates.length} templates, no finding from any plugin`);
  if (!process.env.RELEASE_KEEP) fs.rmSync(appDir, { recursive: true, force: true });
}

if (require.main === module) runCheck('release: consumer app', main);
