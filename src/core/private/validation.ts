/**
 * Synth-time checks of the service facts in LIMITS.md.
 *
 * Every check skips values that are unresolved tokens (they are only known at deploy time) and throws a
 * `PropValidationError` whose message names the construct path, the prop, the bad value and what is allowed:
 *
 *   `Stack/Api: invalid cacheTtl 4000 seconds: must be between 0 and 3600 seconds`
 *
 * Internal: never exported from the package.
 */
import { Annotations, Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Prefix of every warning id this library emits; users acknowledge `cdk-apigateway-patterns:<id>`. */
export const WARNING_PREFIX = 'cdk-apigateway-patterns';

/** The error every synth-time check throws. */
export class PropValidationError extends Error {
  constructor(
    public readonly constructPath: string,
    public readonly prop: string,
    public readonly value: unknown,
    public readonly allowed: string,
  ) {
    super(`${constructPath}: invalid ${prop} ${describeValue(value)}: ${allowed}`);
    this.name = 'PropValidationError';
  }
}

/** Renders a bad value for an error message, short and unambiguous. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    const s = value.length > 120 ? `${value.slice(0, 117)}...` : value;
    return JSON.stringify(s);
  }
  if (value instanceof Duration) {
    return (value as Duration).toHumanString();
  }
  try {
    const s = JSON.stringify(value);
    if (s === undefined) return String(value);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  } catch {
    return String(value);
  }
}

/** Throws the library's validation error for `scope`'s prop. */
export function fail(scope: IConstruct, prop: string, value: unknown, allowed: string): never {
  throw new PropValidationError(scope.node.path, prop, value, allowed);
}

/** True when the value (string, number, list or object) contains an unresolved token anywhere. */
export function isUnresolved(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string' || typeof value === 'number') return Token.isUnresolved(value);
  if (Array.isArray(value)) return Token.isUnresolved(value) || value.some(isUnresolved);
  return Token.isUnresolved(value);
}

/** A number in [min, max] (inclusive); optionally an integer. */
export function checkRange(
  scope: IConstruct,
  prop: string,
  value: number | undefined,
  range: { readonly min?: number; readonly max?: number; readonly integer?: boolean; readonly unit?: string },
): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  const unit = range.unit ? ` ${range.unit}` : '';
  const kind = range.integer ? 'an integer' : 'a number';
  let allowed: string;
  if (range.min !== undefined && range.max !== undefined) {
    allowed = `must be ${kind} between ${range.min} and ${range.max}${unit}`;
  } else if (range.min !== undefined) {
    allowed = `must be ${kind} >= ${range.min}${unit}`;
  } else if (range.max !== undefined) {
    allowed = `must be ${kind} <= ${range.max}${unit}`;
  } else {
    allowed = `must be ${kind}`;
  }
  if (typeof value !== 'number' || Number.isNaN(value) || !Number.isFinite(value)) fail(scope, prop, value, allowed);
  if (range.integer && !Number.isInteger(value)) fail(scope, prop, value, allowed);
  if (range.min !== undefined && value < range.min) fail(scope, prop, value, allowed);
  if (range.max !== undefined && value > range.max) fail(scope, prop, value, allowed);
}

/** A Duration in [minSeconds, maxSeconds]; fractional seconds are rejected when `wholeSeconds`. */
export function checkDuration(
  scope: IConstruct,
  prop: string,
  value: Duration | undefined,
  range: { readonly minSeconds: number; readonly maxSeconds: number },
): void {
  if (value === undefined || value.isUnresolved()) return;
  const allowed = `must be between ${range.minSeconds} and ${range.maxSeconds} seconds`;
  let seconds: number;
  try {
    seconds = value.toMilliseconds() / 1000;
  } catch {
    fail(scope, prop, value, allowed);
  }
  if (seconds < range.minSeconds || seconds > range.maxSeconds) fail(scope, prop, value, allowed);
}

/** One of a fixed list of values. */
export function checkOneOf<T>(scope: IConstruct, prop: string, value: T | undefined, allowedValues: readonly T[]): void {
  if (value === undefined || isUnresolved(value)) return;
  if (!allowedValues.includes(value)) {
    fail(scope, prop, value, `must be one of ${allowedValues.map((v) => describeValue(v)).join(', ')}`);
  }
}

/** A string matching `pattern`; `description` says in words what is allowed. */
export function checkPattern(
  scope: IConstruct,
  prop: string,
  value: string | undefined,
  pattern: RegExp,
  description: string,
): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (typeof value !== 'string' || !pattern.test(value)) fail(scope, prop, value, description);
}

/** A string of length in [min, max]. */
export function checkLength(
  scope: IConstruct,
  prop: string,
  value: string | undefined,
  range: { readonly min: number; readonly max: number },
): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (typeof value !== 'string' || value.length < range.min || value.length > range.max) {
    fail(scope, prop, value, `must be a string of ${range.min} to ${range.max} characters`);
  }
}

/** A list whose length is in [min, max]. */
export function checkCount(
  scope: IConstruct,
  prop: string,
  values: readonly unknown[] | undefined,
  range: { readonly min?: number; readonly max?: number },
): void {
  if (values === undefined || Token.isUnresolved(values)) return;
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (values.length < min || values.length > max) {
    const allowed =
      range.max === undefined ? `must have at least ${min} item(s)` : `must have between ${min} and ${max} item(s)`;
    fail(scope, prop, `${values.length} item(s)`, allowed);
  }
}

/** No value appears twice in the list. */
export function checkUnique(scope: IConstruct, prop: string, values: readonly string[] | undefined): void {
  if (values === undefined) return;
  const seen = new Set<string>();
  for (const v of values) {
    if (Token.isUnresolved(v)) continue;
    if (seen.has(v)) fail(scope, prop, v, 'must not contain duplicates');
    seen.add(v);
  }
}

/**
 * Adds a warning users can acknowledge with
 * `Validations.of(scope).acknowledge({ id: 'cdk-apigateway-patterns:<id>', reason })`.
 */
export function warn(scope: IConstruct, id: string, message: string): void {
  Annotations.of(scope).addWarningV2(`${WARNING_PREFIX}:${id}`, `${message} [${WARNING_PREFIX}:${id}]`);
}
