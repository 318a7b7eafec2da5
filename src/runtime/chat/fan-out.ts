/**
 * Fan-out jobs: the part of a broadcast the chat handler cannot finish before its deadline, as SQS message
 * bodies, and the worker's logic for one job. No CDK imports: runs inside Lambda.
 *
 * A job names a room, carries the posted bytes ONCE as base64 (4/3 of at most 131,072 bytes whatever the
 * content: no JSON escaping inside JSON, no character SQS refuses), and either explicit connection ids (the
 * unposted rest of a page, split so every body stays within SQS's 262,144-byte message limit) or a continuation
 * (the room index key to resume after). Nothing else: the @connections endpoint is the worker's own configuration,
 * never the job's, and a job with any other field, a malformed id, a payload that is not a chat message of that
 * room, or too much of anything is refused.
 */
import { PostFn, broadcast, BroadcastResult } from './broadcaster';
import { MAX_POST_BYTES, ROOM_NAME } from './messages';
import { ConnectionStore } from './store';

/** SQS's message size limit (256 KiB): https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html */
export const MAX_JOB_BYTES = 262_144;
/** Ids per job, bounding one job's work. */
export const MAX_IDS_PER_JOB = 5000;
/** API Gateway connection ids: base64-like, short. */
export const CONNECTION_ID = /^[A-Za-z0-9+/=_-]{1,128}$/;

/** A validated job. */
export interface FanOutJob {
  readonly room: string;
  /** The exact bytes to post. */
  readonly payload: Buffer;
  readonly ids?: string[];
  readonly after?: Record<string, unknown>;
}

/** A job was refused (never retried: it goes to the dead-letter queue). */
export class InvalidJob extends Error {
  constructor(reason: string) {
    super(`invalid fan-out job: ${reason}`);
    this.name = 'InvalidJob';
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function header(room: string, payload: Buffer): string {
  return `{"v":1,"room":${JSON.stringify(room)},"payload":"${payload.toString('base64')}"`;
}

/**
 * SQS bodies for the rest of a broadcast: ids packed greedily into jobs within MAX_JOB_BYTES and
 * MAX_IDS_PER_JOB, then one continuation when the room goes on after them.
 */
export function fanOutBodies(room: string, payload: Buffer, ids: readonly string[], after?: Record<string, unknown>): string[] {
  const head = header(room, payload);
  const empty = Buffer.byteLength(head) + ',"ids":[]}'.length;
  const bodies: string[] = [];
  let chunk: string[] = [];
  let size = empty;
  for (const id of ids) {
    // Ids are ASCII (CONNECTION_ID): one byte per character, plus a comma after the first.
    const cost = JSON.stringify(id).length + (chunk.length > 0 ? 1 : 0);
    if (chunk.length > 0 && (chunk.length >= MAX_IDS_PER_JOB || size + cost > MAX_JOB_BYTES)) {
      bodies.push(`${head},"ids":${JSON.stringify(chunk)}}`);
      chunk = [];
      size = empty;
    }
    size += JSON.stringify(id).length + (chunk.length > 0 ? 1 : 0);
    chunk.push(id);
  }
  if (chunk.length > 0) bodies.push(`${head},"ids":${JSON.stringify(chunk)}}`);
  if (after) bodies.push(`${head},"after":${JSON.stringify(after)}}`);
  return bodies;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses and validates a job body; throws InvalidJob. */
export function parseJob(body: string): FanOutJob {
  if (typeof body !== 'string' || Buffer.byteLength(body) > MAX_JOB_BYTES) throw new InvalidJob('body too large');
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new InvalidJob('not JSON');
  }
  if (!isRecord(raw)) throw new InvalidJob('not an object');
  const keys = Object.keys(raw).sort().join(',');
  if (keys !== 'ids,payload,room,v' && keys !== 'after,payload,room,v') throw new InvalidJob('unexpected fields');
  const { v, room, payload, ids, after } = raw;
  if (v !== 1) throw new InvalidJob('unknown version');
  if (typeof room !== 'string' || !ROOM_NAME.test(room)) throw new InvalidJob('bad room');
  if (typeof payload !== 'string' || !BASE64.test(payload)) throw new InvalidJob('payload is not base64');
  const bytes = Buffer.from(payload, 'base64');
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_POST_BYTES) throw new InvalidJob('payload size');
  let message: unknown;
  try {
    message = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InvalidJob('payload is not JSON');
  }
  if (!isRecord(message) || Object.keys(message).sort().join(',') !== 'data,from,room,type' || message.type !== 'message' || message.room !== room
    || typeof message.from !== 'string' || message.from.length === 0 || message.from.length > 256 || typeof message.data !== 'string') {
    throw new InvalidJob('payload is not a chat message of the room');
  }
  if (ids !== undefined) {
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_IDS_PER_JOB || !ids.every((id) => typeof id === 'string' && CONNECTION_ID.test(id))) {
      throw new InvalidJob('bad connection ids');
    }
    return { room, payload: bytes, ids };
  }
  // The room index's LastEvaluatedKey: the table key and the index key, of this room.
  if (!isRecord(after) || Object.keys(after).sort().join(',') !== 'connectionId,roomId' || after.roomId !== room
    || typeof after.connectionId !== 'string' || !CONNECTION_ID.test(after.connectionId)) {
    throw new InvalidJob('bad continuation');
  }
  return { room, payload: bytes, after };
}

/** What the worker needs. */
export interface FanOutDependencies {
  readonly store: ConnectionStore;
  /** Posts to the worker's own @connections endpoint. */
  readonly post: PostFn;
  /** Sends job bodies to the fan-out queue (the rest of a job that meets the deadline). */
  readonly enqueue: (body: string) => Promise<void>;
  /** Epoch ms after which no new post starts. */
  readonly deadline: number;
  readonly concurrency?: number;
  /** The clock, epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** Runs one job: its ids, or the room from its continuation; hands what the deadline leaves back to the queue. */
export async function runJob(deps: FanOutDependencies, body: string): Promise<BroadcastResult & { readonly requeued: number }> {
  const job = parseJob(body);
  async function* explicit(): AsyncGenerator<{ ids: string[] }> {
    yield { ids: job.ids! };
  }
  const result = await broadcast({
    connections: job.ids ? explicit() : deps.store.roomPages(job.room, job.after),
    post: deps.post,
    removeStale: (id) => deps.store.removeStale(id),
    data: job.payload,
    concurrency: deps.concurrency,
    deadline: deps.deadline,
    now: deps.now,
  });
  const rest = result.deferred.length > 0 || result.resumeAfter ? fanOutBodies(job.room, job.payload, result.deferred, result.resumeAfter) : [];
  for (const next of rest) await deps.enqueue(next);
  return { ...result, requeued: rest.length };
}
