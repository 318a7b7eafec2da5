/**
 * Validation of chat messages received on the WebSocket API. No CDK imports: runs inside Lambda.
 */

/** API Gateway's WebSocket message limit (128 KB), in UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/**
 * PostToConnection's data limit: 131,072 bytes measured in UTF-8 (apigatewaymanagementapi service model, `Data`
 * blob max 131072; API Gateway quotas: WebSocket message payload 128 KB). The OUTBOUND message is what counts: a
 * body under the inbound limit grows when it is wrapped with the room and sender and JSON-escaped again.
 */
export const MAX_POST_BYTES = 131_072;

/** Room names: letters, digits, `-` and `_`, 1 to 64 characters. */
export const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A validated message. */
export interface ChatMessage {
  readonly action: string;
  readonly room?: string;
  readonly data?: string;
}

/** Why a message was refused (sent back to the sender, never logged with the body). */
export class MessageRejected extends Error {
  constructor(public readonly code: string, message: string) {
    super(message);
    this.name = 'MessageRejected';
  }
}

function hasForbiddenKey(value: unknown, depth: number = 0): boolean {
  if (depth > 32) return true;
  if (Array.isArray(value)) return value.some((v) => hasForbiddenKey(v, depth + 1));
  if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key) || hasForbiddenKey((value as Record<string, unknown>)[key], depth + 1)) return true;
    }
  }
  return false;
}

/** Parses and validates a message body; throws MessageRejected. */
export function parseMessage(
  body: string | null | undefined,
  options: { readonly requireData?: boolean; readonly requireRoom?: boolean } = {},
): ChatMessage {
  if (typeof body !== 'string' || body.length === 0) throw new MessageRejected('EmptyMessage', 'the message is empty');
  if (Buffer.byteLength(body, 'utf8') > MAX_MESSAGE_BYTES) throw new MessageRejected('MessageTooLarge', `the message exceeds ${MAX_MESSAGE_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MessageRejected('InvalidJson', 'the message is not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new MessageRejected('NotAnObject', 'the message must be a JSON object');
  if (hasForbiddenKey(parsed)) throw new MessageRejected('ForbiddenKey', 'the message contains a forbidden key');
  const { action, room, data } = parsed as Record<string, unknown>;
  if (typeof action !== 'string' || !/^[A-Za-z0-9_$-]{1,64}$/.test(action)) throw new MessageRejected('InvalidAction', 'action must be a short identifier');
  if (room !== undefined && (typeof room !== 'string' || !ROOM_NAME.test(room))) {
    throw new MessageRejected('InvalidRoom', 'room must be 1-64 letters, digits, "-" or "_"');
  }
  if (options.requireRoom && room === undefined) throw new MessageRejected('MissingRoom', 'room is required');
  if (data !== undefined && typeof data !== 'string') throw new MessageRejected('InvalidData', 'data must be a string');
  if (options.requireData && (data === undefined || data.length === 0)) throw new MessageRejected('MissingData', 'data is required');
  return { action, room: room as string | undefined, data: data as string | undefined };
}

/** What peers receive for a chat message. */
export interface OutboundMessage {
  readonly type: 'message';
  readonly room: string;
  readonly from: string;
  readonly data: string;
}

/** The bytes posted to every member; throws MessageRejected('MessageTooLarge') past PostToConnection's limit. */
export function renderOutbound(message: OutboundMessage): Buffer {
  const bytes = Buffer.from(JSON.stringify({ type: message.type, room: message.room, from: message.from, data: message.data }), 'utf8');
  if (bytes.byteLength > MAX_POST_BYTES) {
    throw new MessageRejected('MessageTooLarge', `the message as delivered (${bytes.byteLength} bytes) exceeds ${MAX_POST_BYTES} bytes`);
  }
  return bytes;
}
