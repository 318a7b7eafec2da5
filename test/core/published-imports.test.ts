/**
 * What a user's app loads when it imports the library: every module reachable from src/index.ts (the construct
 * side) may import only Node.js built-ins, the peer dependencies (aws-cdk-lib, constructs) and the package's own
 * dependencies. The handlers' libraries (AWS SDK v3, Powertools, aws-jwt-verify) are devDependencies that esbuild
 * bundles into the Lambda assets: a construct module importing one (even for a constant) installs fine and then
 * fails in the user's `cdk synth` with "Cannot find module" (the consumer-app release check found one:
 * alarms.ts -> runtime/monetized/export.ts -> @aws-sdk/client-s3). This test finds it in a second.
 */
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const ALLOWED = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** The package a bare specifier names (`@scope/name/sub` -> `@scope/name`), or undefined for a built-in. */
function packageOf(spec: string): string | undefined {
  if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) return undefined;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function resolveLocal(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  throw new Error(`${path.relative(ROOT, from)}: cannot resolve ${spec}`);
}

/** Every bare import reachable from `entry`, with the chain of modules that reaches it. */
function reachableImports(entry: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const m of source.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const here = [...chain, path.relative(ROOT, file)];
      if (spec.startsWith('.')) {visit(resolveLocal(file, spec), here);} else {
        const name = packageOf(spec);
        if (name && !found.has(name)) found.set(name, here);
      }
    }
  };
  visit(entry, []);
  return found;
}

test('the construct side imports only built-ins, peer dependencies and dependencies', () => {
  const imports = reachableImports(path.join(ROOT, 'src', 'index.ts'));
  expect(imports.has('aws-cdk-lib')).toBe(true);
  const extraneous = [...imports].filter(([name]) => !ALLOWED.has(name)).map(([name, chain]) => `${name} via ${chain.join(' -> ')}`);
  expect(extraneous).toEqual([]);
});

test('the scan reaches a handler library through local imports (here: the usage export runtime and the AWS SDK)', () => {
  const imports = reachableImports(path.join(ROOT, 'src', 'runtime', 'monetized', 'export.ts'));
  expect(imports.get('@aws-sdk/lib-dynamodb')).toEqual(['src/runtime/monetized/export.ts', 'src/runtime/monetized/store.ts']);
});
