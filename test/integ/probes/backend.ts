/**
 * The integration tests' backend: a Lambda proxy integration that answers 200 with `{ ok: true, alias }`, where
 * `alias` is the qualifier API Gateway invoked (the alias a stage or its canary selected; `$LATEST` unqualified).
 * `?fail=<alias>` makes that alias answer 500 `{ ok: false, alias }` (a broken canary, for the rollback test).
 */

/** The qualifier of an invoked function ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`). */
export function aliasOf(invokedFunctionArn: unknown): string {
  const parts = String(invokedFunctionArn ?? '').split(':');
  return parts.length === 8 && parts[7] ? parts[7] : '$LATEST';
}

/** The proxy event's `fail` query parameter, when it is a string. */
function failing(event: unknown): string | undefined {
  const value = (event as { queryStringParameters?: Record<string, unknown> | null })?.queryStringParameters?.fail;
  return typeof value === 'string' ? value : undefined;
}

export async function handler(event: unknown, context?: { invokedFunctionArn?: string }) {
  const alias = aliasOf(context?.invokedFunctionArn);
  const ok = failing(event) !== alias;
  return {
    statusCode: ok ? 200 : 500,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ok, alias }),
  };
}
