/**
 * The compliance harness runs a Control Tower guard rule only on the templates holding a resource type the rule
 * names (test/support/compliance.ts, relevantGuardRules). That is sound only while every rule selects the resources
 * it checks by such a type: this holds every rule file shipped by @cdklabs/cdk-validator-cfnguard to it, so a rules
 * update that selects resources another way fails here instead of silently checking less.
 * Guard's query syntax: https://docs.aws.amazon.com/cfn-guard/latest/ug/query-and-filtering.html
 */
import { guardRuleFiles, typeLiterals } from '../support/compliance';

/** The variables a rule file binds to a resource type literal: `let S3_BUCKET_TYPE = "AWS::S3::Bucket"`. */
function typeVariables(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^\s*let\s+([A-Za-z0-9_]+)\s*=\s*["'](AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)["']/gm)].map((m) => [m[1], m[2]]));
}

/** What a rule's top-level resource selections filter on that is not a type it names (empty when sound). */
function untypedSelections(file: { text: string; types: readonly string[] }): string[] {
  const vars = typeVariables(file.text);
  const problems: string[] = [];
  // A selection of every resource without a filter (`Resources.*.Properties`, `Resources.*` alone).
  for (const m of file.text.matchAll(/\bResources\.\*(?!\s*\[)/g)) problems.push(`unfiltered: ${file.text.slice(m.index!, m.index! + 40)}`);
  for (const m of file.text.matchAll(/\bResources\.\*\s*\[([^\]]*)\]/g)) {
    for (const term of m[1].split(/\bor\b/).map((t) => t.trim().replace(/\s+/g, ' '))) {
      const variable = /^Type == %([A-Za-z0-9_]+)$/.exec(term)?.[1];
      const literal = /^Type == ["'](AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)["']$/.exec(term)?.[1];
      const type = literal ?? (variable ? vars.get(variable) : undefined);
      if (!type || !file.types.includes(type)) problems.push(`filter "${term}"`);
    }
  }
  return problems;
}

test('the rule set is there to check (a moved rules folder would make every guard run a no-op)', () => {
  expect(guardRuleFiles().length).toBeGreaterThan(200);
  expect(guardRuleFiles().every((r) => r.types.length > 0)).toBe(true);
});

test('every Control Tower rule selects the resources it checks by a resource type it names', () => {
  const unsound = guardRuleFiles().flatMap((r) => untypedSelections(r).map((p) => `${r.file.split('/cfn-guard/')[1]}: ${p}`));
  expect(unsound).toEqual([]);
});

describe('the soundness check itself', () => {
  const rule = (text: string) => ({ text, types: typeLiterals(text) });

  test('reads type literals in both quote styles', () => {
    const text = ['let A = "AWS::S3::Bucket"', 'let B = \'AWS::AutoScaling::LaunchConfiguration\'', '# AWS::Not::Quoted'].join('\n');
    expect(typeLiterals(text)).toEqual(['AWS::S3::Bucket', 'AWS::AutoScaling::LaunchConfiguration']);
  });

  test('accepts selections by type variables and literals, alone or joined with or', () => {
    expect(untypedSelections(rule(`let B = "AWS::S3::Bucket"\nlet R = "AWS::IAM::Role"\nlet x = Resources.*[ Type == %B ]
let y = Resources.*[\n  Type == %B or\n  Type == %R\n]\nlet z = Resources.*[ Type == "AWS::S3::Bucket" ]`))).toEqual([]);
  });

  test('reports a selection of every resource, a filter on something else, and an unbound variable', () => {
    expect(untypedSelections(rule('let all = Resources.*\nlet p = Resources.*.Properties'))).toHaveLength(2);
    expect(untypedSelections(rule('let B = "AWS::S3::Bucket"\nlet t = Resources.*[ Properties.Tags exists ]'))).toEqual(['filter "Properties.Tags exists"']);
    expect(untypedSelections(rule('let x = Resources.*[ Type == %UNBOUND ]'))).toEqual(['filter "Type == %UNBOUND"']);
  });
});
