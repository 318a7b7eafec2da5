/**
 * The parts of the consumer-app release check (scripts/release/consumer-app.ts) that need no tarball: which
 * assets a package lacks, what the fresh app installs, and where it is created. CI runs the whole check after
 * `projen build` packed the library.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedTempDir, REPO_ROOT } from '../../scripts/release/common';
import { consumerPackageJson, PEER_DEPENDENCIES } from '../../scripts/release/consumer-app';
import { assetReferences, missingAssets, unpackagedHandlers } from '../../scripts/release/package-assets';

function fakePackage(root: string, assets: Record<string, string>): string {
  const write = (rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  // What projen generates and jsii compiles, one wrapper per handler.
  write('lib/rest/cache-control-function.js', "code: lambda.Code.fromAsset(path.join(__dirname, '../../assets/rest/cache-control.lambda')),");
  write('lib/websocket-chat-api/chat-function.js', 'code: lambda.Code.fromAsset(path.join(__dirname, "../../assets/websocket-chat-api/chat.lambda")),');
  write('lib/index.js', 'module.exports = {};');
  for (const [rel, text] of Object.entries(assets)) write(rel, text);
  return root;
}

describe('bundled assets in a package', () => {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'package-assets-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('every wrapper reference is found, relative to the package root', () => {
    const pkg = fakePackage(path.join(dir, 'complete'), {
      'assets/rest/cache-control.lambda/index.js': 'exports.handler=1',
      'assets/websocket-chat-api/chat.lambda/index.js': 'exports.handler=1',
    });
    expect(assetReferences(pkg)).toEqual([
      { wrapper: 'lib/rest/cache-control-function.js', asset: 'assets/rest/cache-control.lambda' },
      { wrapper: 'lib/websocket-chat-api/chat-function.js', asset: 'assets/websocket-chat-api/chat.lambda' },
    ]);
    expect(missingAssets(pkg)).toEqual([]);
  });

  test('an absent or empty bundle is missing', () => {
    const pkg = fakePackage(path.join(dir, 'broken'), { 'assets/rest/cache-control.lambda/index.js': '' });
    expect(missingAssets(pkg).map((m) => m.asset)).toEqual(['assets/rest/cache-control.lambda', 'assets/websocket-chat-api/chat.lambda']);
  });

  test('a handler of the repository without a wrapper in the package is reported', () => {
    const pkg = fakePackage(path.join(dir, 'partial'), {});
    const src = path.join(dir, 'src');
    for (const f of ['rest/cache-control.lambda.ts', 'websocket-chat-api/chat.lambda.ts', 'authorizers/jwt-authorizer.lambda.ts']) {
      fs.mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
      fs.writeFileSync(path.join(src, f), '');
    }
    expect(unpackagedHandlers(src, pkg)).toEqual(['authorizers/jwt-authorizer.lambda.ts']);
  });
});

describe('the fresh app', () => {
  test('installs the tarball and exact versions of the peers and tools', () => {
    const pkg = consumerPackageJson('./library.tgz', (n) => `1.2.3-${n}`);
    expect(pkg.dependencies).toEqual({
      'cdk-apigateway-patterns': 'file:./library.tgz',
      'aws-cdk-lib': '1.2.3-aws-cdk-lib',
      'constructs': '1.2.3-constructs',
    });
    expect(Object.keys(pkg.devDependencies as object).sort()).toEqual(['@cdklabs/cdk-validator-cfnguard', '@types/node', 'aws-cdk', 'cdk-nag', 'typescript']);
  });

  test('its peers are the library peer dependencies', () => {
    const own = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(Object.keys(own.peerDependencies).sort()).toEqual([...PEER_DEPENDENCIES].sort());
  });

  test('is created outside the repository, where the repository node_modules cannot leak in', () => {
    const previous = process.env.RELEASE_TMPDIR;
    try {
      process.env.RELEASE_TMPDIR = path.join(REPO_ROOT, '.tmp');
      expect(() => isolatedTempDir('x')).toThrow(/is inside the repository/);
      delete process.env.RELEASE_TMPDIR;
      const dir = isolatedTempDir('test');
      expect(dir.startsWith(`${REPO_ROOT}/`)).toBe(false);
      fs.rmSync(dir, { recursive: true });
    } finally {
      if (previous === undefined) delete process.env.RELEASE_TMPDIR;
      else process.env.RELEASE_TMPDIR = previous;
    }
  });
});

describe('the consumer app covers every pattern', () => {
  // The patterns of the library (README "The patterns" table): each is constructed by one consumer stack.
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const patterns = [...readme.matchAll(/^\| `(\w+)` \| available/gm)].map((m) => m[1]);
  const consumer = path.join(REPO_ROOT, 'scripts', 'release', 'consumer');
  const libs = fs.readdirSync(path.join(consumer, 'lib')).map((f) => fs.readFileSync(path.join(consumer, 'lib', f), 'utf8')).join('\n');
  const app = fs.readFileSync(path.join(consumer, 'bin', 'app.ts'), 'utf8');

  test('every available pattern of the README is constructed in a consumer stack', () => {
    expect(patterns.length).toBeGreaterThanOrEqual(3);
    expect(patterns.filter((p) => !libs.includes(`new ${p}(`))).toEqual([]);
  });

  test('every consumer stack is in the app', () => {
    const stacks = [...libs.matchAll(/export class (\w+) extends Stack/g)].map((m) => m[1]);
    expect(stacks.length).toBe(fs.readdirSync(path.join(consumer, 'lib')).length);
    expect(stacks.filter((s) => !new RegExp(`^\\s+${s},$`, 'm').test(app))).toEqual([]);
  });
});
