/**
 * A small evaluator of the IAM policies API Gateway evaluates for Lambda authorizers (and of any identity-style
 * policy made only of Effect / Action / NotAction / Resource / NotResource). Test support: reused by the JWT
 * authorizer tests and by local API Gateway fronts. Never string-compare ARNs: evaluate them here.
 *
 * Semantics, with their AWS sources:
 * - API Gateway evaluates the authorizer's `policyDocument` as an IAM policy against the request's method ARN
 *   `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}` and action `execute-api:Invoke`; a
 *   denied request gets 403 (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html,
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html).
 * - `Action`, `Resource` (and `NotAction`, `NotResource`) are a string or a list of strings
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html). `Statement` is a statement
 *   or a list of them.
 * - Wildcards: `*` matches any combination of characters, zero or more, INCLUDING `/` (and, at the end of a
 *   segment, past `:` boundaries); `?` matches exactly one character
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html, "Using
 *   wildcards in resource ARNs": an `s3:::bucket/*\/test/*` resource matches `bucket/1/2/test/3/object.jpg`).
 *   This evaluator lets `*` cross `:` everywhere, the wider (safer for a security test) reading.
 * - Action names are case-insensitive; resource ARNs are case-sensitive
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
 * - An explicit Deny in any matching statement wins over every Allow; without a matching Allow the request is
 *   implicitly denied (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 *
 * Elements this evaluator cannot judge without a request context (`Condition`, `Principal`, `NotPrincipal`) make
 * it throw, so a test never passes on a silently ignored element.
 */

/** The outcome of evaluating a policy for one request. */
export type Decision = 'Allow' | 'Deny' | 'ImplicitDeny';

/** A policy statement as API Gateway accepts it from an authorizer. */
export interface PolicyStatement {
  readonly Effect: string;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly [other: string]: unknown;
}

/** A policy document: one statement or a list. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatement | readonly PolicyStatement[];
}

const UNSUPPORTED = ['Condition', 'Principal', 'NotPrincipal'];
const compiled = new Map<string, RegExp>();

/** The regular expression of an IAM wildcard pattern (`*` any sequence, `?` one character, the rest literal). */
export function wildcardRegExp(pattern: string, caseInsensitive: boolean = false): RegExp {
  const cacheKey = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let re = compiled.get(cacheKey);
  if (!re) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, caseInsensitive ? 'i' : '');
    compiled.set(cacheKey, re);
  }
  return re;
}

/** True when `value` matches the IAM wildcard `pattern`. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive: boolean = false): boolean {
  return wildcardRegExp(pattern, caseInsensitive).test(value);
}

function list(value: string | readonly string[] | undefined, element: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const values = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string')) {
    throw new Error(`policy ${element} must be a string or a non-empty list of strings: ${JSON.stringify(value)}`);
  }
  return values;
}

/** Whether one element pair (X / NotX) of a statement covers `value`. */
function covers(statement: PolicyStatement, element: 'Action' | 'Resource', value: string, caseInsensitive: boolean): boolean {
  const positive = list(statement[element], element);
  const negative = list(statement[`Not${element}`], `Not${element}`);
  if ((positive === undefined) === (negative === undefined)) {
    throw new Error(`a statement needs exactly one of ${element} and Not${element}: ${JSON.stringify(statement)}`);
  }
  if (positive) return positive.some((p) => wildcardMatch(p, value, caseInsensitive));
  return !negative!.some((p) => wildcardMatch(p, value, caseInsensitive));
}

/** The statements of a document, validated. */
export function statementsOf(policy: PolicyDocument): readonly PolicyStatement[] {
  if (!policy || typeof policy !== 'object' || policy.Statement === undefined) throw new Error('policy document without Statement');
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement as PolicyStatement];
  for (const s of statements) {
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new Error(`statement Effect must be Allow or Deny: ${JSON.stringify(s.Effect)}`);
    for (const element of UNSUPPORTED) {
      if (element in s) throw new Error(`this evaluator does not judge ${element}: ${JSON.stringify(s)}`);
    }
  }
  return statements;
}

/**
 * Evaluates `policy` for `action` on `resource`: `'Deny'` when a matching statement denies (explicit deny wins),
 * else `'Allow'` when one allows, else `'ImplicitDeny'`.
 */
export function evaluate(policy: PolicyDocument, action: string, resource: string): Decision {
  let allowed = false;
  for (const s of statementsOf(policy)) {
    if (!covers(s, 'Action', action, true) || !covers(s, 'Resource', resource, false)) continue;
    if (s.Effect === 'Deny') return 'Deny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}
