/**
 * The WebSocket probe: checks that a WebSocketChatApi broadcast reaches every other member of a room, and that a
 * connection without a valid token is refused at `$connect`.
 *
 * Event:
 *   { url: 'wss://{apiId}.execute-api.{region}.amazonaws.com/{stage}',   no query: the probe adds the token
 *     signIn: { userPoolId, clientId },   a throwaway Cognito user (./signin) whose access token every client sends
 *     room?: string,                      the room all clients join (default a fresh `probe-<hex>` room)
 *     clients?: number,                   2-10 (default 2), all the same user: the per-user cap is 10 by default
 *     timeoutMs?: number,                 per phase (open, join, broadcast, refusal), 1000-15000 (default 10000)
 *     retrySeconds?: number,              the first client retries opening every 2 s for this long, 0-30 (default 0)
 *     tokenParameter?: string }           the query parameter the token travels in (default `token`, the chat API's
 *                                         default ChatTokenSource.queryString('token'))
 * The clients open `url?token=<access token>`, send `{"action":"joinroom","room":...}` and wait for
 * `{"type":"joined","room":...}`; the first sends `{"action":"sendmessage","data":<nonce>}` and every member waits
 * for `{"type":"message","room":...,"from":<sender>,"data":<nonce>}` (src/runtime/chat/handlers.ts). Then two
 * handshakes that must be refused are made with node:http(s), which reads the HTTP status that the WebSocket API
 * hides: one without the token and one with a token no issuer signed.
 * Result: { clients, connected, joined, received (other clients that got the broadcast), senderGotEcho (the sender
 * is a member of its room too), fromSender (every copy names the token's `sub` as `from`), unauthenticated and
 * invalidToken (the handshakes' statuses: 101 if accepted, 0 when no answer came), errors: string[] }.
 * Every wait is bounded: a broadcast that never comes is an entry in `errors` after `timeoutMs`, never a hang.
 * Tokens are never logged or returned; errors are the probe's own words (no URL, no server text but short codes).
 *
 * Runs on Node.js 24 in Lambda with the global WebSocket (WHATWG API). The constructor is injectable: Node.js 20
 * (jest here) has no global WebSocket and the tests pass the `ws` package's (test/integ/ws-probe.test.ts, which
 * uses the global one when run on Node.js 24), whose addEventListener API matches what this file uses: open;
 * message with `data` a string for text frames and an ArrayBuffer for binary ones once `binaryType` is
 * 'arraybuffer'; error; close with `code`; `send(string)`, `close(code)`.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { INVALID_TOKEN } from './http';
import { checkSignIn, withUser } from './signin';
import { ROOM_NAME } from '../../../src/runtime/chat/messages';

/** What the probe reads of a WebSocket: the part of the WHATWG API that `ws` implements the same way. */
export interface SocketLike {
  binaryType: string;
  addEventListener(type: 'open' | 'message' | 'error' | 'close', listener: (event: any) => void): void;
  send(data: string): void;
  close(code?: number): void;
}

/** A WebSocket constructor (the global one, or `ws`'s in tests). */
export type SocketFactory = new (url: string) => SocketLike;

/** A validated event. */
export interface WsProbeEvent {
  readonly url: string;
  readonly signIn: { readonly userPoolId: string; readonly clientId: string };
  readonly room?: string;
  readonly clients?: number;
  readonly timeoutMs?: number;
  readonly retrySeconds?: number;
  readonly tokenParameter?: string;
}

/** What the probe returns (see the file's comment). */
export interface WsProbeResult {
  readonly clients: number;
  readonly connected: number;
  readonly joined: number;
  readonly received: number;
  readonly senderGotEcho: boolean;
  readonly fromSender: boolean;
  readonly unauthenticated: number;
  readonly invalidToken: number;
  readonly errors: string[];
}

/** Local stand-ins for tests. */
export interface WsProbeOptions {
  /** @default globalThis.WebSocket */
  readonly webSocket?: SocketFactory;
  /** @default - a CognitoIdentityProviderClient from the environment */
  readonly cognito?: CognitoIdentityProviderClient;
  /** @default 2000 */
  readonly retryDelayMs?: number;
}

const FIELDS = ['url', 'signIn', 'room', 'clients', 'timeoutMs', 'retrySeconds', 'tokenParameter'];
const LOOPBACK = ['127.0.0.1', 'localhost'];

function checkInteger(event: Record<string, unknown>, field: string, min: number, max: number): void {
  const value = event[field];
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < min || (value as number) > max)) {
    throw new Error(`${field} must be an integer from ${min} to ${max}`);
  }
}

/** Refuses an event the probe cannot run, naming the field, before anything is signed in or opened. */
export function checkEvent(event: unknown): asserts event is WsProbeEvent {
  if (!event || typeof event !== 'object' || Array.isArray(event)) throw new Error('the event must be an object');
  const e = event as Record<string, unknown>;
  const unknown = Object.keys(e).filter((k) => !FIELDS.includes(k));
  if (unknown.length) throw new Error(`unknown field(s) ${unknown.join(', ')}: the fields are ${FIELDS.join(', ')}`);
  let url: URL;
  try { url = new URL(String(e.url ?? '')); } catch { throw new Error('url must be a wss:// URL'); }
  if (url.protocol !== 'wss:' && !(url.protocol === 'ws:' && LOOPBACK.includes(url.hostname))) throw new Error('url must be wss:// (ws:// only on loopback)');
  if (url.search || url.hash || url.username || url.password) throw new Error('url must have no query, fragment or credentials: the probe adds the token');
  checkSignIn(e.signIn);
  if (e.room !== undefined && (typeof e.room !== 'string' || !ROOM_NAME.test(e.room))) throw new Error('room must be 1-64 letters, digits, "-" or "_"');
  checkInteger(e, 'clients', 2, 10);
  checkInteger(e, 'timeoutMs', 1000, 15000);
  checkInteger(e, 'retrySeconds', 0, 30);
  if (e.tokenParameter !== undefined && (typeof e.tokenParameter !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(e.tokenParameter))) {
    throw new Error('tokenParameter must be a query parameter name');
  }
}

/** `url` with `token` in query parameter `name`. */
export function withToken(url: string, name: string, token: string): string {
  const u = new URL(url);
  u.searchParams.set(name, token);
  return u.toString();
}

/** The `sub` claim of a JWT (read, not verified: it is the probe's own token), or undefined. */
export function subjectOf(token: string): string | undefined {
  try {
    const sub = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))?.sub;
    return typeof sub === 'string' && sub.length > 0 ? sub : undefined;
  } catch {
    return undefined;
  }
}

/** A received frame as JSON (text or binary), or undefined when it is not a JSON object. */
export function parseFrame(data: unknown): Record<string, unknown> | undefined {
  let text: string;
  if (typeof data === 'string') text = data;
  else if (data instanceof ArrayBuffer) text = Buffer.from(data).toString('utf8');
  else if (ArrayBuffer.isView(data)) text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  else return undefined;
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** One open client and the JSON frames it received. */
export interface Client {
  readonly index: number;
  readonly inbox: Record<string, unknown>[];
  readonly isClosed: () => boolean;
  send(body: unknown): void;
  close(): Promise<void>;
}

/** Opens a client; rejects with the probe's own reason when it fails, closes or is not open within `timeoutMs`. */
export function openClient(factory: SocketFactory, url: string, index: number, timeoutMs: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    let socket: SocketLike;
    try {
      socket = new factory(url);
      socket.binaryType = 'arraybuffer';
    } catch {
      return reject(new Error('the WebSocket could not be created'));
    }
    const inbox: Record<string, unknown>[] = [];
    let closed = false;
    let onClosed: () => void = () => undefined;
    const closedPromise = new Promise<void>((r) => (onClosed = r));
    let settled = false;
    const client: Client = {
      index,
      inbox,
      isClosed: () => closed,
      send: (body) => socket.send(JSON.stringify(body)),
      close: async () => {
        if (!closed) {
          try { socket.close(1000); } catch { /* already closing */ }
          await Promise.race([closedPromise, new Promise((r) => setTimeout(r, 2000).unref?.())]);
        }
      },
    };
    const settle = (reason?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (reason === undefined) return resolve(client);
      try { socket.close(); } catch { /* not open */ }
      reject(new Error(reason));
    };
    const timer = setTimeout(() => settle(`not open within ${timeoutMs} ms`), timeoutMs);
    socket.addEventListener('open', () => settle());
    socket.addEventListener('error', () => settle('the connection failed (refused or unreachable)'));
    socket.addEventListener('close', (event) => {
      closed = true;
      onClosed();
      settle(`closed (${Number(event?.code) || 'no code'}) before opening`);
    });
    socket.addEventListener('message', (event) => {
      const frame = parseFrame(event?.data);
      if (frame) inbox.push(frame);
    });
  });
}

/** Resolves true once `predicate` holds, false after `timeoutMs` (checked every 20 ms). */
export async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/**
 * The HTTP status of a WebSocket handshake to `url` (101 when the server accepts it; 0 with the error's code when
 * no answer came within `timeoutMs`): the WebSocket API reports a refused handshake as an error without a status.
 */
export function handshakeStatus(url: string, timeoutMs: number): Promise<{ status: number; error?: string }> {
  return new Promise((resolve) => {
    const u = new URL(url);
    let done = false;
    const finish = (status: number, error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(error ? { status, error } : { status });
    };
    const request = (u.protocol === 'wss:' ? https : http).request({
      hostname: u.hostname,
      port: u.port || undefined,
      path: `${u.pathname}${u.search}`,
      headers: {
        'Connection': 'Upgrade',
        'Upgrade': 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'User-Agent': 'cdk-apigateway-patterns-integ-probe',
      },
    });
    const timer = setTimeout(() => {
      request.destroy();
      finish(0, 'Timeout');
    }, timeoutMs);
    request.on('upgrade', (_res, socket) => {
      socket.destroy();
      finish(101);
    });
    request.on('response', (res) => {
      res.resume();
      finish(res.statusCode ?? 0);
    });
    request.on('error', (err: NodeJS.ErrnoException) => finish(0, String(err.code ?? err.name)));
    request.end();
  });
}

/** A short code from a server's error frame (`{type:'error',code}` or API Gateway's `{message}`), never its body. */
function frameError(frame: Record<string, unknown>): string | undefined {
  const code = frame.type === 'error' ? frame.code : frame.type === undefined ? frame.message : undefined;
  return typeof code === 'string' && /^[\w .-]{1,64}$/.test(code) ? code : undefined;
}

interface ChatOutcome { connected: number; joined: number; received: number; senderGotEcho: boolean; fromSender: boolean; errors: string[] }

interface Run {
  readonly event: WsProbeEvent;
  readonly factory: SocketFactory;
  readonly timeoutMs: number;
  readonly options: WsProbeOptions;
}

async function openAll({ event, factory, timeoutMs, options }: Run, url: string, errors: string[]): Promise<Client[]> {
  const count = event.clients ?? 2;
  const deadline = Date.now() + (event.retrySeconds ?? 0) * 1000;
  let first: Client | undefined;
  while (!first) {
    try {
      first = await openClient(factory, url, 0, timeoutMs);
    } catch (e) {
      if (Date.now() >= deadline) {
        errors.push(`client 0: ${(e as Error).message}`);
        break;
      }
      await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 2000));
    }
  }
  const others = await Promise.all(Array.from({ length: count - 1 }, (_, i) => openClient(factory, url, i + 1, timeoutMs).catch((e: Error) => {
    errors.push(`client ${i + 1}: ${e.message}`);
    return undefined;
  })));
  return [first, ...others].filter((c): c is Client => c !== undefined);
}

async function chat(token: string, run: Run): Promise<ChatOutcome> {
  const { event, timeoutMs } = run;
  const errors: string[] = [];
  const room = event.room ?? `probe-${randomBytes(6).toString('hex')}`;
  const clients = await openAll(run, withToken(event.url, event.tokenParameter ?? 'token', token), errors);
  const outcome: ChatOutcome = { connected: clients.length, joined: 0, received: 0, senderGotEcho: false, fromSender: false, errors };
  try {
    for (const c of clients) c.send({ action: 'joinroom', room });
    const hasJoined = (c: Client) => c.inbox.some((m) => m.type === 'joined' && m.room === room);
    await until(() => clients.every((c) => hasJoined(c) || c.isClosed()), timeoutMs);
    const members = clients.filter(hasJoined);
    const missed = (c: Client, what: string) => errors.push(`client ${c.index}: ${c.isClosed() ? `closed before ${what}` : `no ${what} within ${timeoutMs} ms`}`);
    for (const c of clients.filter((x) => !hasJoined(x))) missed(c, 'joined reply');
    outcome.joined = members.length;
    const sender = members.find((c) => c.index === 0);
    if (!sender) {
      errors.push('client 0 did not join: no message sent');
      return outcome;
    }
    const data = `probe-${randomBytes(8).toString('hex')}`;
    const copyOf = (c: Client) => c.inbox.find((m) => m.type === 'message' && m.room === room && m.data === data);
    sender.send({ action: 'sendmessage', data });
    await until(() => members.every((c) => copyOf(c) !== undefined || c.isClosed()), timeoutMs);
    for (const c of members.filter((x) => !copyOf(x))) missed(c, 'broadcast');
    const copies = members.map(copyOf).filter((m) => m !== undefined);
    outcome.received = members.filter((c) => c !== sender && copyOf(c)).length;
    outcome.senderGotEcho = copyOf(sender) !== undefined;
    const sub = subjectOf(token);
    outcome.fromSender = copies.length > 0 && sub !== undefined && copies.every((m) => m.from === sub);
    return outcome;
  } finally {
    for (const c of clients) {
      for (const code of new Set(c.inbox.map(frameError).filter((x) => x !== undefined))) errors.push(`client ${c.index}: server error ${code}`);
    }
    await Promise.all(clients.map((c) => c.close()));
  }
}

/** Runs a probe event (see the file's comment). */
export async function probe(event: unknown, options: WsProbeOptions = {}): Promise<WsProbeResult> {
  checkEvent(event);
  const factory = options.webSocket ?? (globalThis as { WebSocket?: SocketFactory }).WebSocket;
  if (!factory) throw new Error('no WebSocket constructor: Node.js 22+ has a global one, or pass options.webSocket');
  const timeoutMs = event.timeoutMs ?? 10_000;
  const outcome = await withUser(event.signIn, (token) => chat(token, { event, factory, timeoutMs, options }), options.cognito);
  const name = event.tokenParameter ?? 'token';
  const [unauthenticated, invalid] = await Promise.all([
    handshakeStatus(event.url, timeoutMs),
    handshakeStatus(withToken(event.url, name, INVALID_TOKEN), timeoutMs),
  ]);
  const errors = [...outcome.errors];
  if (unauthenticated.error) errors.push(`unauthenticated handshake: ${unauthenticated.error}`);
  if (invalid.error) errors.push(`invalid-token handshake: ${invalid.error}`);
  return {
    clients: event.clients ?? 2,
    connected: outcome.connected,
    joined: outcome.joined,
    received: outcome.received,
    senderGotEcho: outcome.senderGotEcho,
    fromSender: outcome.fromSender,
    unauthenticated: unauthenticated.status,
    invalidToken: invalid.status,
    errors,
  };
}

export async function handler(event: unknown): Promise<WsProbeResult> {
  return probe(event);
}
