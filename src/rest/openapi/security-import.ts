/**
 * OpenAPI security requirements -> a route's authorization, scopes and API-key requirement.
 *
 * OpenAPI lists alternative requirements (any one suffices), each a set of schemes that must all pass; API Gateway
 * runs one authorizer per method, optionally with an API key (https://spec.openapis.org/oas/v3.1.0#security-requirement-object,
 * https://docs.aws.amazon.com/apigateway/latest/api/API_Method.html). The rule, documented in the README:
 * - no `security` (and none at the top): the API's default authorization; `security: []`: none; `{}`: anonymous.
 * - a requirement can be served when each of its schemes maps to an authorization (`authorizations`, or implicitly
 *   the export's scheme names for the default and `sigv4`/`x-amazon-apigateway-authtype: awsSigv4` for IAM) or to
 *   API Gateway's API key (a `type: apiKey` scheme in the `x-api-key` header, or one named in `apiKeySchemes`), with
 *   at most one authorization and one API key. A key alone means `none()` + `apiKeyRequired`.
 * - of alternatives, the first that can be served wins, in the order of `preferredSchemes`, then of the document,
 *   with the warning `OpenApiAlternativeSecurity`; alternatives of one Cognito scheme with one scope each are
 *   Cognito's own any-of scopes (how the export writes them), without a warning.
 * - scopes are all-of in OpenAPI: kept for JWT (which checks all), refused for Cognito when more than one (Cognito
 *   accepts any one of a method's scopes: "The method invocation is authorized if any method scopes matches a claimed
 *   scope in the access token", https://docs.aws.amazon.com/apigateway/latest/api/API_Method.html, which would widen
 *   access), dropped with the warning
 *   `OpenApiScopesNotEnforced` for kinds API Gateway checks no scopes for (Lambda authorizers, IAM).
 * Internal to the OpenAPI import.
 */
import { SCHEME_NAMES, defaultScopes } from './names';
import { isObject } from './pointer';
import { ApiAuthorization, AuthorizationKind } from '../../core/authorization';
import { binderOf } from '../authorizers';

/** What the mapping needs. */
export interface SecurityContext {
  readonly schemes: Record<string, any>;
  readonly authorizations: Record<string, ApiAuthorization>;
  readonly apiKeySchemes: readonly string[];
  readonly preferredSchemes: readonly string[];
  readonly defaultAuthorization: ApiAuthorization;
  readonly iam: ApiAuthorization;
  readonly fail: (prop: string, value: unknown, allowed: string) => never;
  readonly note: (id: string, item: string) => void;
}

/** A route's security, as RouteOptions spell it (undefined: the API's default). */
export interface RouteSecurity {
  readonly authorization?: ApiAuthorization;
  readonly scopes?: string[];
  readonly apiKeyRequired?: boolean;
}

interface Served {
  readonly authorization: ApiAuthorization;
  readonly scheme?: string;
  readonly scopes: string[];
  readonly apiKey: boolean;
  readonly names: string[];
  /** Merged from alternatives: any one of the scopes suffices. */
  readonly anyOf?: boolean;
}

/** The API-key header API Gateway reads (apiKeySource HEADER). */
const API_KEY_HEADER = 'x-api-key';

/** Maps an operation's effective `security` (its own, else the document's). */
export function securityOf(security: unknown, where: string, ctx: SecurityContext): RouteSecurity {
  if (security === undefined) return {};
  if (!Array.isArray(security) || !security.every(isObject)) ctx.fail(`${where} security`, security, 'must be a list of security requirement objects');
  if (security.length === 0) return { authorization: ApiAuthorization.none() };
  const results = security.map((requirement) => serve(requirement, where, ctx));
  const served = results.filter((r): r is Served => typeof r !== 'string');
  if (served.length === 0) {
    ctx.fail(`${where} security`, security, `no requirement can be served: ${results.join('; ')}`);
  }
  const merged = cognitoAnyOf(served, security.length);
  const chosen = merged ?? choose(served, ctx.preferredSchemes);
  if (!merged && security.length > 1) {
    ctx.note('OpenApiAlternativeSecurity', `${where}: ${JSON.stringify(chosen.names)} of ${JSON.stringify(security.map((r) => Object.keys(r)))}`);
  }
  return routeSecurity(chosen, where, ctx);
}

/** One requirement: served, or why not. */
function serve(requirement: Record<string, unknown>, where: string, ctx: SecurityContext): Served | string {
  let authorization: ApiAuthorization | undefined;
  let scheme: string | undefined;
  let scopes: string[] = [];
  let apiKeys = 0;
  const names = Object.keys(requirement);
  for (const [name, requested] of Object.entries(requirement)) {
    const definition = ctx.schemes[name];
    if (!isObject(definition)) ctx.fail(`${where} security`, name, 'names a scheme components.securitySchemes does not define');
    if (!Array.isArray(requested) || !requested.every((s) => typeof s === 'string')) ctx.fail(`${where} security ${name}`, requested, 'must be a list of scopes');
    const mapped = ctx.authorizations[name] ?? implicitAuthorization(name, definition, ctx);
    if (!mapped && isApiKey(name, definition, ctx)) {
      apiKeys++;
      continue;
    }
    if (!mapped) {
      const hint = definition.type === 'apiKey' ? 'authorizations or apiKeySchemes' : 'authorizations';
      return `${JSON.stringify(names)}: scheme ${name} (${definition.type}) is not mapped (add it to ${hint})`;
    }
    if (authorization) return `${JSON.stringify(names)}: combines two authorizations (${scheme} and ${name}) and API Gateway applies one authorizer per method`;
    authorization = mapped;
    scheme = name;
    scopes = requested;
  }
  if (apiKeys > 1) return `${JSON.stringify(names)}: requires ${apiKeys} API keys and API Gateway checks one`;
  return { authorization: authorization ?? ApiAuthorization.none(), scheme, scopes, apiKey: apiKeys === 1, names };
}

/** The export's own scheme names, and IAM as API Gateway's extension marks it. */
function implicitAuthorization(name: string, definition: Record<string, any>, ctx: SecurityContext): ApiAuthorization | undefined {
  const def = ctx.defaultAuthorization;
  if (def.kind !== AuthorizationKind.NONE && name === SCHEME_NAMES[def.kind]) return def;
  if (name === SCHEME_NAMES[AuthorizationKind.IAM] || definition['x-amazon-apigateway-authtype'] === 'awsSigv4') return ctx.iam;
  return undefined;
}

/** Whether a scheme means API Gateway's API key. */
function isApiKey(name: string, definition: Record<string, any>, ctx: SecurityContext): boolean {
  if (ctx.apiKeySchemes.includes(name)) {
    if (definition.type !== 'apiKey') ctx.fail(`openApi apiKeySchemes ${name}`, definition.type, 'must name schemes of type apiKey');
    if (definition.in !== 'header' || String(definition.name).toLowerCase() !== API_KEY_HEADER) {
      ctx.note('OpenApiApiKeyHeader', `${name} (${definition.in} ${definition.name})`);
    }
    return true;
  }
  return definition.type === 'apiKey' && definition.in === 'header' && String(definition.name).toLowerCase() === API_KEY_HEADER;
}

/** Alternatives that differ only by one Cognito scope each: Cognito's any-of scopes (the export's spelling). */
function cognitoAnyOf(served: Served[], alternatives: number): Served | undefined {
  if (served.length < 2 || served.length !== alternatives) return undefined;
  const [first] = served;
  if (first.authorization.kind !== AuthorizationKind.COGNITO) return undefined;
  const same = served.every((s) => s.authorization === first.authorization && s.apiKey === first.apiKey && s.scopes.length <= 1);
  if (!same) return undefined;
  // any of (a, no scope at all) is any token
  const scopes = served.some((s) => s.scopes.length === 0) ? [] : [...new Set(served.flatMap((s) => s.scopes))];
  return { ...first, scopes, names: [...new Set(served.flatMap((s) => s.names))], anyOf: true };
}

function choose(served: Served[], preferred: readonly string[]): Served {
  for (const name of preferred) {
    const match = served.find((s) => s.names.includes(name));
    if (match) return match;
  }
  return served[0];
}

function routeSecurity(chosen: Served, where: string, ctx: SecurityContext): RouteSecurity {
  const auth = chosen.authorization;
  let scopes = chosen.scopes;
  const scopeKind = binderOf(auth).routeScopes;
  if (scopes.length && scopeKind === 'none') {
    ctx.note('OpenApiScopesNotEnforced', `${where}: ${chosen.scheme} ${JSON.stringify(scopes)} (${auth.kind})`);
    scopes = [];
  }
  if (auth.kind === AuthorizationKind.COGNITO && scopes.length > 1 && !chosen.anyOf) {
    ctx.fail(`${where} security ${chosen.scheme}`, scopes, 'asks for all of these scopes, and a Cognito authorizer accepts a token with any one of them (wider access): '
      + 'map the scheme to ApiAuthorization.jwt(...), which checks all of them, or list the scopes as alternative requirements');
  }
  const isDefault = auth === ctx.defaultAuthorization;
  const inherited = isDefault ? defaultScopes(auth) ?? [] : [];
  return {
    authorization: isDefault ? undefined : auth,
    scopes: scopes.length && JSON.stringify(scopes) !== JSON.stringify(inherited) ? scopes : undefined,
    apiKeyRequired: chosen.apiKey || undefined,
  };
}
