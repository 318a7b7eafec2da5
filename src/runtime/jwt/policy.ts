/**
 * Builds the authorizer's IAM policy. API Gateway caches the policy per token for every route of the
 * authorizer, so the policy lists exactly the routes the token's scopes allow: a cached Allow never grants a
 * route the caller may not use. No CDK imports: this module runs inside Lambda.
 */

export interface AuthorizerPolicy {
  readonly principalId: string;
  readonly policyDocument: {
    readonly Version: '2012-10-17';
    readonly Statement: Array<{ readonly Action: 'execute-api:Invoke'; readonly Effect: 'Allow' | 'Deny'; readonly Resource: string[] }>;
  };
  readonly context?: Record<string, string>;
}

/** Splits `arn:aws:execute-api:region:account:apiId/stage/METHOD/path` into its ARN prefix, api id and stage. */
export function parseMethodArn(methodArn: string): { readonly prefix: string; readonly apiId: string; readonly stage: string } | undefined {
  const m = /^(arn:[a-z-]+:execute-api:[a-z0-9-]+:\d{12}):([A-Za-z0-9]+)\/([^/]+)\/.+$/.exec(methodArn);
  if (!m) return undefined;
  return { prefix: m[1], apiId: m[2], stage: m[3] };
}

/** `GET /orders/{id}` -> `GET/orders/*`; `ANY` becomes `*`. */
export function routeResource(routeKey: string): string {
  const [method, path] = routeKey.split(' ', 2);
  const resourcePath = path
    .split('/')
    .map((s) => (s.startsWith('{') ? '*' : s))
    .join('/');
  return `${method === 'ANY' ? '*' : method}${resourcePath === '/' ? '/' : resourcePath}`;
}

/** Route resources and their scopes, computed once per configuration (the hot path only filters). */
const compiled = new WeakMap<Record<string, string[]>, Array<readonly [string, string[]]>>();

function compile(routeScopes: Record<string, string[]>): Array<readonly [string, string[]]> {
  let entries = compiled.get(routeScopes);
  if (!entries) {
    entries = Object.entries(routeScopes).map(([key, needed]) => [routeResource(key), needed] as const);
    compiled.set(routeScopes, entries);
  }
  return entries;
}

/** The resources the token may invoke: routes whose scopes it holds, or only the called method. */
export function allowedResources(
  methodArn: string,
  tokenScopes: ReadonlySet<string>,
  routeScopes: Record<string, string[]> | undefined,
  parsedArn?: ReturnType<typeof parseMethodArn>,
): string[] {
  const parsed = parsedArn ?? parseMethodArn(methodArn);
  if (!parsed || !routeScopes) return parsed ? [methodArn] : [];
  const base = `${parsed.prefix}:${parsed.apiId}/${parsed.stage}/`;
  const out: string[] = [];
  for (const [resource, needed] of compile(routeScopes)) {
    if (needed.every((s) => tokenScopes.has(s))) out.push(base + resource);
  }
  return out;
}

export function allowPolicy(principalId: string, resources: string[], context: Record<string, string>): AuthorizerPolicy {
  if (resources.length === 0) return denyPolicy(principalId);
  return {
    principalId,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resources }] },
    context,
  };
}

export function denyPolicy(principalId: string, resource: string = '*'): AuthorizerPolicy {
  return {
    principalId,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [resource] }] },
  };
}
