/**
 * What a token is for (access, ID, logout, other), from the marks issuers put on it, and whether the authorizer
 * accepts it. No CDK imports: this module runs inside Lambda.
 *
 * Marks read:
 * - JOSE header `typ`: `at+jwt` (or `application/at+jwt`) for OAuth 2.0 access tokens (RFC 9068, section 2.1);
 *   `logout+jwt` for OpenID Connect back-channel logout tokens (OIDC Back-Channel Logout 1.0, section 2.4); any
 *   other explicit type than `JWT` names something that is not an access or ID token (RFC 8725, section 3.11).
 * - `token_use` claim: `access` or `id` (Amazon Cognito user pools).
 * - `events` claim: logout tokens and Security Event Tokens carry it (RFC 8417); neither authorizes API calls.
 * Conflicting marks (`typ: at+jwt` with `token_use: id`) make the token `other`.
 */

/** The kinds of token the authorizer can accept. */
export type AcceptedTokenUse = 'access' | 'id';

/** What a token's marks say it is; `undefined` when unmarked. */
export type TokenKind = AcceptedTokenUse | 'logout' | 'other' | undefined;

const BACKCHANNEL_LOGOUT = 'http://schemas.openid.net/event/backchannel-logout';

function typeOf(header: Record<string, unknown>): TokenKind | 'jwt' {
  const typ = header.typ;
  if (typ === undefined) return undefined;
  if (typ === 'JWT') return 'jwt';
  if (typeof typ !== 'string') return 'other';
  const t = typ.toLowerCase().replace(/^application\//, '');
  if (t === 'jwt') return 'jwt';
  if (t === 'at+jwt') return 'access';
  if (t === 'logout+jwt') return 'logout';
  return 'other';
}

/** Classifies a token by its header and payload marks. */
export function tokenKind(header: Record<string, unknown>, payload: Record<string, unknown>): TokenKind {
  const events = payload.events;
  if (events !== undefined) {
    return events && typeof events === 'object' && Object.prototype.hasOwnProperty.call(events, BACKCHANNEL_LOGOUT) ? 'logout' : 'other';
  }
  const typed = typeOf(header);
  if (typed === 'logout' || typed === 'other') return typed;
  const use = payload.token_use;
  let claimed: TokenKind;
  if (use === undefined) claimed = undefined;
  else if (use === 'access' || use === 'id') claimed = use;
  else claimed = 'other';
  if (typed === 'access') return claimed === undefined || claimed === 'access' ? 'access' : 'other';
  return claimed;
}

/** Whether a token of `kind` is accepted; unmarked tokens only when `requireMark` is false. */
export function acceptsTokenKind(kind: TokenKind, accepted: ReadonlySet<AcceptedTokenUse>, requireMark: boolean): boolean {
  if (kind === undefined) return !requireMark;
  return kind === 'access' || kind === 'id' ? accepted.has(kind) : false;
}
