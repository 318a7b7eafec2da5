/**
 * Configuration of the bundled JWT authorizer, read from environment variables set by the construct.
 *
 * | variable | format | default |
 * |---|---|---|
 * | `JWT_ISSUER` | https URL, the `iss` claim | required |
 * | `JWT_AUDIENCE` | comma-separated audiences (`aud`, or `client_id` of access tokens) | required |
 * | `JWT_JWKS_URI` | https URL | `<issuer>/.well-known/jwks.json` |
 * | `JWT_REQUIRED_SCOPES` | space-separated scopes every token must carry | none |
 * | `JWT_ROUTE_SCOPES` | JSON `{ "GET /orders/{id}": ["orders:read"], ... }`: every route of this authorizer and the scopes it needs | absent: only the called method is allowed |
 * | `JWT_TOKEN_HEADER` | header carrying the token in REQUEST / WebSocket events | `Authorization` |
 * | `JWT_TOKEN_QUERY` | query-string parameter carrying the token in REQUEST / WebSocket events | none |
 *
 * No CDK imports: this module runs inside Lambda.
 */

export interface JwtAuthorizerConfig {
  readonly issuer: string;
  readonly audience: string[];
  readonly jwksUri: string;
  readonly requiredScopes: string[];
  /** Route key (`METHOD /path`) to the scopes it needs; undefined when not configured. */
  readonly routeScopes?: Record<string, string[]>;
  readonly tokenHeader: string;
  readonly tokenQuery?: string;
}

/** A configuration error: the authorizer fails closed. */
export class JwtConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwtConfigError';
  }
}

const HTTPS_URL = /^https:\/\/[^\s/?#]+(?:[/?#]\S*)?$/;
const ROUTE_KEY = /^(?:ANY|GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS) \/\S*$/;

function words(value: string | undefined, separator: RegExp): string[] {
  return (value ?? '').split(separator).map((s) => s.trim()).filter(Boolean);
}

/** Reads and validates the configuration; throws JwtConfigError on anything invalid. */
export function parseConfig(env: Record<string, string | undefined>): JwtAuthorizerConfig {
  const issuer = env.JWT_ISSUER ?? '';
  if (!HTTPS_URL.test(issuer)) throw new JwtConfigError('JWT_ISSUER must be an https URL');
  const audience = words(env.JWT_AUDIENCE, /,/);
  if (audience.length === 0) throw new JwtConfigError('JWT_AUDIENCE must name at least one audience');
  const jwksUri = env.JWT_JWKS_URI || `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
  if (!HTTPS_URL.test(jwksUri)) throw new JwtConfigError('JWT_JWKS_URI must be an https URL');
  const tokenHeader = env.JWT_TOKEN_HEADER || 'Authorization';
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/.test(tokenHeader)) throw new JwtConfigError('JWT_TOKEN_HEADER must be a header name');
  const tokenQuery = env.JWT_TOKEN_QUERY || undefined;
  if (tokenQuery !== undefined && !/^[A-Za-z0-9._~-]{1,128}$/.test(tokenQuery)) throw new JwtConfigError('JWT_TOKEN_QUERY must be a parameter name');
  return {
    issuer,
    audience,
    jwksUri,
    requiredScopes: words(env.JWT_REQUIRED_SCOPES, /\s+/),
    routeScopes: env.JWT_ROUTE_SCOPES ? parseRouteScopes(env.JWT_ROUTE_SCOPES) : undefined,
    tokenHeader,
    tokenQuery,
  };
}

function parseRouteScopes(text: string): Record<string, string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new JwtConfigError('JWT_ROUTE_SCOPES must be JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new JwtConfigError('JWT_ROUTE_SCOPES must be a JSON object');
  const out: Record<string, string[]> = Object.create(null);
  for (const [key, scopes] of Object.entries(parsed as Record<string, unknown>)) {
    if (!ROUTE_KEY.test(key)) throw new JwtConfigError('JWT_ROUTE_SCOPES keys must be "METHOD /path"');
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && s.length > 0)) {
      throw new JwtConfigError('JWT_ROUTE_SCOPES values must be arrays of scope strings');
    }
    out[key] = scopes as string[];
  }
  return out;
}
