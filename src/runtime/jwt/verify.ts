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
  // Three non-empty segments; aws-jwt-verify then checks their base64url alphabet, JSON and signature.
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1] || !parts[2] || !/^[A-Za-z0-9_-]+$/.test(parts[1])) throw new TokenRejected('MalformedToken');
  // aws-jwt-verify parses header and payload itself (and strips prototype keys, which it would silently accept):
  // a token whose claims carry such keys is refused outright. The header's fields are never used here.
  const payload = Buffer.from(parts[1], 'base64url').toString('utf8');
  if (hasForbiddenKey(payload)) throw new TokenRejected('ForbiddenClaimName');
}

/** A verifier for the configuration; pass a JWKS cache to control fetching (tests). */
export function createVerifier(config: JwtAuthorizerConfig, jwksCache?: JwksCache) {
  return JwtVerifier.create(
    {
      issuer: config.issuer,
      audience: config.audience,
      jwksUri: config.jwksUri,
      // Required scopes are checked by the caller, which needs the token's scopes anyway (authorize.ts).
      customJwtCheck: ({ payload }) => {
        if (typeof payload.exp !== 'number') throw new TokenRejected('MissingExp');
      },
    },
    jwksCache ? { jwksCache } : undefined,
  );
}

export type Verifier = ReturnType<typeof createVerifier>;

/** The short, loggable reason for a verification error (its class name). */
export function rejectionReason(e: unknown): string {
  if (e instanceof TokenRejected) return e.reason;
  const name = e instanceof Error ? e.constructor.name || e.name : 'UnknownError';
  return /^[A-Za-z]{1,64}$/.test(name) ? name : 'VerificationFailed';
}

/**
 * Verifies the token; resolves to its payload or rejects (see rejectionReason). Returns aws-jwt-verify's own
 * promise, without another async layer, on the hot path.
 */
export function verifyToken(verifier: Verifier, token: string): Promise<JwtPayload> {
  try {
    precheck(token);
  } catch (e) {
    return Promise.reject(e);
  }
  return verifier.verify(token as never) as Promise<JwtPayload>;
}
