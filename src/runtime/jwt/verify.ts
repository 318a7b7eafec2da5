/**
 * Verifies a JWT with aws-jwt-verify (RS256/ES256 signature from the issuer's JWKS, issuer, audience, expiry,
 * not-before) plus the checks it leaves to us: `exp` required, `iat` not in the future, the token's use, a size
 * bound and no prototype-polluting claim names. For an Amazon Cognito user pool issuer it uses aws-jwt-verify's
 * CognitoJwtVerifier, which checks `token_use` and takes the audience as the app client ids (`client_id` of access
 * tokens, `aud` of ID tokens). No CDK imports: this module runs inside Lambda.
 */
import { CognitoJwtVerifier } from 'aws-jwt-verify/cognito-verifier';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import { JwtAuthorizerConfig } from './config';
import { TokenRejected } from './reasons';
import { MAX_TOKEN_BYTES } from './token';
import { acceptsTokenKind, tokenKind } from './token-use';

/** How far in the future `iat` may lie (clock skew between the issuer and Lambda), in seconds. */
export const IAT_SKEW_SECONDS = 60;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Scopes of a token: the space-separated `scope` claim or the `scp` array. */
export function tokenScopes(payload: JwtPayload): Set<string> {
  const scopes = new Set<string>();
  const scope = (payload as Record<string, unknown>).scope;
  if (typeof scope === 'string') scope.split(/\s+/).filter(Boolean).forEach((s) => scopes.add(s));
  const scp = (payload as Record<string, unknown>).scp;
  if (Array.isArray(scp)) scp.filter((s): s is string => typeof s === 'string').forEach((s) => scopes.add(s));
  return scopes;
}

/**
 * True when the JSON value has, at any depth, an own member named like a prototype key. Run on the PARSED
 * value, so escaped spellings (`"\u005f_proto__"`) are caught and escaped non-ASCII (`"Jos\u00e9"`) is not
 * mistaken for one. Iterative: a deeply nested token cannot overflow the stack.
 */
export function hasForbiddenKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (!v || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      stack.push(...v);
      continue;
    }
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(key)) return true;
      stack.push((v as Record<string, unknown>)[key]);
    }
  }
  return false;
}

/**
 * Any spelling of a forbidden member name contains the name itself or a `\u` escape (JSON can escape letters and
 * `_` only as `\uXXXX`): a segment without either cannot carry one and skips the parse (the hot path).
 */
const MAYBE_FORBIDDEN = /__proto__|constructor|prototype|\\u/;

function segmentHasForbiddenKey(segment: string): boolean {
  const text = Buffer.from(segment, 'base64url').toString('utf8');
  if (!MAYBE_FORBIDDEN.test(text)) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TokenRejected('MalformedToken');
  }
  return hasForbiddenKey(parsed);
}

/** Structural checks before any cryptography. */
export function precheck(token: string): void {
  if (Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES) throw new TokenRejected('TokenTooLarge');
  // Three non-empty segments. aws-jwt-verify then checks their base64url alphabet (a token outside it is refused
  // there, and inside it both decoders read the same bytes), the JSON and the signature.
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1] || !parts[2]) throw new TokenRejected('MalformedToken');
  // aws-jwt-verify strips `__proto__` and `constructor` members while parsing, and would then accept the token
  // silently: a token whose header or claims carry such names is refused outright.
  if (segmentHasForbiddenKey(parts[0]) || segmentHasForbiddenKey(parts[1])) throw new TokenRejected('ForbiddenClaimName');
}

/** Refuses a token issued more than the allowed skew in the future, or with a non-numeric `iat`. */
export function checkIssuedAt(iat: unknown, nowSeconds: number, skewSeconds: number = IAT_SKEW_SECONDS): void {
  if (iat === undefined) return;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new TokenRejected('InvalidIssuedAt');
  if (iat > nowSeconds + skewSeconds) throw new TokenRejected('IssuedInFuture');
}

/** The checks aws-jwt-verify calls after its own, on a token whose signature is valid. */
function claimChecks(config: JwtAuthorizerConfig) {
  return ({ header, payload }: { header: object; payload: JwtPayload }): void => {
    if (typeof payload.exp !== 'number') throw new TokenRejected('MissingExp');
    checkIssuedAt(payload.iat, Math.floor(Date.now() / 1000));
    const kind = tokenKind(header as Record<string, unknown>, payload as Record<string, unknown>);
    if (!acceptsTokenKind(kind, config.tokenUse, config.requireTokenUseMark)) throw new TokenRejected('WrongTokenUse');
  };
}

/** A verifier for the configuration; pass a JWKS cache to control fetching (tests). */
export function createVerifier(config: JwtAuthorizerConfig, jwksCache?: JwksCache) {
  const additional = jwksCache ? { jwksCache } : undefined;
  const customJwtCheck = claimChecks(config);
  if (config.cognitoUserPoolId) {
    const only = config.tokenUse.size === 1 ? [...config.tokenUse][0] : null;
    return CognitoJwtVerifier.create({ userPoolId: config.cognitoUserPoolId, clientId: config.audience, tokenUse: only, customJwtCheck }, additional);
  }
  return JwtVerifier.create({ issuer: config.issuer, audience: config.audience, jwksUri: config.jwksUri, customJwtCheck }, additional);
}

/** The verifier of a configuration, whichever aws-jwt-verify class it is. */
export interface Verifier {
  verify(token: string): Promise<unknown>;
}

/**
 * Verifies the token; resolves to its payload or rejects (see rejectionReason in reasons.ts). Returns
 * aws-jwt-verify's own promise, without another async layer, on the hot path.
 */
export function verifyToken(verifier: Verifier, token: string): Promise<JwtPayload> {
  try {
    precheck(token);
  } catch (e) {
    return Promise.reject(e);
  }
  return verifier.verify(token) as Promise<JwtPayload>;
}
