/**
 * Which bundled Lambda assets a packed library needs, and which of them it lacks. Every generated
 * `*-function.js` in the package's lib/ loads its handler with `Code.fromAsset(path.join(__dirname, '<dir>'))`;
 * the asset is there when `<dir>/index.js` is a non-empty file inside the package.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFiles } from './common';

/** One asset that a generated function wrapper loads. */
export interface AssetReference {
  /** The wrapper, relative to the package root (`lib/rest/cache-control-function.js`). */
  readonly wrapper: string;
  /** The asset folder, relative to the package root (`assets/rest/cache-control.lambda`). */
  readonly asset: string;
}

const FROM_ASSET = /Code\.fromAsset\(\s*path\.join\(\s*__dirname\s*,\s*(['"])([^'"]+)\1\s*\)\s*\)/g;

/** Every asset folder referenced by a `*-function.js` wrapper under `<packageDir>/lib`. */
export function assetReferences(packageDir: string): AssetReference[] {
  const refs: AssetReference[] = [];
  for (const rel of listFiles(path.join(packageDir, 'lib'))) {
    if (!rel.endsWith('-function.js')) continue;
    const wrapper = `lib/${rel}`;
    const text = fs.readFileSync(path.join(packageDir, wrapper), 'utf8');
    for (const match of text.matchAll(FROM_ASSET)) {
      const asset = path.relative(packageDir, path.resolve(packageDir, path.dirname(wrapper), match[2]));
      refs.push({ wrapper, asset: asset.split(path.sep).join('/') });
    }
  }
  return refs;
}

/** The references whose asset is outside the package or has no non-empty index.js. */
export function missingAssets(packageDir: string): AssetReference[] {
  return assetReferences(packageDir).filter((ref) => {
    if (ref.asset.startsWith('..')) return true;
    const entry = path.join(packageDir, ref.asset, 'index.js');
    return !fs.existsSync(entry) || fs.statSync(entry).size === 0;
  });
}

/** Handler sources of the repository (`src/**\/*.lambda.ts`) whose wrapper is absent from the package. */
export function unpackagedHandlers(repoSrcDir: string, packageDir: string): string[] {
  const wrappers = new Set(assetReferences(packageDir).map((r) => r.wrapper));
  return listFiles(repoSrcDir)
    .filter((f) => f.endsWith('.lambda.ts'))
    .filter((f) => !wrappers.has(`lib/${f.replace(/\.lambda\.ts$/, '-function.js')}`));
}
