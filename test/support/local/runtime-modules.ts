/**
 * The modules the Lambda Node.js runtime provides (`/var/runtime/node_modules`): the AWS SDK for JavaScript v3
 * and what it depends on, and nothing else, so a bundle that leaves out another dependency fails here as it
 * would in Lambda. Built as a directory of symlinks into this project's node_modules: every `@aws-sdk/*`
 * package and the closure of their dependencies.
 * Source: https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html (runtimes include the SDK v3).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..', 'node_modules');

/** Creates the directory (under the OS temp dir) and returns its `node_modules` path. */
export function runtimeModules(): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-runtime-')), 'node_modules');
  fs.mkdirSync(dir, { recursive: true });
  const pending = fs.readdirSync(path.join(ROOT, '@aws-sdk')).map((n) => `@aws-sdk/${n}`);
  const seen = new Set<string>();
  while (pending.length > 0) {
    const name = pending.pop()!;
    const source = path.join(ROOT, name);
    if (seen.has(name) || !fs.existsSync(path.join(source, 'package.json'))) continue;
    seen.add(name);
    const target = path.join(dir, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync(source, target, 'dir');
    const manifest = JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8'));
    pending.push(...Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }));
  }
  return dir;
}
