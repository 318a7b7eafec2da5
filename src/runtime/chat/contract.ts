/**
 * The environment contract between WebSocketChatApi (which renders it into its functions' environment) and the
 * chat handlers (which parse it once per execution environment): one pure module both import, so a variable's
 * name, format and default exist in one place. No CDK imports: runs inside Lambda.
 *
 * `renderChatEnvironment` accepts unresolved CDK tokens (table name, queue URL, callback URL) as strings and does
 * not validate them; `parseChatEnvironment` validates every value and throws `ChatConfigError` naming the variable.
 */

/** How `$connect` was authorized, which decides where the caller's identity is read from. */
export type IdentityKind = 'jwt' | 'lambda' | 'iam' | 'none';

/** Who may join which room. */
export type RoomAccessConfig =
  | { readonly mode: 'open' }
  /** Rooms listed in an authorizer-context value (space- or comma-separated, each with `prefix`; `*` = any room). */
  | { readonly mode: 'claim'; readonly claim: string; readonly prefix: string };

/** Caps and rate limits (the construct validates them; the parser checks them again). */
export interface ChatLimitsConfig {
  /** Messages one connection may send per window. */
  readonly messagesPerWindow: number;
  /** The rate limit's window, in seconds. */
  readonly windowSeconds: number;
  /** Open connections per user identity (anonymous connections are not capped: each has its own alias). */
  readonly connectionsPerUser: number;
  /** Members per room. */
  readonly roomSize: number;
}

/** Everything the chat handlers are configured with. */
export interface ChatConfig {
  readonly tableName: string;
  readonly roomIndex: string;
  readonly userIndex: string;
  /** The fan-out queue; without it, a broadcast that runs out of time fails. */
  readonly queueUrl?: string;
  /** The API's own @connections endpoint, `https://{apiId}.execute-api.{region}.{urlSuffix}/{stage}`. */
  readonly callbackUrl: string;
  /** Posts in flight per broadcast. */
  readonly concurrency: number;
  readonly identity: IdentityKind;
  readonly roomAccess: RoomAccessConfig;
  readonly limits: ChatLimitsConfig;
}

/** The variable names (the contract). */
export const CHAT_ENV = {
  tableName: 'TABLE_NAME',
  roomIndex: 'ROOM_INDEX',
  userIndex: 'USER_INDEX',
  queueUrl: 'QUEUE_URL',
  callbackUrl: 'CALLBACK_URL',
  concurrency: 'CONCURRENCY',
  identity: 'IDENTITY',
  roomAccess: 'ROOM_ACCESS',
  roomClaim: 'ROOM_CLAIM',
  roomClaimPrefix: 'ROOM_CLAIM_PREFIX',
  messagesPerWindow: 'MESSAGES_PER_WINDOW',
  windowSeconds: 'MESSAGE_WINDOW_SECONDS',
  connectionsPerUser: 'CONNECTIONS_PER_USER',
  roomSize: 'ROOM_SIZE',
} as const;

/** Defaults, shared by the construct's documentation and the parser. */
export const CHAT_DEFAULTS = {
  roomIndex: 'room-index',
  userIndex: 'user-index',
  concurrency: 1000,
  messagesPerWindow: 20,
  windowSeconds: 10,
  connectionsPerUser: 10,
  roomSize: 10_000,
} as const;

/** Bounds the parser (and the construct) enforce. */
export const CHAT_BOUNDS = {
  concurrency: { min: 1, max: 5000 },
  messagesPerWindow: { min: 1, max: 10_000 },
  windowSeconds: { min: 1, max: 3600 },
  connectionsPerUser: { min: 1, max: 10_000 },
  roomSize: { min: 1, max: 10_000_000 },
} as const;

/** Authorizer-context keys and room-name prefixes: what API Gateway passes through and a room name can start with. */
export const CLAIM_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
export const CLAIM_PREFIX = /^[A-Za-z0-9_.:/-]{0,64}$/;

const IDENTITY_KINDS: readonly IdentityKind[] = ['jwt', 'lambda', 'iam', 'none'];
const INDEX_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** A variable of the contract is missing or malformed. */
export class ChatConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.name = 'ChatConfigError';
  }
}

/** The environment variables for `config` (values may be unresolved CDK tokens). */
export function renderChatEnvironment(config: ChatConfig): Record<string, string> {
  const access = config.roomAccess.mode === 'open'
    ? { [CHAT_ENV.roomAccess]: 'open' }
    : {
      [CHAT_ENV.roomAccess]: 'claim',
      [CHAT_ENV.roomClaim]: config.roomAccess.claim,
      // An empty prefix is left out (Lambda environment values are better not empty).
      ...(config.roomAccess.prefix ? { [CHAT_ENV.roomClaimPrefix]: config.roomAccess.prefix } : {}),
    };
  return {
    [CHAT_ENV.tableName]: config.tableName,
    [CHAT_ENV.roomIndex]: config.roomIndex,
    [CHAT_ENV.userIndex]: config.userIndex,
    ...(config.queueUrl !== undefined ? { [CHAT_ENV.queueUrl]: config.queueUrl } : {}),
    [CHAT_ENV.callbackUrl]: config.callbackUrl,
    [CHAT_ENV.concurrency]: String(config.concurrency),
    [CHAT_ENV.identity]: config.identity,
    ...access,
    [CHAT_ENV.messagesPerWindow]: String(config.limits.messagesPerWindow),
    [CHAT_ENV.windowSeconds]: String(config.limits.windowSeconds),
    [CHAT_ENV.connectionsPerUser]: String(config.limits.connectionsPerUser),
    [CHAT_ENV.roomSize]: String(config.limits.roomSize),
  };
}

function integer(env: Record<string, string | undefined>, name: string, fallback: number, bounds: { min: number; max: number }): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw new ChatConfigError(name, 'must be a whole number');
  const value = Number(raw);
  if (value < bounds.min || value > bounds.max) throw new ChatConfigError(name, `must be between ${bounds.min} and ${bounds.max}`);
  return value;
}

/**
 * The @connections endpoint: https, or http on the loopback interface only (local stand-ins); no query, no
 * fragment, a stage path. The handlers post nowhere else.
 */
export function parseCallbackUrl(raw: string | undefined): string {
  if (!raw) throw new ChatConfigError(CHAT_ENV.callbackUrl, 'is not set');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ChatConfigError(CHAT_ENV.callbackUrl, 'is not a URL');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && loopback);
  if (!secure || url.username || url.password || url.search || url.hash || !/^\/[A-Za-z0-9_$-]{1,128}\/?$/.test(url.pathname)) {
    throw new ChatConfigError(CHAT_ENV.callbackUrl, 'must be https://{apiId}.execute-api.{region}.{urlSuffix}/{stage}');
  }
  return raw.replace(/\/+$/, '');
}

function roomAccess(env: Record<string, string | undefined>): RoomAccessConfig {
  const mode = env[CHAT_ENV.roomAccess] || 'open';
  if (mode === 'open') return { mode };
  if (mode !== 'claim') throw new ChatConfigError(CHAT_ENV.roomAccess, 'must be "open" or "claim"');
  const claim = env[CHAT_ENV.roomClaim] ?? '';
  const prefix = env[CHAT_ENV.roomClaimPrefix] ?? '';
  if (!CLAIM_NAME.test(claim)) throw new ChatConfigError(CHAT_ENV.roomClaim, 'must be an authorizer context key');
  if (!CLAIM_PREFIX.test(prefix)) throw new ChatConfigError(CHAT_ENV.roomClaimPrefix, 'must be at most 64 letters, digits or "_.:/-"');
  return { mode, claim, prefix };
}

/** The configuration in `env`; throws ChatConfigError. */
export function parseChatEnvironment(env: Record<string, string | undefined>): ChatConfig {
  const tableName = env[CHAT_ENV.tableName];
  if (!tableName || !/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) throw new ChatConfigError(CHAT_ENV.tableName, 'must be a DynamoDB table name');
  const index = (name: string, fallback: string) => {
    const value = env[name] || fallback;
    if (!INDEX_NAME.test(value)) throw new ChatConfigError(name, 'must be an index name');
    return value;
  };
  const identity = (env[CHAT_ENV.identity] ?? 'none') as IdentityKind;
  if (!IDENTITY_KINDS.includes(identity)) throw new ChatConfigError(CHAT_ENV.identity, `must be one of ${IDENTITY_KINDS.join(', ')}`);
  const queueUrl = env[CHAT_ENV.queueUrl] || undefined;
  if (queueUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(queueUrl)) throw new ChatConfigError(CHAT_ENV.queueUrl, 'must be a queue URL');
  return {
    tableName,
    roomIndex: index(CHAT_ENV.roomIndex, CHAT_DEFAULTS.roomIndex),
    userIndex: index(CHAT_ENV.userIndex, CHAT_DEFAULTS.userIndex),
    queueUrl,
    callbackUrl: parseCallbackUrl(env[CHAT_ENV.callbackUrl]),
    concurrency: integer(env, CHAT_ENV.concurrency, CHAT_DEFAULTS.concurrency, CHAT_BOUNDS.concurrency),
    identity,
    roomAccess: roomAccess(env),
    limits: {
      messagesPerWindow: integer(env, CHAT_ENV.messagesPerWindow, CHAT_DEFAULTS.messagesPerWindow, CHAT_BOUNDS.messagesPerWindow),
      windowSeconds: integer(env, CHAT_ENV.windowSeconds, CHAT_DEFAULTS.windowSeconds, CHAT_BOUNDS.windowSeconds),
      connectionsPerUser: integer(env, CHAT_ENV.connectionsPerUser, CHAT_DEFAULTS.connectionsPerUser, CHAT_BOUNDS.connectionsPerUser),
      roomSize: integer(env, CHAT_ENV.roomSize, CHAT_DEFAULTS.roomSize, CHAT_BOUNDS.roomSize),
    },
  };
}
