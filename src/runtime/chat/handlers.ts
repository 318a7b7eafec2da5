/**
 * The chat handlers' logic, one function per route, over injected dependencies (DynamoDB store, a poster for the
 * API's own @connections endpoint, the fan-out queue), so the bundled `*.lambda.ts` entries stay thin and the
 * logic is tested directly. Message bodies and tokens are never logged. No CDK imports: runs inside Lambda.
 */
import { BroadcastResult, PostFn, broadcast } from './broadcaster';
import { ChatLimitsConfig, IdentityKind, RoomAccessConfig } from './contract';
import { fanOutBodies } from './fan-out';
import { MessageRejected, parseMessage, renderOutbound } from './messages';
import { ConnectionStore } from './store';

/** The WebSocket event fields the handlers read. */
export interface ChatEvent {
  readonly body?: string | null;
  readonly requestContext: {
    readonly connectionId: string;
    readonly routeKey?: string;
    readonly authorizer?: Record<string, unknown> | null;
    readonly identity?: { readonly userArn?: string | null } | null;
  };
}

export interface ChatResponse {
  readonly statusCode: number;
  readonly body?: string;
}

export interface ChatDependencies {
  readonly store: ConnectionStore;
  /** Posts to the API's own @connections endpoint (from the configuration, never from the event). */
  readonly post: PostFn;
  /** Sends a fan-out job body to the queue (absent: no fan-out). */
  readonly enqueue?: (body: string) => Promise<void>;
  /** Milliseconds left before the invocation's deadline. */
  readonly remainingMs: () => number;
  readonly log: (message: string, fields: Record<string, unknown>) => void;
  /** Records a count metric (e.g. Powertools Metrics). @default - none */
  readonly metric?: (name: string, value: number) => void;
  /** Posts in flight per broadcast. @default 50 */
  readonly concurrency?: number;
  readonly identity: IdentityKind;
  readonly roomAccess: RoomAccessConfig;
  readonly limits: ChatLimitsConfig;
  /** The clock, epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** Time kept back from the invocation deadline for the reply and the fan-out hand-off. */
export const SAFETY_MS = 3000;

export const USAGE = JSON.stringify({
  type: 'help',
  actions: {
    joinroom: '{"action":"joinroom","room":"general"}',
    leaveroom: '{"action":"leaveroom"}',
    sendmessage: '{"action":"sendmessage","data":"hello"}',
  },
});

const ok: ChatResponse = { statusCode: 200 };

/** Answers the caller; a caller already gone (410) needs no answer (its $disconnect removes it). */
async function reply(deps: ChatDependencies, event: ChatEvent, payload: string): Promise<void> {
  try {
    await deps.post(event.requestContext.connectionId, Buffer.from(payload));
  } catch (e) {
    if ((e as { name?: string })?.name !== 'GoneException') throw e;
    deps.log('caller gone before the reply', { name: 'GoneException' });
  }
}

/** Refuses a message: an error reply to the sender (best effort) and a 400. */
export async function rejectMessage(deps: ChatDependencies, event: ChatEvent, e: unknown): Promise<ChatResponse> {
  if (!(e instanceof MessageRejected)) throw e;
  deps.log('message rejected', { code: e.code });
  deps.metric?.('MessagesRejected', 1);
  try {
    await reply(deps, event, JSON.stringify({ type: 'error', code: e.code, message: e.message }));
  } catch (replyError) {
    // The caller may be gone already; the refusal stands either way.
    deps.log('error reply not delivered', { name: (replyError as Error)?.name });
  }
  return { statusCode: 400, body: e.code };
}

const unknownConnection = () => new MessageRejected('UnknownConnection', 'the connection is not registered');

export async function onJoinRoom(deps: ChatDependencies, event: ChatEvent): Promise<ChatResponse> {
  try {
    const room = parseMessage(event.body, { requireRoom: true }).room!;
    const id = event.requestContext.connectionId;
    const cap = deps.limits.roomSize;
    if ((await deps.store.countRoomMembers(room, cap)) >= cap && (await deps.store.roomOf(id)) !== room) {
      throw new MessageRejected('RoomFull', `the room has ${cap} members, its limit`);
    }
    const outcome = await deps.store.join(id, room, deps.roomAccess.mode === 'claim');
    if (outcome === 'unknown') throw unknownConnection();
    if (outcome === 'forbidden') throw new MessageRejected('RoomForbidden', 'this connection may not join that room');
    await reply(deps, event, JSON.stringify({ type: 'joined', room }));
    return ok;
  } catch (e) {
    return rejectMessage(deps, event, e);
  }
}

export async function onLeaveRoom(deps: ChatDependencies, event: ChatEvent): Promise<ChatResponse> {
  try {
    parseMessage(event.body);
    if (!(await deps.store.leave(event.requestContext.connectionId))) throw unknownConnection();
    await reply(deps, event, JSON.stringify({ type: 'left' }));
    return ok;
  } catch (e) {
    return rejectMessage(deps, event, e);
  }
}

/** Messages no route matched: malformed ones get an error, well-formed ones with an unknown action the help. */
export async function onDefault(deps: ChatDependencies, event: ChatEvent): Promise<ChatResponse> {
  try {
    parseMessage(event.body);
  } catch (e) {
    return rejectMessage(deps, event, e);
  }
  await reply(deps, event, USAGE);
  return ok;
}

/**
 * Broadcasts to the sender's room, as the sender stored at `$connect`, within the per-connection rate limit and
 * PostToConnection's size limit (checked on the outbound bytes). What cannot be posted before the deadline goes
 * to the fan-out queue: the unposted ids, split by bytes, and one continuation for the rest of the room.
 */
export async function onSendMessage(deps: ChatDependencies, event: ChatEvent): Promise<ChatResponse> {
  const sender = event.requestContext.connectionId;
  const now = deps.now ?? Date.now;
  let payload: Buffer;
  let room: string;
  try {
    const data = parseMessage(event.body, { requireData: true }).data!;
    const record = await deps.store.consumeMessage(sender, deps.limits.messagesPerWindow, deps.limits.windowSeconds, now() / 1000);
    if (record === 'unknown') throw unknownConnection();
    if (record === 'limited') {
      throw new MessageRejected('RateLimited', `at most ${deps.limits.messagesPerWindow} messages per ${deps.limits.windowSeconds} s per connection`);
    }
    if (!record.roomId) throw new MessageRejected('NotInRoom', 'join a room first');
    room = record.roomId;
    payload = renderOutbound({ type: 'message', room, from: record.sender, data });
  } catch (e) {
    return rejectMessage(deps, event, e);
  }
  const result: BroadcastResult = await broadcast({
    connections: deps.store.roomPages(room),
    post: deps.post,
    removeStale: (id) => (id === sender ? Promise.resolve(false) : deps.store.removeStale(id)),
    data: payload,
    concurrency: deps.concurrency,
    deadline: now() + Math.max(0, deps.remainingMs() - SAFETY_MS),
    now,
  });
  let queued = 0;
  if (result.deferred.length > 0 || result.resumeAfter) {
    if (!deps.enqueue) throw new Error(`broadcast ran out of time with ${result.deferred.length} connection(s) and more pages left and no fan-out queue`);
    for (const body of fanOutBodies(room, payload, result.deferred, result.resumeAfter)) {
      await deps.enqueue(body);
      queued++;
    }
  }
  const summary = {
    delivered: result.delivered,
    gone: result.gone,
    failed: result.failed,
    deferred: result.deferred.length,
    continued: result.resumeAfter !== undefined,
    jobs: queued,
  };
  deps.log('broadcast', summary);
  deps.metric?.('PostsDelivered', summary.delivered);
  deps.metric?.('ConnectionsGone', summary.gone);
  deps.metric?.('PostsFailed', summary.failed);
  deps.metric?.('PostsDeferred', summary.deferred);
  deps.metric?.('FanOutJobs', queued);
  return { statusCode: 200, body: JSON.stringify(summary) };
}
