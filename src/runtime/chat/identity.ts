/**
 * Who a connection is, decided once at `$connect` and stored with the connection: later routes read the stored
 * identity, never the event, so a message cannot claim another sender. No CDK imports: runs inside Lambda.
 *
 * | `$connect` authorization | userId (caps) and `from` (shown to peers) |
 * |---|---|
 * | jwt | the token's `sub` (the bundled authorizer's principalId) |
 * | lambda | the authorizer's principalId |
 * | iam | the SigV4 caller's ARN (`requestContext.identity.userArn`) |
 * | none | a random alias generated at connect (`anon-` and 16 base32 characters), never the connection id |
 */
import { randomBytes } from 'node:crypto';
import { CLAIM_NAME, IdentityKind, RoomAccessConfig } from './contract';
import { ROOM_NAME } from './messages';

/** The `$connect` event fields the identity is read from. */
export interface ConnectEventContext {
  readonly connectionId: string;
  readonly authorizer?: Record<string, unknown> | null;
  readonly identity?: { readonly userArn?: string | null } | null;
}

/** The identity stored with a connection. */
export interface ConnectionIdentity {
  /** Counts toward the per-user connection cap (absent for anonymous connections). */
  readonly userId?: string;
  /** Shown to peers as the sender of messages. */
  readonly from: string;
  /** Rooms the connection may join (claim-based room access); `*` = any. Absent: no room (claim mode) or open rooms. */
  readonly rooms?: string[];
}

/** An identity is at most 256 printable characters. */
const IDENTITY = /^[\x21-\x7e]{1,256}$/;
/** At most this many rooms are stored per connection. */
export const MAX_ROOM_CLAIMS = 100;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `anon-` and 16 random base32 characters (80 bits). */
export function anonymousAlias(random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(16);
  let out = '';
  // 256 is a multiple of 32: every character is equally likely.
  for (let i = 0; i < 16; i++) out += BASE32[bytes[i] % 32];
  return `anon-${out}`;
}

/** The rooms a claim value lists: entries separated by spaces or commas, each `<prefix><room>` or `<prefix>*`. */
export function roomsFromClaim(value: unknown, prefix: string): string[] {
  if (typeof value !== 'string' || value.length > 8192) return [];
  const rooms = new Set<string>();
  for (const entry of value.split(/[\s,]+/)) {
    if (!entry.startsWith(prefix)) continue;
    const room = entry.slice(prefix.length);
    if (room === '*' || ROOM_NAME.test(room)) rooms.add(room);
    if (rooms.size >= MAX_ROOM_CLAIMS) break;
  }
  return [...rooms];
}

/**
 * The identity of a `$connect` event, or undefined when the authorization kind promises one the event lacks
 * (then the connection is refused).
 */
export function identityOf(kind: IdentityKind, event: ConnectEventContext, access: RoomAccessConfig): ConnectionIdentity | undefined {
  const authorizer = event.authorizer ?? {};
  let userId: string | undefined;
  if (kind === 'jwt' || kind === 'lambda') {
    const principal = authorizer.principalId;
    userId = typeof principal === 'string' && IDENTITY.test(principal) ? principal : undefined;
  } else if (kind === 'iam') {
    const arn = event.identity?.userArn;
    userId = typeof arn === 'string' && IDENTITY.test(arn) && arn.startsWith('arn:') ? arn : undefined;
  } else {
    const rooms = access.mode === 'claim' ? [] : undefined;
    return { from: anonymousAlias(), ...(rooms ? { rooms } : {}) };
  }
  if (!userId) return undefined;
  if (access.mode === 'open') return { userId, from: userId };
  const claim = CLAIM_NAME.test(access.claim) ? authorizer[access.claim] : undefined;
  return { userId, from: userId, rooms: roomsFromClaim(claim, access.prefix) };
}
