/**
 * The integration tests' backend: a Lambda proxy integration that answers 200 with `{ ok: true, alias }`, where
 * `alias` is the qualifier API Gateway invoked (the alias a stage or its canary selected; `$LATEST` unqualified).
 */

/** The qualifier of an invoked function ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`). */
export function aliasOf(invokedFunctionArn: unknown): string {
  const parts = String(invokedFunctionArn ?? '').split(':');
  return parts.length === 8 && parts[7] ? parts[7] : '$LATEST';
}

export async function handler(_event: unknown, context?: { invokedFunctionArn?: string }) {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ok: true, alias: aliasOf(context?.invokedFunctionArn) }),
  };
}
