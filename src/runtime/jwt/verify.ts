/**
 * Verifies a JWT with aws-jwt-verify (RS256/ES256 signature from the issuer's JWKS, issuer, audience, expiry,
 * not-before) plus the checks it leaves to us: `exp` required, all required scopes, a size bound, and no
 * prototype-polluting claim names. No CDK imports: this module runs inside Lambda.
 */
import type { JwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import { JwtAuthorizerConfig } from './config';
import { MAX_TOKEN_BYTES } from './token';

/** A token that must be refused; `reason` is a short class name, safe to log. */
export class TokenRejected extends Error {
  constructor(public readonly reason: string) {
    super(reason);
    this.name = 'TokenRejected';
  }
}

/** A JSON member named like a prototype key (escaped forms included, since JSON allows `\u005f`). */
const FORBIDDEN_KEY = /"(?:__proto__|constructor|prototype)"\s*:|\\u00/i;

/** Scopes of a token: the space-separated `scope` claim or the `scp` array. */
export function tokenScopes(payload: JwtPayload): Set<string> {
  const scopes = new Set<string>();
  const scope = (payload as Record<string, unknown>).scope;
  if (typeof scope === 'string') scope.split(/\s+/).filter(Boolean).forEach((s) => scopes.add(s));
  const scp = (payload as Record<string, unknown>).scp;
  if (Array.isArray(scp)) scp.filter((s): s is string => typeof s === 'string').forEach((s) => scopes.add(s));
  return scopes;
}

function hasForbiddenKey(json: string): boolean {
  return FORBIDDEN_KEY.test(json);
}

/** Structural checks before any cryptography. */
export function precheck(token: string): void {
  if (Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES) throw new TokenRejected('TokenTooLarge');
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) throw new TokenRejected('MalformedToken');
  // aws-jwt-verify parses header and payload itself; here only a cheap scan of the decoded text.
  const header = Buffer.from(parts[0], 'base64url').toString('utf8');
  const payload = Buffer.from(parts[1], 'base64url').toString('utf8');
  if (hasForbiddenKey(header) || hasForbiddenKey(payload)) throw new TokenRejected('ForbiddenClaimName');
}

/** A verifier for the configuration; pass a JWKS cache to control fetching (tests). */
export function createVerifier(config: JwtAuthorizerConfig, jwksCache?: JwksCache) {
  return JwtVerifier.create(
    {
      issuer: config.issuer,
      audience: config.audience,
      jwksUri: config.jwksUri,
      customJwtCheck: ({ payload }) => {
        if (typeof payload.exp !== 'number') throw new TokenRejected('MissingExp');
        const scopes = tokenScopes(payload);
        if (!config.requiredScopes.every((s) => scopes.has(s))) throw new TokenRejected('MissingScope');
      },
    },
    jwksCache ? { jwksCache } : undefined,
  );
}

export type Verifier = ReturnType<typeof createVerifier>;

/** Verifies the token; resolves to its payload or rejects with TokenRejected (reason = error class name). */
export async function verifyToken(verifier: Verifier, token: string): Promise<JwtPayload> {
  precheck(token);
  try {
    return (await verifier.verify(token as never)) as JwtPayload;
  } catch (e) {
    if (e instanceof TokenRejected) throw e;
    const name = e instanceof Error ? e.constructor.name || e.name : 'UnknownError';
    throw new TokenRejected(/^[A-Za-z]{1,64}$/.test(name) ? name : 'VerificationFailed');
  }
}
