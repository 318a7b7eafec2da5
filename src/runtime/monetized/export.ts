/**
 * The usage export: for every tier and every day of a range, one S3 object
 * `{REPORT_PREFIX}tier={tier}/date={YYYY-MM-DD}.jsonl` with that day's records (./usage.ts format), written even
 * when empty so a billing job can tell "no usage" from "not exported". Objects are overwritten by a later export
 * of the same day, so exports are idempotent and a day can be exported again once its figures settled.
 * The scheduled (EventBridge) run exports the day before the event's time, in UTC; an event with `from` and `to`
 * exports that range (a backfill). No CDK imports: runs inside Lambda.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MonetizedConfig } from './contract';
import { HttpError, Log } from './errors';
import { KeyGateway } from './gateway';
import { Clock } from './retry';
import { CustomerStore } from './store';
import { checkRange, DateWindow, datesOf, formatDate, tierUsage, toJsonLines, UsageRecord } from './usage';

export interface ExportDependencies {
  readonly config: MonetizedConfig;
  readonly gateway: KeyGateway;
  readonly store: CustomerStore;
  readonly s3: S3Client;
  readonly clock: Clock;
  readonly log: Log;
}

/** What an export wrote. */
export interface ExportResult {
  readonly range: DateWindow;
  readonly objects: number;
  readonly records: number;
  /** Per usage plan id: the smallest quota left to any key on the range's last day (plans without a quota absent). */
  readonly lowestRemaining: Record<string, number>;
}

/** The smallest `remaining` of the records of `date`, if any record has one. */
export function lowestRemaining(records: readonly UsageRecord[], date: string): number | undefined {
  const left = records.filter((r) => r.date === date && typeof r.remaining === 'number').map((r) => r.remaining as number);
  return left.length ? Math.min(...left) : undefined;
}

/** The S3 key of one tier's day. */
export function exportKey(prefix: string, tier: string, date: string): string {
  return `${prefix}tier=${tier}/date=${date}.jsonl`;
}

/** The range an event asks for: `from`/`to` (a backfill), else the UTC day before the event's `time` (or now). */
export function exportRange(event: unknown, nowMs: number): DateWindow {
  const e = (event && typeof event === 'object' ? event : {}) as { from?: unknown; to?: unknown; time?: unknown };
  if (e.from !== undefined || e.to !== undefined) return checkRange(e.from, e.to);
  const time = typeof e.time === 'string' ? Date.parse(e.time) : NaN;
  const base = Number.isFinite(time) ? time : nowMs;
  const yesterday = formatDate(base - 86_400_000);
  return { start: yesterday, end: yesterday };
}

/** Exports every tier's usage over the range asked for. */
export async function exportUsage(deps: ExportDependencies, event: unknown): Promise<ExportResult> {
  const bucket = deps.config.reportBucket;
  if (!bucket) throw new HttpError(500, 'NotConfigured', 'REPORT_BUCKET is not set');
  const range = exportRange(event, deps.clock.now());
  let objects = 0;
  let records = 0;
  const lowest: Record<string, number> = {};
  for (const tier of deps.config.tiers) {
    const usage = await tierUsage(deps.gateway, deps.store, tier, range);
    const low = lowestRemaining(usage, range.end);
    if (low !== undefined) lowest[tier.usagePlanId] = low;
    for (const date of datesOf(range)) {
      const day = usage.filter((r) => r.date === date);
      await deps.s3.send(new PutObjectCommand({
        Bucket: bucket,
        Key: exportKey(deps.config.reportPrefix, tier.name, date),
        Body: toJsonLines(day),
        ContentType: 'application/x-ndjson',
        ...(deps.config.reportKmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: deps.config.reportKmsKeyId } : {}),
      }));
      objects++;
      records += day.length;
    }
  }
  deps.log('usage exported', { from: range.start, to: range.end, objects, records });
  return { range, objects, records, lowestRemaining: lowest };
}
