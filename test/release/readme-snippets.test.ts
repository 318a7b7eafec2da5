/**
 * The README block extraction of the release check (scripts/release/readme-snippets.ts): which blocks are found,
 * the comment convention, how a block becomes a stack constructor, and that a renamed prop in a block fails to
 * compile (against a stand-in of the library's declarations, so this test needs no packed tarball; CI compiles
 * the real blocks against the real tarball in scripts/release/consumer-app.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { extractSnippets, readmeLineOf, wrapSnippet } from '../../scripts/release/readme-snippets';

const README = [
  '# Title',
  '',
  '```ts',
  "import { SecuredRestApi } from 'cdk-apigateway-patterns';",
  '',
  "const api = new SecuredRestApi(this, 'Orders', { authorization: 'jwt' });",
  '```',
  '',
  '<!-- snippet: declare thing: apigateway.RestApi; other: string -->',
  '```typescript',
  'thing.root.addMethod(other);',
  '```',
  '',
  '<!-- snippet: skip shell output shown as TypeScript -->',
  '```ts',
  'not code',
  '```',
  '',
  '```sh',
  'npm test',
  '```',
  '',
  '```python',
  'api = SecuredRestApi(self, "Orders")',
  '```',
].join('\n');

describe('extracting README blocks', () => {
  test('every ts and typescript block, with its fence line, directives and skip reason', () => {
    const blocks = extractSnippets(README, 'ts');
    expect(blocks.map((b) => [b.line, b.skipReason ?? null, b.declares])).toEqual([
      [3, null, {}],
      [10, null, { thing: 'apigateway.RestApi', other: 'string' }],
      [15, 'shell output shown as TypeScript', {}],
    ]);
    expect(blocks[1].code).toBe('thing.root.addMethod(other);');
  });

  test('python blocks are extracted for the Python check, shell blocks never', () => {
    expect(extractSnippets(README, 'python').map((b) => b.code)).toEqual(['api = SecuredRestApi(self, "Orders")']);
    expect(extractSnippets(README, 'ts').some((b) => b.code.includes('npm test'))).toBe(false);
  });

  test('a malformed directive fails with the README line', () => {
    expect(() => extractSnippets('<!-- snippet: skip -->\n```ts\nx\n```', 'ts')).toThrow('README.md line 2: a "snippet: skip" directive needs a reason');
    expect(() => extractSnippets('<!-- snippet: decl x -->\n```ts\nx\n```', 'ts')).toThrow('unknown snippet directive "decl x"');
    expect(() => extractSnippets('<!-- snippet: declare x -->\n```ts\nx\n```', 'ts')).toThrow('snippet declare "x" is not "name: Type"');
  });

  test('the repository README has TypeScript blocks, and none skipped without a reason', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const blocks = extractSnippets(readme, 'ts');
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(blocks.every((b) => b.skipReason === undefined || b.skipReason.length > 0)).toBe(true);
  });
});

describe('wrapping a block', () => {
  test('imports hoisted, the body in a stack constructor, names it imports not imported again', () => {
    const [block] = extractSnippets(README, 'ts');
    const wrapped = wrapSnippet(block, 'cdk-apigateway-patterns', ['ApiFirewall', 'SecuredRestApi']);
    const lines = wrapped.split('\n');
    expect(lines[1]).toBe("import { SecuredRestApi } from 'cdk-apigateway-patterns';");
    expect(wrapped).toContain("import { ApiFirewall } from 'cdk-apigateway-patterns';");
    expect(wrapped).toContain("import * as apigateway from 'aws-cdk-lib/aws-apigateway';");
    expect(wrapped).toContain('export class ReadmeSnippetLine3 extends ReadmeSnippetStack {');
    expect(wrapped).toContain("    const api = new SecuredRestApi(this, 'Orders', { authorization: 'jwt' });");
    const bodyLine = lines.findIndex((l) => l.includes('const api')) + 1;
    expect(readmeLineOf(wrapped, block, bodyLine)).toBe(6);
  });

  test('declared names become declarations, and a block importing an alias keeps its own', () => {
    const [, declared] = extractSnippets(README, 'ts');
    const wrapped = wrapSnippet(declared, 'lib', []);
    expect(wrapped).toContain('declare const thing: apigateway.RestApi;');
    expect(wrapped).toContain('declare const other: string;');
    const own = wrapSnippet({ ...declared, code: "import * as apigateway from 'aws-cdk-lib/aws-apigateway';\nx();", declares: {} }, 'lib', []);
    expect(own.match(/import \* as apigateway /g)).toHaveLength(1);
  });
});

describe('a renamed prop in a README block fails to compile', () => {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'readme-snippets-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // A stand-in of the library's declarations: the prop was renamed from `scope` to `webAclScope`.
  const library = [
    "import { Construct } from 'constructs';",
    'export interface FirewallProps { readonly webAclScope?: string }',
    'export declare class ApiFirewall extends Construct { constructor(scope: Construct, id: string, props?: FirewallProps); }',
  ].join('\n');

  // One program for both blocks: the current name and the old one.
  const blocks = {
    current: "new ApiFirewall(this, 'Waf', { webAclScope: 'REGIONAL' });",
    renamed: "new ApiFirewall(this, 'Waf', { scope: 'REGIONAL' });",
  };
  let diagnostics: Record<string, string[]> = {};
  beforeAll(() => {
    fs.writeFileSync(path.join(dir, 'library.d.ts'), library);
    const files = Object.entries(blocks).map(([name, code], i) => {
      const file = path.join(dir, `${name}.ts`);
      fs.writeFileSync(file, wrapSnippet({ language: 'ts', line: i + 1, code, declares: {} }, './library', ['ApiFirewall']));
      return file;
    });
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      target: ts.ScriptTarget.ES2022,
      types: ['node'],
    });
    diagnostics = Object.fromEntries(Object.keys(blocks).map((name, i) => [name, ts.getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName === files[i])
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))]));
  });

  test('the current name compiles', () => {
    expect(diagnostics.current).toEqual([]);
  });

  test('the old name does not', () => {
    expect(diagnostics.renamed.join('\n')).toMatch(/'scope' does not exist in type 'FirewallProps'/);
  });
});
