/**
 * MonetizedApi usage reporting (T-c12): GetUsage read in windows of at most 90 days, pages followed, daily
 * [used, remaining] pairs merged per key, JSON Lines to S3 (mocked) and the admin usage route.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { adminEvent, harness } from './support/monetized-setup';
import { handleAdmin } from '../../src/runtime/monetized/admin';
import { exportKey, exportRange, exportUsage } from '../../src/runtime/monetized/export';
import { checkRange, datesOf, mergeUsage, MAX_WINDOW_DAYS, toJsonLines, usageWindows } from '../../src/runtime/monetized/usage';
import { LocalDynamo, startDynalite } from '../support/dynalite';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => dynamo.close());

const json = (r: { body: string }) => JSON.parse(r.body);

describe('report windows', () => {
  test('the AWS rule: GetUsage refuses a range over 90 days (model of https://repost.aws/knowledge-center/api-gateway-usage-key)', async () => {
    const h = await harness(dynamo);
    expect(() => h.fake.GetUsage({ usagePlanId: 'planbasic', startDate: '2026-01-01', endDate: '2026-04-01' })).toThrow(/90 days/);
    expect(h.fake.GetUsage({ usagePlanId: 'planbasic', startDate: '2026-01-01', endDate: '2026-03-31' }).usagePlanId).toBe('planbasic');
  });

  test('GIVEN 120 days WHEN split THEN two windows, 90 and 30 days, consecutive, none over 90', () => {
    const windows = usageWindows(checkRange('2026-01-01', '2026-04-30'));
    expect(windows).toEqual([{ start: '2026-01-01', end: '2026-03-31' }, { start: '2026-04-01', end: '2026-04-30' }]);
    expect(windows.map((w) => datesOf(w).length)).toEqual([90, 30]);
    expect(Math.max(...usageWindows(checkRange('2025-01-01', '2025-12-31')).map((w) => datesOf(w).length))).toBeLessThanOrEqual(MAX_WINDOW_DAYS);
    expect(usageWindows(checkRange('2026-02-28', '2026-02-28'))).toEqual([{ start: '2026-02-28', end: '2026-02-28' }]);
  });

  test('GIVEN windows of pairs WHEN merged THEN each key has its days in date order, pairs past a window are dropped', () => {
    const merged = mergeUsage([
      { window: { start: '2026-01-03', end: '2026-01-04' }, items: { k1: [[5, 95], [6, 89], [99, 99]] } },
      { window: { start: '2026-01-01', end: '2026-01-02' }, items: { k1: [[1, 99], [2, 97]], k2: [[7, 0]] } },
    ]);
    expect(merged.get('k1')!.map((d) => [d.date, d.used, d.remaining])).toEqual([
      ['2026-01-01', 1, 99], ['2026-01-02', 2, 97], ['2026-01-03', 5, 95], ['2026-01-04', 6, 89],
    ]);
    expect(merged.get('k2')).toEqual([{ date: '2026-01-01', used: 7, remaining: 0 }]);
  });
});

describe('usage of a tier', () => {
  test('GIVEN 120 days and 3 keys WHEN reported on the admin route THEN 2 GetUsage windows, every page, records named by customer', async () => {
    const h = await harness(dynamo);
    const a = json(await handleAdmin(h.deps, adminEvent('POST', '/customers', { body: { customerId: 'acme', tier: 'basic' } })));
    const b = json(await handleAdmin(h.deps, adminEvent('POST', '/customers', { body: { customerId: 'beta', tier: 'basic' } })));
    // A static customer's key, made outside the handlers, carries the customer tag.
    const s = h.fake.CreateApiKey({ name: 'static', enabled: true, tags: { 'cdk-apigateway-patterns:customer': 'static-co' } });
    h.fake.plans.get('planbasic')!.keys.push(s.id);
    h.fake.setUsage('planbasic', a.keyId, '2026-01-01', 10, 990);
    h.fake.setUsage('planbasic', a.keyId, '2026-04-30', 30, 970);
    h.fake.calls.length = 0;
    const res = await handleAdmin(h.deps, adminEvent('GET', '/usage', { query: { tier: 'basic', from: '2026-01-01', to: '2026-04-30' } }));
    expect(res.statusCode).toBe(200);
    const usage = h.fake.calls.filter((c) => c.op === 'GetUsage').map((c) => [c.input.startDate, c.input.endDate, c.input.position]);
    // Two windows; three keys at two per page: two pages each.
    expect(usage).toEqual([
      ['2026-01-01', '2026-03-31', undefined], ['2026-01-01', '2026-03-31', '2'],
      ['2026-04-01', '2026-04-30', undefined], ['2026-04-01', '2026-04-30', '2'],
    ]);
    const records = json(res).records;
    expect(records).toHaveLength(3 * 120);
    const first = records.find((r: any) => r.keyId === a.keyId && r.date === '2026-01-01');
    expect(first).toEqual({ date: '2026-01-01', tier: 'basic', usagePlanId: 'planbasic', keyId: a.keyId, customerId: 'acme', used: 10, remaining: 990 });
    expect(records.find((r: any) => r.keyId === a.keyId && r.date === '2026-04-30')).toMatchObject({ used: 30, remaining: 970 });
    expect(new Set(records.map((r: any) => r.customerId))).toEqual(new Set(['acme', 'beta', 'static-co']));
    expect(records.filter((r: any) => r.keyId === b.keyId).map((r: any) => r.date)).toEqual(datesOf({ start: '2026-01-01', end: '2026-04-30' }));
  });

  test('GIVEN a rotated key WHEN usage is read by customer THEN the old key still counts for that customer', async () => {
    const h = await harness(dynamo);
    const a = json(await handleAdmin(h.deps, adminEvent('POST', '/customers', { body: { customerId: 'acme', tier: 'pro' } })));
    h.fake.setUsage('planpro', a.keyId, '2026-01-10', 4, 96);
    const r = json(await handleAdmin(h.deps, adminEvent('POST', '/customers/{customerId}/rotate', { path: { customerId: 'acme' } })));
    h.fake.setUsage('planpro', r.keyId, '2026-01-11', 6, 94);
    const res = json(await handleAdmin(h.deps, adminEvent('GET', '/usage', { query: { customerId: 'acme', from: '2026-01-10', to: '2026-01-11' } })));
    const used = res.records.filter((x: any) => x.used > 0).map((x: any) => [x.keyId, x.date, x.used, x.customerId]);
    expect(used).toEqual([[a.keyId, '2026-01-10', 4, 'acme'], [r.keyId, '2026-01-11', 6, 'acme']].sort());
  });

  test('records become JSON Lines: one object per line, fixed field order', () => {
    const text = toJsonLines([{ date: '2026-01-01', tier: 'pro', usagePlanId: 'p1', keyId: 'k1', customerId: null, used: 3, remaining: null }]);
    expect(text).toBe('{"date":"2026-01-01","tier":"pro","usagePlanId":"p1","keyId":"k1","customerId":null,"used":3,"remaining":null}\n');
  });
});

describe('scheduled export to S3', () => {
  test('GIVEN a scheduled event WHEN run THEN yesterday (UTC) of every tier is written, one KMS-encrypted object per tier and day', async () => {
    const h = await harness(dynamo, { REPORT_BUCKET: 'usage-reports', REPORT_PREFIX: 'billing/', REPORT_KMS_KEY_ID: 'alias/usage' });
    const a = json(await handleAdmin(h.deps, adminEvent('POST', '/customers', { body: { customerId: 'acme', tier: 'basic' } })));
    h.fake.setUsage('planbasic', a.keyId, '2026-03-01', 42, 958);
    const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const s3Mock = mockClient(s3);
    s3Mock.on(PutObjectCommand).resolves({});
    const result = await exportUsage({ ...h.deps, s3 }, { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'time': '2026-03-02T01:00:00Z' });
    // lowestRemaining: the quota left to the tier's most active key that day (the near-quota alarms' metric).
    expect(result).toEqual({ range: { start: '2026-03-01', end: '2026-03-01' }, objects: 3, records: 1, lowestRemaining: { planbasic: 958 } });
    const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Key)).toEqual(['billing/tier=basic/date=2026-03-01.jsonl', 'billing/tier=pro/date=2026-03-01.jsonl', 'billing/tier=mp/date=2026-03-01.jsonl']);
    expect(puts[0]).toMatchObject({ Bucket: 'usage-reports', ContentType: 'application/x-ndjson', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/usage' });
    expect(JSON.parse(String(puts[0].Body).trim())).toMatchObject({ keyId: a.keyId, customerId: 'acme', used: 42, remaining: 958 });
    // An empty day is still written: "no usage" differs from "not exported".
    expect(puts[1].Body).toBe('');
  });

  test('GIVEN a backfill of 120 days WHEN exported THEN GetUsage stays within 90-day windows and 120 objects per tier are written', async () => {
    const h = await harness(dynamo, { REPORT_BUCKET: 'usage-reports', TIERS: 'basic=planbasic', TIER_PRODUCT_CODES: '' });
    const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    mockClient(s3).on(PutObjectCommand).resolves({});
    const result = await exportUsage({ ...h.deps, s3 }, { from: '2026-01-01', to: '2026-04-30' });
    expect(result.objects).toBe(120);
    for (const c of h.fake.calls.filter((x) => x.op === 'GetUsage')) {
      expect((Date.parse(c.input.endDate) - Date.parse(c.input.startDate)) / 86_400_000 + 1).toBeLessThanOrEqual(90);
    }
  });

  test('export ranges: the day before the event, or the backfill asked for; bad ranges are refused', () => {
    expect(exportRange({ time: '2026-01-01T00:30:00Z' }, 0)).toEqual({ start: '2025-12-31', end: '2025-12-31' });
    expect(exportRange({}, Date.UTC(2026, 5, 10, 8))).toEqual({ start: '2026-06-09', end: '2026-06-09' });
    expect(() => exportRange({ from: '2026-02-01', to: '2026-01-01' }, 0)).toThrow('to is before from');
    expect(exportKey('usage/', 'pro', '2026-01-01')).toBe('usage/tier=pro/date=2026-01-01.jsonl');
  });

  test('GIVEN no REPORT_BUCKET WHEN exporting THEN it fails before any call', async () => {
    const h = await harness(dynamo);
    await expect(exportUsage({ ...h.deps, s3: new S3Client({}) }, {})).rejects.toThrow('REPORT_BUCKET is not set');
    expect(h.fake.calls).toEqual([]);
  });
});
