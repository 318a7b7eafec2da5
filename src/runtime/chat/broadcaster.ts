/**
 * Broadcasts a message to every connection of a room: streams the room page by page, posts with bounded
 * concurrency, removes connections that answer 410 Gone (the stale one, conditionally, never the sender),
 * retries throttling and server errors with jittered exponential backoff a bounded number of times, and fails
 * loudly on 403 (the handler's role may not post: a deployment error).
 *
 * At the deadline it stops: no new post starts and no further page is read; the unposted ids of the current page
 * and the position after it are returned, for the fan-out queue to finish. When reading a page fails, no post
 * starts after the failure either: the round waits for the posts in flight and then throws the read's error.
 * No CDK imports: runs inside Lambda.
 */

/** Posts one message to one connection; rejects with the AWS SDK's error (name and $metadata.httpStatusCode). */
export type PostFn = (connectionId: string, data: Uint8Array) => Promise<void>;

/** A page of connection ids and the position after it (absent on the last page). */
export interface ConnectionPage {
  readonly ids: string[];
  readonly next?: Record<string, unknown>;
}

export interface BroadcastOptions {
  /** Pages of connection ids (e.g. ConnectionStore.roomPages). */
  readonly connections: AsyncIterable<ConnectionPage>;
  readonly post: PostFn;
  /** Removes a stale connection (410); resolves true when removed. */
  readonly removeStale: (connectionId: string) => Promise<unknown>;
  readonly data: Uint8Array;
  /** Posts in flight at once. @default 50 */
  readonly concurrency?: number;
  /** Attempts per post for retryable errors. @default 4 */
  readonly maxAttempts?: number;
  /** Base backoff in ms (doubled per attempt, full jitter). @default 50 */
  readonly backoffMs?: number;
  /** Epoch ms after which no new post starts. @default - no deadline */
  readonly deadline?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface BroadcastResult {
  readonly delivered: number;
  readonly gone: number;
  readonly failed: number;
  /** Ids of the current page not attempted before the deadline. */
  readonly deferred: string[];
  /** Where the room continues after the current page, when the deadline stopped the round before its end. */
  readonly resumeAfter?: Record<string, unknown>;
}

/** The role may not post to the connections: a configuration error, raised after the round. */
export class BroadcastForbidden extends Error {
  constructor(count: number) {
    super(`PostToConnection was forbidden for ${count} connection(s): check the handler's execute-api:ManageConnections permission`);
    this.name = 'BroadcastForbidden';
  }
}

type Outcome = 'delivered' | 'gone' | 'failed' | 'forbidden' | 'stopped';

function statusOf(error: unknown): number {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; statusCode?: number };
  if (e?.name === 'GoneException') return 410;
  if (e?.name === 'ForbiddenException') return 403;
  if (e?.name === 'LimitExceededException' || e?.name === 'ThrottlingException' || e?.name === 'TooManyRequestsException') return 429;
  return e?.$metadata?.httpStatusCode ?? e?.statusCode ?? 500;
}

export async function broadcast(options: BroadcastOptions): Promise<BroadcastResult> {
  const concurrency = options.concurrency ?? 50;
  const maxAttempts = options.maxAttempts ?? 4;
  const backoff = options.backoffMs ?? 50;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const counts: Record<Outcome, number> = { delivered: 0, gone: 0, failed: 0, forbidden: 0, stopped: 0 };
  /** Set on a failed read: nothing starts after it. */
  let failure: { error: unknown } | undefined;
  let timedOut = false;
  const stopped = () => failure !== undefined || timedOut;
  const pastDeadline = () => options.deadline !== undefined && now() >= options.deadline;

  const sendOne = async (id: string): Promise<Outcome> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await options.post(id, options.data);
        return 'delivered';
      } catch (e) {
        const status = statusOf(e);
        if (status === 410) {
          await options.removeStale(id).catch(() => undefined);
          return 'gone';
        }
        if (status === 403) return 'forbidden';
        if ((status === 429 || status >= 500) && attempt < maxAttempts) {
          await sleep(Math.random() * backoff * 2 ** (attempt - 1));
          // A retry is a new post: it does not start after a failure.
          if (failure) return 'stopped';
          continue;
        }
        return 'failed';
      }
    }
  };

  // A fixed pool of workers pulls ids from the current page; the next page is fetched while this one is posted
  // (memory stays bounded by two pages), and a worker only awaits the store when the page is used up.
  let page: ConnectionPage = { ids: [] };
  let head = 0;
  let exhausted = false;
  const iterator = options.connections[Symbol.asyncIterator]();
  const prefetch = () => {
    const next = iterator.next();
    // A failed read stops the round at once (no post starts after it), not when its page would have been used.
    next.catch((error) => {
      failure ??= { error };
    });
    return next;
  };
  let nextPage = prefetch();
  let refilling: Promise<void> | undefined;
  const refill = async () => {
    try {
      const next = await nextPage;
      if (next.done) {
        exhausted = true;
      } else {
        page = next.value;
        head = 0;
        if (page.next) nextPage = prefetch();
        else exhausted = true;
      }
    } catch (error) {
      failure ??= { error };
    }
  };
  const worker = async () => {
    for (;;) {
      if (stopped()) return;
      if (head >= page.ids.length) {
        if (exhausted) return;
        refilling ??= refill().finally(() => (refilling = undefined));
        await refilling;
        continue;
      }
      if (pastDeadline()) {
        timedOut = true;
        return;
      }
      counts[await sendOne(page.ids[head++])] += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure) throw failure.error;
  if (counts.forbidden > 0) throw new BroadcastForbidden(counts.forbidden);
  const deferred = timedOut ? page.ids.slice(head) : [];
  const resumeAfter = timedOut && !exhausted ? page.next : undefined;
  return { delivered: counts.delivered, gone: counts.gone, failed: counts.failed, deferred, ...(resumeAfter ? { resumeAfter } : {}) };
}
