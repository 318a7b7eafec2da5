/**
 * Release check: the README's Python blocks use names that exist in the jsii-generated Python module.
 *
 *   ts-node scripts/release/python-snippets.ts [<jsii-pacmak --code-only outdir>]   (default $TMPDIR/pacmak)
 *
 * Compiles the generated module (`python3 -m py_compile`), writes every ```python block of the README (not
 * skipped by `<!-- snippet: skip <reason> -->`) to a file and runs check_python_snippets.py over them: each must
 * compile, and every class, member, keyword argument and positional count it takes from `cdk_apigateway_patterns`
 * must match the generated sources, so a prop whose Python name breaks (`scope` -> `scope_`) fails CI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckFailure, freshTempDir, REPO_ROOT, run, runCheck } from './common';
import { extractSnippets, Snippet } from './readme-snippets';

/** The Python module name the library publishes (.projenrc.ts publishToPypi.module). */
export const PYTHON_MODULE = 'cdk_apigateway_patterns';

/** The generated module's `__init__.py` under a jsii-pacmak outdir. */
export function generatedInit(pacmakDir: string): string {
  const file = path.join(pacmakDir, 'python', 'src', PYTHON_MODULE, '__init__.py');
  if (!fs.existsSync(file)) {
    throw new CheckFailure(`${file} not found: run npx jsii-pacmak --targets python --code-only --outdir ${pacmakDir} first`);
  }
  return file;
}

/** The file name a README block is written to: its fence line, so problems map back to the README. */
export function snippetFileName(snippet: Snippet): string {
  return `readme-line-${snippet.line}.py`;
}

/** The checker's `<dir>/readme-line-N.py:L: problem` lines as `README.md:<line>: problem`. */
export function toReadmeLines(output: string): string {
  return output.split('\n').map((line) => {
    const m = /^(?:.*\/)?readme-line-(\d+)\.py(?::(\d+))?: (.*)$/.exec(line);
    if (!m) return line;
    const readmeLine = Number(m[1]) + (m[2] ? Number(m[2]) : 0);
    return `README.md:${readmeLine}: ${m[3]}`;
  }).join('\n').trim();
}

/** Writes the README's Python blocks into `dir`; returns the files written. */
export function writePythonSnippets(markdown: string, dir: string): string[] {
  const files: string[] = [];
  for (const snippet of extractSnippets(markdown, 'python')) {
    if (snippet.skipReason) continue;
    const file = path.join(dir, snippetFileName(snippet));
    fs.writeFileSync(file, `${snippet.code}\n`);
    files.push(file);
  }
  return files;
}

function main(): void {
  const pacmakDir = path.resolve(process.argv[2] ?? path.join(process.env.TMPDIR ?? path.join(REPO_ROOT, '.tmp'), 'pacmak'));
  const init = generatedInit(pacmakDir);
  run('python3', ['-m', 'py_compile', init], { cwd: REPO_ROOT });
  const dir = freshTempDir('python-snippets');
  const files = writePythonSnippets(fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'), dir);
  if (!files.length) throw new CheckFailure('README.md has no ```python block to check');
  const result = run('python3', [path.join(__dirname, 'check_python_snippets.py'), init, ...files], { cwd: dir, echo: false, allowFailure: true });
  const report = toReadmeLines(`${result.stdout}${result.stderr}`);
  console.log(report);
  fs.rmSync(dir, { recursive: true, force: true });
  if (result.status !== 0) throw new CheckFailure(`README Python blocks do not match the generated ${PYTHON_MODULE} module`);
}

if (require.main === module) runCheck('release: python snippets', main);
