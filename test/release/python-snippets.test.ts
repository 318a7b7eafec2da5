/**
 * The Python snippet check (scripts/release/check_python_snippets.py, driven by scripts/release/python-snippets.ts)
 * against a stand-in of the jsii-generated module, so this test needs no jsii-pacmak run (CI checks the README's
 * real blocks against the real generated module).
 *
 * The rule it guards (jsii's Python binding, https://aws.github.io/jsii/user-guides/lib-author/language-support/python/
 * and aws/jsii's python generator): props become keyword-only arguments of the constructor, and a prop whose
 * Python name equals a positional parameter (`scope`, `id`) makes jsii rename the positional to `scope_`; a user's
 * `Construct(self, "Id", scope=...)` then no longer means what the TypeScript README says.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../scripts/release/common';
import { toReadmeLines, writePythonSnippets } from '../../scripts/release/python-snippets';
import { extractSnippets } from '../../scripts/release/readme-snippets';

const CHECKER = path.join(REPO_ROOT, 'scripts', 'release', 'check_python_snippets.py');

// What jsii-pacmak writes, reduced to the shapes the checker reads: a construct class with keyword-only props,
// a class method, a class attribute, a property, and a class whose prop `scope` renamed the positional to `scope_`.
const GENERATED = `
import builtins
import typing
import constructs as _constructs_77d1e7e8

class ApiAuthorization(metaclass=jsii.JSIIMeta, jsii_type="x.ApiAuthorization"):
    @jsii.member(jsii_name="jwt")
    @builtins.classmethod
    def jwt(cls, *, audience: typing.Sequence[builtins.str], issuer: builtins.str) -> "ApiAuthorization":
        ...

class CacheSize(metaclass=jsii.JSIIMeta, jsii_type="x.CacheSize"):
    GB_0_5 = "0.5"

class Base(_constructs_77d1e7e8.Construct, metaclass=jsii.JSIIAbstractClass, jsii_type="x.Base"):
    def add_route(self, method: builtins.str, path: builtins.str, *, scopes: typing.Optional[typing.Sequence[builtins.str]] = None) -> None:
        ...

    @builtins.property
    @jsii.member(jsii_name="api")
    def api(self) -> builtins.str:
        ...

class SecuredRestApi(Base, metaclass=jsii.JSIIMeta, jsii_type="x.SecuredRestApi"):
    def __init__(self, scope: "_constructs_77d1e7e8.Construct", id: builtins.str, *, authorization: "ApiAuthorization") -> None:
        ...

class ApiFirewall(_constructs_77d1e7e8.Construct, metaclass=jsii.JSIIMeta, jsii_type="x.ApiFirewall"):
    def __init__(self, scope_: "_constructs_77d1e7e8.Construct", id: builtins.str, *, scope: typing.Optional[builtins.str] = None) -> None:
        ...

__all__ = ["ApiAuthorization", "ApiFirewall", "Base", "CacheSize", "SecuredRestApi"]
`;

const GOOD = `
from constructs import Construct
from cdk_apigateway_patterns import ApiAuthorization, CacheSize, SecuredRestApi

def build(stack: Construct) -> None:
    api = SecuredRestApi(stack, "Orders", authorization=ApiAuthorization.jwt(issuer="https://l.example.com/", audience=["o"]))
    api.add_route("GET", "/orders", scopes=["orders:read"])
    api.node.add_dependency(stack)
    print(api.api, CacheSize.GB_0_5)
`;

describe('check_python_snippets.py', () => {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'python-snippets-'));
  const init = path.join(dir, '__init__.py');
  fs.writeFileSync(init, GENERATED);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function check(code: string): { status: number; problems: string[] } {
    const file = path.join(dir, 'readme-line-10.py');
    fs.writeFileSync(file, code);
    const result = spawnSync('python3', [CHECKER, init, file], { encoding: 'utf8' });
    const problems = result.stdout.split('\n').filter((l) => l.startsWith(file)).map((l) => l.slice(dir.length + 1));
    return { status: result.status ?? 1, problems };
  }

  test('a snippet that uses existing names, members, keywords and inherited Construct members passes', () => {
    expect(check(GOOD)).toEqual({ status: 0, problems: [] });
  });

  test.each([
    ['an unknown import', 'from cdk_apigateway_patterns import SecureRestApi\n', "readme-line-10.py:1: cdk_apigateway_patterns has no name 'SecureRestApi'"],
    ['a renamed prop', GOOD.replace('authorization=', 'auth='), "readme-line-10.py:6: SecuredRestApi() has no parameter 'auth'"],
    ['an unknown method', GOOD.replace('api.add_route(', 'api.add_routes('), "readme-line-10.py:7: SecuredRestApi has no member 'add_routes'"],
    ['an unknown property', GOOD.replace('api.api,', 'api.rest_api,'), "readme-line-10.py:9: SecuredRestApi has no member 'rest_api'"],
    ['an unknown class attribute', GOOD.replace('GB_0_5', 'GB_1'), "readme-line-10.py:9: CacheSize has no member 'GB_1'"],
    ['a keyword of a class method', GOOD.replace('issuer=', 'iss='), "readme-line-10.py:6: ApiAuthorization.jwt() has no parameter 'iss'"],
    ['too many positional arguments', GOOD.replace('"/orders",', '"/orders", "x",'), 'readme-line-10.py:7: SecuredRestApi.add_route() takes 2 positional arguments, the snippet gives 3'],
    ['the scope trap: a prop named like the renamed positional',
      'from cdk_apigateway_patterns import ApiFirewall\nApiFirewall(self, "Waf", scope="REGIONAL")\n',
      "readme-line-10.py:2: ApiFirewall(): keyword 'scope' is a prop that collides with the positional parameter jsii renamed to 'scope_'"],
  ])('%s is reported with its line', (_name, code, problem) => {
    const result = check(code);
    expect(result.status).toBe(1);
    expect(result.problems.join('\n')).toContain(problem);
  });

  test('a snippet that does not compile, or uses nothing of the module, fails', () => {
    expect(check('def broken(:\n').problems.join('\n')).toMatch(/does not compile/);
    expect(check('import os\n').problems).toEqual(['readme-line-10.py: uses nothing from cdk_apigateway_patterns']);
  });
});

describe('README Python blocks', () => {
  test('problems point at README lines (fence line + line in the block)', () => {
    expect(toReadmeLines("/tmp/x/readme-line-700.py:3: SecuredRestApi has no member 'x'\npython snippets: 1 checked"))
      .toBe("README.md:703: SecuredRestApi has no member 'x'\npython snippets: 1 checked");
  });

  test('the repository README has a Python block, written to a file named by its fence line', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const blocks = extractSnippets(readme, 'python').filter((b) => !b.skipReason);
    expect(blocks.length).toBeGreaterThanOrEqual(1);
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'python-readme-'));
    try {
      const files = writePythonSnippets(readme, dir);
      expect(files.map((f) => path.basename(f))).toEqual(blocks.map((b) => `readme-line-${b.line}.py`));
      expect(fs.readFileSync(files[0], 'utf8')).toContain('cdk_apigateway_patterns');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
