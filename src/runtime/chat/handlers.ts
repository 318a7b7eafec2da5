/**
 * The chat handlers' logic, one function per route, over injected dependencies (DynamoDB store, @connections
 * poster, fan-out queue), so the bundled `*.lambda.ts` entries stay thin and the logic is tested directly.
 * Message bodies and tokens are never logged. No CDK imports: runs inside Lambda.
 */
import { BroadcastResult, PostFn, broadcast } from './broadcaster';
import { MessageRejected, parseMessage } from './messages';
import { ConnectionStore } from './store';

/** The WebSocket event fields the handlers read. */
export interface ChatEvent {
  readonly body?: string | null;
  readonly requestContext: {
    readonly connectionId: string;
    readonly routeKey?: string;
    readonly domainName?: string;
    readonly stage?: string;
    readonly authorizer?: Record<string, unknown> | null;
  };
}

export interface ChatResponse {
  readonly statusCode: number;
  readonly body?: string;
}

export interface ChatDependencies {
  readonly store: ConnectionStore;
  /** A poster for the event's @connections endpoint. */
  readonly poster: (event: ChatEvent) => PostFn;
  /** Sends connection ids a broadcast could not serve in time to the fan-out queue (absent: no fan-out). */
  readonly fanOut?: (job: FanOutJob) => Promise<void>;
  /** Milliseconds left before the invocation's deadline. */
  readonly remainingMs: () => number;
  readonly log: (message: string, fields: Record<string, unknown>) => void;
  /** Records a count metric (e.g. Powertools Metrics). @default - none */
  readonly metric?: (name: string, value: number) => void;
  /** Posts in flight per broadcast. @default 50 */
  readonly concurrency?: number;
}

/** A chunk of a broadcast to finish asynchronously. */
export interface FanOutJob {
  readonly endpoint: { readonly domainName: string; readonly stage: string };
  readonly connectionIds: string[];
  readonly payload: string;
}

/** Time kept back from the invocation deadline for the reply and the fan-out hand-off. */
const SAFETY_MS = 3000;

export const USAGE = JSON.stringify({
  type: 'help',
  actions: {
    joinroom: '{"action":"joinroom","room":"general"}',
    leaveroom: '{"action":"leaveroom"}',
    sendmessage: '{"action":"sendmessage","data":"hello"}',
  },
});

const ok: ChatResponse = { statusCode: 200 };

/** The caller's identity from the $connect authorizer context (JWT `sub`, Lambda principalId) or IAM caller. */
export function userIdOf(event: ChatEvent): string {
  const a = event.requestContext.authorizer ?? {};
  for (const key of ['principalId', 'sub']) {
    const v = a[key];
    if (typeof v === 'string' && v.length > 0 && v.length <= 256) return v;
  }
  return `anonymous:${event.requestContext.connectionId}`;
}

async function reply(deps: ChatDependencies, event: ChatEvent, payload: string): Promise<void> {
  await deps.poster(event)(event.requestContext.connectionId, Buffer.from(payload));
}

/** A room change for a connection the store does not know (disconnected, or expired). */
function unknownConnection(e: unknown): boolean {
  return (e as { name?: string })?.name === 'ConditionalCheckFailedException';
}

async function rejectMessage(deps: ChatDependencies, event: ChatEvent, e: unknown): Promise<ChatResponse> {
  const rejected = unknownConnection(e) ? new MessageRejected('UnknownConnection', 'the connection is not registered') : e;
  if (!(rejected instanceof MessageRejected)) throw e;
  deps.log('message rejected', { code: rejected.code });
  deps.metric?.('MessagesRejected', 1);
  try {
    await reply(deps, event, JSON.stringify({ type: 'error', code: rejected.code, message: rejected.message }));
  } catch (replyError) {
    // The caller may be gone already; the refusal stands either way.
    deps.log('error reply not delivered', { name: (replyError as Error)?.name });
  }
  return { statusCode: 400, body: rejected.code };
}

export async function onConnect(deps: ChatDependencies, event: ChatEvent): Promise<ChatResponse> {
  await deps.store.connect(event.requestContext.connectionId, userIdOf(event));
  return ok;
}

export async function onDisconnect(deps: ChatDependencies, event: ChatEvent): Promise<ChatResponse> {
  await deps.store.disconnect(event.requestContext.connectionId);
  return ok;
}

export async function onJoinRoom(deps: ChatDependencies, event: ChatEvent): Promise<ChatResponse> {
  try {
    const message = parseMessage(event.body, { requireRoom: true });
    await deps.store.join(event.requestContext.connectionId, message.room!);
    await reply(deps, event, JSON.stringify({ type: 'joined', room: message.room }));
    return ok;
  } catch (e) {
    return rejectMessage(deps, event, e);
  }
}

export async function onLeaveRoom(deps: ChatDependencies, event: ChatEvent): Promise<ChatResponse> {
  try {
    parseMessage(event.body);
    await deps.store.leave(event.requestContext.connectionId);
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

/** Broadcasts to the sender's room; what cannot be posted before the deadline goes to the fan-out queue. */
export async function onSendMessage(deps: ChatDependencies, event: ChatEvent): Promise<ChatResponse> {
  let data: string;
  try {
    data = parseMessage(event.body, { requireData: true }).data!;
  } catch (e) {
    return rejectMessage(deps, event, e);
  }
  const sender = event.requestContext.connectionId;
  const room = await deps.store.roomOf(sender);
  if (!room) return rejectMessage(deps, event, new MessageRejected('NotInRoom', 'join a room first'));
  const payload = JSON.stringify({ type: 'message', room, from: userIdOf(event), data });
  const result: BroadcastResult = await broadcast({
    connections: deps.store.roomPages(room),
    post: deps.poster(event),
    removeStale: (id) => (id === sender ? Promise.resolve(false) : deps.store.removeStale(id)),
    data: Buffer.from(payload),
    concurrency: deps.concurrency,
    deadline: Date.now() + Math.max(0, deps.remainingMs() - SAFETY_MS),
  });
  if (result.deferred.length > 0) {
    if (!deps.fanOut) throw new Error(`broadcast ran out of time with ${result.deferred.length} connection(s) left and no fan-out queue`);
    const endpoint = { domainName: event.requestContext.domainName ?? '', stage: event.requestContext.stage ?? '' };
    for (let i = 0; i < result.deferred.length; i += 500) {
      await deps.fanOut({ endpoint, connectionIds: result.deferred.slice(i, i + 500), payload });
    }
  }
  const summary = { delivered: result.delivered, gone: result.gone, failed: result.failed, deferred: result.deferred.length };
  deps.log('broadcast', summary);
  deps.metric?.('PostsDelivered', summary.delivered);
  deps.metric?.('ConnectionsGone', summary.gone);
  deps.metric?.('PostsFailed', summary.failed);
  deps.metric?.('PostsDeferred', summary.deferred);
  return { statusCode: 200, body: JSON.stringify(summary) };
}

/** Fan-out worker: posts one chunk (an SQS message body). */
export async function onFanOut(deps: Omit<ChatDependencies, 'poster'> & { readonly poster: (endpoint: FanOutJob['endpoint']) => PostFn }, body: string): Promise<BroadcastResult> {
  const job = JSON.parse(body) as FanOutJob;
  if (!job || !Array.isArray(job.connectionIds) || typeof job.payload !== 'string' || !job.endpoint) throw new Error('invalid fan-out job');
  async function* one(): AsyncGenerator<string[]> {
    yield job.connectionIds.filter((id) => typeof id === 'string');
  }
  return broadcast({
    connections: one(),
    post: deps.poster(job.endpoint),
    removeStale: (id) => deps.store.removeStale(id),
    data: Buffer.from(job.payload),
    concurrency: deps.concurrency,
  });
}
