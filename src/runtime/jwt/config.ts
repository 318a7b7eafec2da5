/**
 * Configuration of the bundled JWT authorizer: small values in environment variables set by the construct, and
 * the route-scope map in a file (see routes.ts; Lambda allows 4 KB of environment in total).
 *
 * | variable | format | default |
 * |---|---|---|
 * | `JWT_ISSUER` | https URL, the `iss` claim; a Cognito user pool issuer selects aws-jwt-verify's Cognito verifier | required |
 * | `JWT_AUDIENCE` | comma-separated `aud` values; for a Cognito issuer, app client ids (`client_id` of access tokens, `aud` of ID tokens) | required |
 * | `JWT_JWKS_URI` | https URL (not for Cognito issuers, whose JWKS is fixed) | `<issuer>/.well-known/jwks.json` |
 * | `JWT_REQUIRED_SCOPES` | space-separated scopes every token must carry | none |
 * | `JWT_TOKEN_USE` | comma-separated accepted token uses: `access`, `id` | `access` |
 * | `JWT_REQUIRE_TOKEN_USE` | `true`: tokens without a token-use mark (`token_use`, `typ: at+jwt`) are refused | `false` |
 * | `JWT_ROUTES_FILE` | path of the route-scope map (REST APIs) | absent: no route map (WebSocket `$connect`) |
 * | `JWT_TOKEN_HEADER` | header carrying the token | `Authorization` |
 * | `JWT_TOKEN_QUERY` | query-string parameter carrying the token (WebSocket `$connect`) | none |
 * | `JWT_USAGE_KEY_CLAIM` | claim naming the caller's customer; the policy carries that customer's API key as `usageIdentifierKey` (usage-key.ts) | none |
 * | `JWT_USAGE_KEY_TABLE` | the MonetizedApi customer table the claim is looked up in (with `JWT_USAGE_KEY_CLAIM`) | none |
 *
 * No CDK imports: this module runs inside Lambda.
 */
import { RouteConfigError, RouteScopes, parseRouteConfig } from './routes';
import { AcceptedTokenUse } from './token-use';

export interface JwtAuthorizerConfig {
  readonly issuer: string;
  readonly audience: string[];
  readonly jwksUri: string;
  /** The user pool id when the issuer is an Amazon Cognito user pool. */
  readonly cognitoUserPoolId?: string;
  readonly requiredScopes: string[];
  readonly tokenUse: ReadonlySet<AcceptedTokenUse>;
  readonly requireTokenUseMark: boolean;
  /** Route key (`METHOD /path`) to the scopes it needs; undefined when not configured. */
  readonly routeScopes?: RouteScopes;
  readonly tokenHeader: string;
  readonly tokenQuery?: string;
  /** Claim-to-key lookup (API key source AUTHORIZER); undefined when not configured. */
  readonly usageKey?: { readonly claim: string; readonly tableName: string };
}

/** A configuration error: the authorizer fails closed. */
export class JwtConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwtConfigError';
  }
}

/** Reads a file; the handler passes the file system, tests pass the cloud assembly. */
export type FileReader = (path: string) => string;

const HTTPS_URL = /^https:\/\/[^\s/?#]+(?:[/?#]\S*)?$/;
/** `https://cognito-idp.<region>.amazonaws.com/<userPoolId>` (and Cognito's `issuer-cognito-idp` form). */
export const COGNITO_ISSUER = /^https:\/\/(?:issuer-)?cognito-idp\.([a-z0-9-]+)\.amazonaws\.com\/(\1_[A-Za-z0-9]+)$/;

function words(value: string | undefined, separator: RegExp): string[] {
  return (value ?? '').split(separator).map((s) => s.trim()).filter(Boolean);
}

function tokenUses(value: string | undefined): ReadonlySet<AcceptedTokenUse> {
  const uses = words(value || 'access', /,/);
  if (uses.length === 0 || !uses.every((u) => u === 'access' || u === 'id')) throw new JwtConfigError('JWT_TOKEN_USE must list access and/or id');
  return new Set(uses as AcceptedTokenUse[]);
}

function routeScopes(path: string | undefined, readFile: FileReader | undefined): RouteScopes | undefined {
  if (!path) return undefined;
  if (!readFile) throw new JwtConfigError('JWT_ROUTES_FILE is set but no file reader was given');
  let text: string;
  try {
    text = readFile(path);
  } catch {
    throw new JwtConfigError('JWT_ROUTES_FILE cannot be read');
  }
  try {
    return parseRouteConfig(text);
  } catch (e) {
    throw new JwtConfigError(`JWT_ROUTES_FILE: ${e instanceof RouteConfigError ? e.message : 'invalid'}`);
  }
}

/** Reads and validates the configuration; throws JwtConfigError on anything invalid. */
export function parseConfig(env: Record<string, string | undefined>, readFile?: FileReader): JwtAuthorizerConfig {
  const issuer = env.JWT_ISSUER ?? '';
  if (!HTTPS_URL.test(issuer)) throw new JwtConfigError('JWT_ISSUER must be an https URL');
  const audience = words(env.JWT_AUDIENCE, /,/);
  if (audience.length === 0) throw new JwtConfigError('JWT_AUDIENCE must name at least one audience');
  const cognitoUserPoolId = COGNITO_ISSUER.exec(issuer)?.[2];
  const defaultJwks = `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
  const jwksUri = env.JWT_JWKS_URI || defaultJwks;
  if (!HTTPS_URL.test(jwksUri)) throw new JwtConfigError('JWT_JWKS_URI must be an https URL');
  if (cognitoUserPoolId && jwksUri !== defaultJwks) throw new JwtConfigError('JWT_JWKS_URI must not be set for a Cognito user pool issuer');
  const tokenHeader = env.JWT_TOKEN_HEADER || 'Authorization';
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/.test(tokenHeader)) throw new JwtConfigError('JWT_TOKEN_HEADER must be a header name');
  const tokenQuery = env.JWT_TOKEN_QUERY || undefined;
  if (tokenQuery !== undefined && !/^[A-Za-z0-9._~-]{1,128}$/.test(tokenQuery)) throw new JwtConfigError('JWT_TOKEN_QUERY must be a parameter name');
  const requireMark = env.JWT_REQUIRE_TOKEN_USE ?? 'false';
  if (requireMark !== 'true' && requireMark !== 'false') throw new JwtConfigError('JWT_REQUIRE_TOKEN_USE must be true or false');
  const usageKeyClaim = env.JWT_USAGE_KEY_CLAIM || undefined;
  const usageKeyTable = env.JWT_USAGE_KEY_TABLE || undefined;
  if ((usageKeyClaim === undefined) !== (usageKeyTable === undefined)) throw new JwtConfigError('JWT_USAGE_KEY_CLAIM and _TABLE go together');
  if (usageKeyClaim !== undefined && !/^[A-Za-z0-9_:.-]{1,128}$/.test(usageKeyClaim)) throw new JwtConfigError('JWT_USAGE_KEY_CLAIM must be a claim name');
  if (usageKeyTable !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(usageKeyTable)) throw new JwtConfigError('JWT_USAGE_KEY_TABLE must be a table name');
  return {
    issuer,
    audience,
    jwksUri,
    cognitoUserPoolId,
    requiredScopes: words(env.JWT_REQUIRED_SCOPES, /\s+/),
    tokenUse: tokenUses(env.JWT_TOKEN_USE),
    requireTokenUseMark: requireMark === 'true',
    routeScopes: routeScopes(env.JWT_ROUTES_FILE, readFile),
    tokenHeader,
    tokenQuery,
    usageKey: usageKeyClaim && usageKeyTable ? { claim: usageKeyClaim, tableName: usageKeyTable } : undefined,
  };
}
