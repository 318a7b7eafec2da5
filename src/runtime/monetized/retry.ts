/**
 * Pacing and retries for API Gateway's control plane, whose rates are fixed per account and region: about 10
 * requests per second in all, CreateApiKey 5 per second, UpdateUsagePlan 1 every 20 seconds
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html, "API Gateway quotas for creating,
 * deploying and managing an API"). Each execution environment spaces its own calls; calls of other environments and
 * other tools share the same budget, so throttling (429) and server faults are still retried with jittered
 * exponential backoff, never sooner than the service's `retryAfterSeconds`. Time comes from an injected clock (a
 * fake one in tests). No CDK imports: runs inside Lambda.
 */
import { errorName, errorStatus, retryAfterSeconds } from './errors';

/** Time, injected: the system clock in Lambda, a fake clock in tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** How often and how patiently one kind of call is retried. */
export interface RetryPolicy {
  /** Calls in all, the first included. */
  readonly attempts: number;
  /** Delay before the first retry (doubled for each further one), before jitter. */
  readonly baseDelayMs: number;
  /** Largest delay between two attempts. */
  readonly maxDelayMs: number;
}

/** Most calls: about 10 s of retries in all. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 4_000 };
/** UpdateUsagePlan (1 call every 20 s per account): a slot comes back every 20 s, so wait about that long. */
export const UPDATE_USAGE_PLAN_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 20_000, maxDelayMs: 40_000 };

/** Minimum spacing of one environment's calls, by operation, and of all its calls. */
export const CALL_SPACING_MS: Record<string, number> = {
  CreateApiKey: 200,
  UpdateUsagePlan: 20_000,
};
/** About 10 control-plane requests per second per account. */
export const ANY_CALL_SPACING_MS = 100;

/** Errors worth another attempt: throttling, server faults and connection failures. */
export function isRetryable(error: unknown): boolean {
  const name = errorName(error);
  if (['TooManyRequestsException', 'ThrottlingException', 'ServiceUnavailableException', 'InternalServiceErrorException'].includes(name)) return true;
  if (['TimeoutError', 'RequestTimeout', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(name)) return true;
  const status = errorStatus(error);
  return status === 429 || status >= 500;
}

/**
 * The delay before retry number `retry` (1 for the first): exponential, capped, with "equal jitter" (half fixed,
 * half random, so simultaneous callers spread out), and never less than the service's hint.
 */
export function retryDelay(policy: RetryPolicy, retry: number, random: () => number, hintSeconds?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const jittered = Math.round(ceiling / 2 + (ceiling / 2) * random());
  return Math.max(jittered, hintSeconds !== undefined ? hintSeconds * 1000 : 0);
}

/** Spaces calls: at least CALL_SPACING_MS[operation] between two calls of one operation, ANY_CALL_SPACING_MS between any two. */
export class Pacer {
  private readonly last = new Map<string, number>();
  private lastAny = -Infinity;

  constructor(private readonly clock: Clock) {}

  /** Waits until `operation` may be called, and books that call. */
  public async turn(operation: string): Promise<void> {
    const spacing = CALL_SPACING_MS[operation] ?? 0;
    const earliest = Math.max((this.last.get(operation) ?? -Infinity) + spacing, this.lastAny + ANY_CALL_SPACING_MS);
    const wait = earliest - this.clock.now();
    if (wait > 0) await this.clock.sleep(wait);
    const at = this.clock.now();
    this.last.set(operation, at);
    this.lastAny = at;
  }
}

/** What a paced, retried call needs. */
export interface CallContext {
  readonly clock: Clock;
  readonly pacer: Pacer;
  readonly random: () => number;
}

/** Calls `fn` in its pacing slot, retrying retryable errors under `policy`; rethrows the last error. */
export async function paced<T>(ctx: CallContext, operation: string, fn: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await ctx.pacer.turn(operation);
    try {
      return await fn();
    } catch (e) {
      if (attempt >= policy.attempts || !isRetryable(e)) throw e;
      await ctx.clock.sleep(retryDelay(policy, attempt, ctx.random, retryAfterSeconds(e)));
    }
  }
}
