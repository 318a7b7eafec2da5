/**
 * The README's code blocks as files a compiler can check. Every ```ts block is a fragment of a stack's
 * constructor (`this` is the stack): its imports are hoisted, the names it uses without declaring are imported
 * (the library's exports, aws-cdk-lib's core classes, the usual module aliases such as `apigateway`) or declared
 * in consumer/snippets/prelude.d.ts (`userPool`, `listOrders`, ...), and the rest becomes the constructor body.
 *
 * Comment convention, on the line before a block's opening fence:
 *   <!-- snippet: declare api: apigateway.RestApi; stage: apigateway.Stage -->  names this block assumes, with
 *       their types (they take precedence over the prelude's);
 *   <!-- snippet: skip <reason> -->  a block that is not code a user writes (checked nowhere; say why).
 * ```python blocks are extracted the same way, for the Python check (scripts/release/python-snippets.ts).
 */
import * as ts from 'typescript';

/** One fenced block of the README. */
export interface Snippet {
  /** The fence's language (`ts`, `python`, ...). */
  readonly language: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The block's text. */
  readonly code: string;
  /** Names the block assumes, from its `declare` directive: name -> TypeScript type. */
  readonly declares: Readonly<Record<string, string>>;
  /** Why the block is not checked, when its directive says `skip`. */
  readonly skipReason?: string;
}

const DIRECTIVE = /^<!--\s*snippet:\s*(.*?)\s*-->$/;

/** The README's fenced blocks in `language` (aliases: ts = typescript, python = py), in order. */
export function extractSnippets(markdown: string, language: string): Snippet[] {
  const wanted = normalizeLanguage(language);
  const lines = markdown.split(/\r?\n/);
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[2];
    let end = i + 1;
    while (end < lines.length && !lines[end].trim().startsWith(fence)) end++;
    if (normalizeLanguage(open[3]) === wanted) {
      const directive = previousNonBlank(lines, i);
      snippets.push({
        language: wanted,
        line: i + 1,
        code: lines.slice(i + 1, end).join('\n'),
        ...parseDirective(directive, i + 1),
      });
    }
    i = end;
  }
  return snippets;
}

function normalizeLanguage(language: string): string {
  const l = language.toLowerCase();
  if (l === 'typescript' || l === 'ts') return 'ts';
  if (l === 'py' || l === 'python' || l === 'python3') return 'python';
  return l;
}

function previousNonBlank(lines: readonly string[], index: number): string {
  for (let j = index - 1; j >= 0; j--) {
    if (lines[j].trim()) return lines[j].trim();
  }
  return '';
}

function parseDirective(line: string, fenceLine: number): { declares: Record<string, string>; skipReason?: string } {
  const match = DIRECTIVE.exec(line);
  if (!match) return { declares: {} };
  const body = match[1];
  const skip = /^skip\b\s*(.*)$/.exec(body);
  if (skip) {
    if (!skip[1]) throw new Error(`README.md line ${fenceLine}: a "snippet: skip" directive needs a reason`);
    return { declares: {}, skipReason: skip[1] };
  }
  const declare = /^declare\s+(.+)$/.exec(body);
  if (!declare) throw new Error(`README.md line ${fenceLine}: unknown snippet directive "${body}" (declare ... | skip <reason>)`);
  const declares: Record<string, string> = {};
  for (const part of declare[1].split(';').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z_$][\w$]*)\s*:\s*(.+)$/.exec(part);
    if (!m) throw new Error(`README.md line ${fenceLine}: snippet declare "${part}" is not "name: Type"`);
    declares[m[1]] = m[2];
  }
  return { declares };
}

/** Module aliases a README block may use without importing them. */
export const MODULE_ALIASES: Readonly<Record<string, string>> = {
  apigateway: 'aws-cdk-lib/aws-apigateway',
  apigwv2: 'aws-cdk-lib/aws-apigatewayv2',
  lambda: 'aws-cdk-lib/aws-lambda',
  cognito: 'aws-cdk-lib/aws-cognito',
  ec2: 'aws-cdk-lib/aws-ec2',
  elbv2: 'aws-cdk-lib/aws-elasticloadbalancingv2',
  iam: 'aws-cdk-lib/aws-iam',
  sns: 'aws-cdk-lib/aws-sns',
  subscriptions: 'aws-cdk-lib/aws-sns-subscriptions',
  sqs: 'aws-cdk-lib/aws-sqs',
  logs: 'aws-cdk-lib/aws-logs',
  kms: 'aws-cdk-lib/aws-kms',
  acm: 'aws-cdk-lib/aws-certificatemanager',
  route53: 'aws-cdk-lib/aws-route53',
  cloudwatch: 'aws-cdk-lib/aws-cloudwatch',
  wafv2: 'aws-cdk-lib/aws-wafv2',
  fs: 'node:fs',
  path: 'node:path',
};

/** aws-cdk-lib core names a README block may use without importing them. */
export const CORE_NAMES: readonly string[] = ['App', 'Aws', 'CfnOutput', 'Duration', 'RemovalPolicy', 'Size', 'Stack', 'Validations'];

/** The TypeScript file checked for one block: a stack whose constructor body is the block. */
export function wrapSnippet(snippet: Snippet, packageName: string, libraryExports: readonly string[]): string {
  const source = ts.createSourceFile(`readme-${snippet.line}.ts`, snippet.code, ts.ScriptTarget.ES2022, true);
  const imports: string[] = [];
  const body: string[] = [];
  const bound = new Set<string>(Object.keys(snippet.declares));
  for (const statement of source.statements) {
    const text = snippet.code.slice(statement.getFullStart(), statement.getEnd()).replace(/^\n+/, '');
    if (ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement)) {
      imports.push(text);
      for (const name of importedNames(statement)) bound.add(name);
    } else {
      body.push(text);
    }
  }
  // Trailing comments after the last statement belong to the body.
  const tail = snippet.code.slice(source.statements.length ? source.statements[source.statements.length - 1].getEnd() : 0).trim();
  if (tail) body.push(tail);

  const missing = (names: readonly string[]): string[] => names.filter((n) => !bound.has(n));
  const auto: string[] = [];
  const lib = missing(libraryExports);
  if (lib.length) auto.push(`import { ${lib.join(', ')} } from '${packageName}';`);
  const core = missing(CORE_NAMES);
  if (core.length) auto.push(`import { ${core.join(', ')} } from 'aws-cdk-lib';`);
  for (const alias of missing(Object.keys(MODULE_ALIASES))) auto.push(`import * as ${alias} from '${MODULE_ALIASES[alias]}';`);

  const declares = Object.entries(snippet.declares).map(([name, type]) => `declare const ${name}: ${type};`);
  const indented = body.join('\n').split('\n').map((l) => (l ? `    ${l}` : l)).join('\n');
  return [
    `// README.md line ${snippet.line}, wrapped by scripts/release/readme-snippets.ts: edit the README, not this file.`,
    ...imports,
    `import { Stack as ReadmeSnippetStack } from 'aws-cdk-lib';`,
    `import { Construct as ReadmeSnippetConstruct } from 'constructs';`,
    ...auto,
    ...declares,
    '',
    `export class ReadmeSnippetLine${snippet.line} extends ReadmeSnippetStack {`,
    '  public constructor(scope: ReadmeSnippetConstruct, id: string) {',
    '    super(scope, id);',
    indented,
    '  }',
    '}',
    '',
  ].join('\n');
}

function importedNames(statement: ts.ImportDeclaration | ts.ImportEqualsDeclaration): string[] {
  if (ts.isImportEqualsDeclaration(statement)) return [statement.name.text];
  const clause = statement.importClause;
  if (!clause) return [];
  const names: string[] = [];
  if (clause.name) names.push(clause.name.text);
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
  if (bindings && ts.isNamedImports(bindings)) names.push(...bindings.elements.map((e) => e.name.text));
  return names;
}

/** Maps a compiler diagnostic in a wrapped file back to its README line, for messages users can act on. */
export function readmeLineOf(wrapped: string, snippet: Snippet, wrappedLine: number): number {
  const lines = wrapped.split('\n');
  const bodyStart = lines.findIndex((l) => l.startsWith('    super(scope, id);')) + 1;
  if (wrappedLine <= bodyStart) return snippet.line;
  const bodyLine = lines[wrappedLine - 1]?.replace(/^ {4}/, '');
  const codeLines = snippet.code.split('\n');
  const found = codeLines.findIndex((l) => l === bodyLine);
  return found >= 0 ? snippet.line + 1 + found : snippet.line;
}
