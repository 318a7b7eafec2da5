/**
 * Usage reports from API Gateway's GetUsage: daily [used, remaining] pairs per key of a usage plan (a tier).
 * "The usage date range can't exceed 90 days"
 * (https://repost.aws/knowledge-center/api-gateway-usage-key), so a range is read in windows of at most 90 days
 * (dates inclusive), every page of each window followed, and each key's days merged in date order. Records name
 * the key's customer: from the customer table, else from the key's customer tag (static customers) or its
 * Marketplace customer id, else null. Format: JSON Lines, documented in docs/monetized-runtime.md.
 * No CDK imports: runs inside Lambda.
 */
import { KEY_TAGS, TierConfig } from './contract';
import { HttpError } from './errors';
import { KeyGateway } from './gateway';
import { CustomerStore } from './store';

/** GetUsage's largest range, in days (inclusive). */
export const MAX_WINDOW_DAYS = 90;
/** The largest range one report or export covers. */
export const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

/** One line of a report: one key, one day. */
export interface UsageRecord {
  readonly date: string;
  readonly tier: string;
  readonly usagePlanId: string;
  readonly keyId: string;
  readonly customerId: string | null;
  readonly used: number;
  readonly remaining: number | null;
}

/** A window of dates, inclusive. */
export interface DateWindow {
  readonly start: string;
  readonly end: string;
}

/** A `YYYY-MM-DD` date as UTC midnight in ms, or undefined when it is not a real date. */
export function parseDate(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(ms) && formatDate(ms) === value ? ms : undefined;
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Every date of the range, inclusive. */
export function datesOf(window: DateWindow): string[] {
  const dates: string[] = [];
  for (let d = parseDate(window.start)!; d <= parseDate(window.end)!; d += DAY_MS) dates.push(formatDate(d));
  return dates;
}

/** Checks a range: real dates, `from` <= `to`, at most MAX_RANGE_DAYS days. */
export function checkRange(from: unknown, to: unknown): DateWindow {
  const start = parseDate(from);
  const end = parseDate(to);
  if (start === undefined) throw new HttpError(400, 'InvalidDate', 'from must be a date YYYY-MM-DD');
  if (end === undefined) throw new HttpError(400, 'InvalidDate', 'to must be a date YYYY-MM-DD');
  if (end < start) throw new HttpError(400, 'InvalidRange', 'to is before from');
  if ((end - start) / DAY_MS + 1 > MAX_RANGE_DAYS) throw new HttpError(400, 'InvalidRange', `a range covers at most ${MAX_RANGE_DAYS} days`);
  return { start: from as string, end: to as string };
}

/** The range cut into consecutive windows of at most MAX_WINDOW_DAYS days each. */
export function usageWindows(range: DateWindow): DateWindow[] {
  const windows: DateWindow[] = [];
  const last = parseDate(range.end)!;
  for (let start = parseDate(range.start)!; start <= last; start += MAX_WINDOW_DAYS * DAY_MS) {
    windows.push({ start: formatDate(start), end: formatDate(Math.min(last, start + (MAX_WINDOW_DAYS - 1) * DAY_MS)) });
  }
  return windows;
}

/** One key's day. */
export interface KeyDay {
  readonly date: string;
  readonly used: number;
  readonly remaining: number | null;
}

/**
 * Merges windows of GetUsage items into each key's days in date order: the i-th pair of a window is the window's
 * i-th date; pairs past the window's end are ignored.
 */
export function mergeUsage(windows: ReadonlyArray<{ window: DateWindow; items: Record<string, number[][]> }>): Map<string, KeyDay[]> {
  const merged = new Map<string, KeyDay[]>();
  for (const { window, items } of windows) {
    const dates = datesOf(window);
    for (const [keyId, pairs] of Object.entries(items)) {
      const days = merged.get(keyId) ?? [];
      pairs.slice(0, dates.length).forEach((pair, i) => {
        const used = Number(pair?.[0] ?? 0);
        const remaining = pair?.[1];
        days.push({ date: dates[i], used: Number.isFinite(used) ? used : 0, remaining: typeof remaining === 'number' ? remaining : null });
      });
      merged.set(keyId, days);
    }
  }
  for (const days of merged.values()) days.sort((a, b) => a.date.localeCompare(b.date));
  return merged;
}

/** Report lines for one tier, ordered by key id then date. */
export function usageRecords(tier: TierConfig, merged: Map<string, KeyDay[]>, owners: Map<string, string | null>): UsageRecord[] {
  return [...merged.keys()].sort().flatMap((keyId) =>
    merged.get(keyId)!.map((day) => ({
      date: day.date,
      tier: tier.name,
      usagePlanId: tier.usagePlanId,
      keyId,
      customerId: owners.get(keyId) ?? null,
      used: day.used,
      remaining: day.remaining,
    })),
  );
}

/** JSON Lines: one record per line, fields in a fixed order, a newline after each. */
export function toJsonLines(records: readonly UsageRecord[]): string {
  return records
    .map((r) => JSON.stringify({ date: r.date, tier: r.tier, usagePlanId: r.usagePlanId, keyId: r.keyId, customerId: r.customerId, used: r.used, remaining: r.remaining }) + '\n')
    .join('');
}

/** The customer of each key: the table's key items, else the key's customer tag or Marketplace customer id. */
export async function resolveOwners(gateway: KeyGateway, store: CustomerStore, keyIds: readonly string[]): Promise<Map<string, string | null>> {
  const owners = new Map<string, string | null>(await store.keyOwners(keyIds));
  for (const keyId of keyIds) {
    if (owners.has(keyId)) continue;
    const key = await gateway.getKey(keyId);
    owners.set(keyId, key?.tags?.[KEY_TAGS.customer] ?? key?.customerId ?? null);
  }
  return owners;
}

/** A tier's usage over a range (any length up to MAX_RANGE_DAYS), one record per key and day. */
export async function tierUsage(gateway: KeyGateway, store: CustomerStore, tier: TierConfig, range: DateWindow): Promise<UsageRecord[]> {
  const windows = [];
  for (const window of usageWindows(range)) windows.push({ window, items: await gateway.usage(tier.usagePlanId, window.start, window.end) });
  const merged = mergeUsage(windows);
  return usageRecords(tier, merged, await resolveOwners(gateway, store, [...merged.keys()]));
}
