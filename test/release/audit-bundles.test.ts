/**
 * The audit of bundled dependencies (scripts/release/audit-bundles.ts): which packages a bundle contains, the
 * lockfile npm audit reads, and npm audit itself run for real against a local stand-in of the registry's bulk
 * advisory endpoint (POST /-/npm/v1/security/advisories/bulk, the one npm 7+ calls:
 * https://docs.npmjs.com/cli/v11/commands/npm-audit#audit-endpoints), answering an advisory, none, or 405 as a
 * GET-only mirror does. The live registry is queried by CI (.ci/run), never by this test.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { auditLockfile, auditPackages, BundledPackage, packageDirOf, packageDirsByHandler, parseAudit } from '../../scripts/release/audit-bundles';

describe('packages in a bundle', () => {
  test.each([
    ['node_modules/aws-jwt-verify/dist/cjs/jwt.js', 'node_modules/aws-jwt-verify'],
    ['node_modules/@smithy/signature-v4/dist-cjs/index.js', 'node_modules/@smithy/signature-v4'],
    ['node_modules/a/node_modules/@s/b/index.js', 'node_modules/a/node_modules/@s/b'],
    ['src/runtime/chat/handler.ts', undefined],
    ['node_modules/@scope', undefined],
  ])('%s is in %s', (input, dir) => {
    expect(packageDirOf(input)).toBe(dir);
  });

  test('per package, the handlers whose bundle has its files (outputs without an entry point ignored)', () => {
    const byDir = packageDirsByHandler({
      outputs: {
        'out/a.js': { entryPoint: 'src/a.lambda.ts', inputs: { 'src/a.lambda.ts': {}, 'node_modules/x/i.js': {}, 'node_modules/x/j.js': {} } },
        'out/b.js': { entryPoint: 'src/b.lambda.ts', inputs: { 'node_modules/x/i.js': {}, 'node_modules/@s/y/i.js': {} } },
        'out/chunk.js': { inputs: { 'node_modules/z/i.js': {} } },
      },
    });
    expect(Object.fromEntries([...byDir].map(([d, h]) => [d, [...h].sort()]))).toEqual({
      'node_modules/x': ['src/a.lambda.ts', 'src/b.lambda.ts'],
      'node_modules/@s/y': ['src/b.lambda.ts'],
    });
  });

  test('the lockfile has exactly the bundled packages as production dependencies; a second version is nested', () => {
    const pkgs: BundledPackage[] = [
      { dir: 'node_modules/a', name: 'a', version: '1.0.0', handlers: [] },
      { dir: 'node_modules/minimist', name: 'minimist', version: '1.2.8', handlers: [] },
      { dir: 'node_modules/a/node_modules/minimist', name: 'minimist', version: '1.2.5', handlers: [] },
    ];
    const { packageJson, lock } = auditLockfile(pkgs) as { packageJson: { dependencies: object }; lock: { packages: Record<string, object> } };
    expect(packageJson.dependencies).toEqual({ a: '1.0.0', minimist: '1.2.8' });
    expect(Object.keys(lock.packages).sort()).toEqual(['', 'node_modules/a', 'node_modules/a/node_modules/minimist', 'node_modules/minimist']);
    expect(lock.packages['node_modules/a/node_modules/minimist']).toEqual({ version: '1.2.5' });
  });
});

describe('npm audit against a stand-in registry', () => {
  // The stand-in runs in a child process: auditPackages waits for npm synchronously, which would block a server
  // in this process. Its mode is a file it reads per request; it appends each request to a log file.
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'audit-registry-'));
  const modeFile = path.join(dir, 'mode');
  const logFile = path.join(dir, 'requests.jsonl');
  const setMode = (mode: 'advisory' | '405'): void => fs.writeFileSync(modeFile, mode);
  const requests = (): Array<{ method: string; url: string; body: string }> =>
    fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const SERVER = `
    const http = require('node:http'); const fs = require('node:fs'); const zlib = require('node:zlib');
    const [modeFile, logFile] = process.argv.slice(1);
    const advisory = { id: 1, url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h', title: 'Prototype Pollution in minimist',
      severity: 'critical', vulnerable_versions: '<1.2.6', cwe: ['CWE-1321'], cvss: { score: 9.8, vectorString: null } };
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        // npm sends the bulk request gzip-compressed.
        const body = String(req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw);
        fs.appendFileSync(logFile, JSON.stringify({ method: req.method, url: req.url, body }) + '\\n');
        if (req.method === 'GET') {
          // npm reads packuments to work out fixes: every asked name with the versions these tests use.
          const name = decodeURIComponent(req.url.slice(1));
          const versions = Object.fromEntries(['1.2.5', '1.2.6', '1.2.8', '5.2.1'].map((v) => [v, { name, version: v }]));
          return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name, 'dist-tags': { latest: '1.2.8' }, versions }));
        }
        if (fs.readFileSync(modeFile, 'utf8') === '405') return res.writeHead(405, { allow: 'GET,HEAD' }).end();
        const asked = JSON.parse(body || '{}');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(asked.minimist ? { minimist: [advisory] } : {}));
      });
    });
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
  let child: ChildProcess;
  let registry = '';
  beforeAll(async () => {
    setMode('advisory');
    child = spawn(process.execPath, ['-e', SERVER, modeFile, logFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((resolve) => child.stdout!.once('data', (d) => resolve(String(d).trim())));
    registry = `http://127.0.0.1:${port}/`;
  });
  afterAll(() => {
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const bundled: BundledPackage[] = [
    { dir: 'node_modules/aws-jwt-verify', name: 'aws-jwt-verify', version: '5.2.1', handlers: ['src/a.lambda.ts'] },
    { dir: 'node_modules/minimist', name: 'minimist', version: '1.2.5', handlers: ['src/a.lambda.ts'] },
  ];
  const audit = (pkgs: BundledPackage[]): ReturnType<typeof auditPackages> =>
    auditPackages(pkgs, [`--registry=${registry}`, '--fetch-retries=0', '--fetch-timeout=10000']);

  test('asks for exactly the bundled packages and versions, and reports an advisory', () => {
    setMode('advisory');
    fs.rmSync(logFile, { force: true });
    const outcome = audit(bundled);
    const bulk = requests().find((r) => r.url.endsWith('/-/npm/v1/security/advisories/bulk'));
    expect(bulk?.method).toBe('POST');
    expect(JSON.parse(bulk!.body)).toEqual({ 'aws-jwt-verify': ['5.2.1'], 'minimist': ['1.2.5'] });
    expect(outcome).toEqual({ advisories: [expect.objectContaining({ name: 'minimist', severity: 'critical', range: '<1.2.6', url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h' })] });
  });

  test('a fixed version has no advisory', () => {
    setMode('advisory');
    expect(audit([{ ...bundled[1], version: '1.2.8' }])).toEqual({ advisories: [] });
  });

  test('a registry that refuses the endpoint (405) is unavailable, said with the status, not an empty report', () => {
    setMode('405');
    const outcome = audit(bundled);
    expect(outcome).toEqual({ unavailable: expect.stringContaining('405') });
  });

  test('output that is not a report is unavailable', () => {
    expect(parseAudit('', 'npm error network request failed')).toEqual({ unavailable: expect.stringContaining('network') });
    expect(parseAudit('not json', '')).toEqual({ unavailable: 'npm audit printed no JSON: not json' });
  });
});
