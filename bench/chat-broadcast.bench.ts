/**
 * Broadcast to one room of N connections (100, 1,000, 5,000, 40,000) against dynalite and a local @connections
 * stub with 0 ms or 20 ms latency per post and 10 % gone connections, side by side with the reference algorithm
 * of aws-samples/simple-websockets-chat-app (one Scan of the whole table, then Promise.all over every post; its
 * 410 handling corrected to delete the stale connection). `BENCH_QUICK=1` runs N = 100 and 1,000 only.
 * CPU time is the whole process's (both algorithms share the same in-process stand-ins).
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { BatchWriteCommand, DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { broadcast } from '../src/runtime/chat/broadcaster';
import { posterFor } from '../src/runtime/chat/environment';
import { ConnectionStore } from '../src/runtime/chat/store';
import { createConnectionTable, startDynalite } from '../test/support/dynalite';
import type { BenchResult } from './index';

const SIZES = process.env.BENCH_QUICK ? [100, 1000] : [100, 1000, 5000, 40_000];
const LATENCIES = [0, 20];
const TABLE = 'bench-connections';
const ROOM = 'bench';
/** The chat handler's defaults: 1,000 posts in flight over at most 200 sockets. */
const POOL = 1000;

/** 10 % of connections are gone (deterministic by index). */
const isGone = (id: string) => Number(id.slice(1)) % 10 === 0;

export async function run(): Promise<BenchResult> {
  // Local stand-ins only: dummy region and credentials for the SDK clients.
  process.env.AWS_REGION ??= 'eu-west-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const db = await startDynalite();
  await createConnectionTable(db.client, TABLE);
  let latency = 0;
  const delivered = new Set<string>();
  const stub = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      setTimeout(() => {
        if (isGone(id)) return void res.writeHead(410, { 'x-amzn-errortype': 'GoneException' }).end('{"message":"gone"}');
        delivered.add(id);
        res.writeHead(200).end();
      }, latency);
    });
  });
  stub.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/prod`;
  // Both algorithms post through the same client configuration as the chat handler (posterFor).
  const post = posterFor(endpoint, POOL);
  const store = new ConnectionStore(db.doc, { tableName: TABLE });
  const data = Buffer.from(JSON.stringify({ type: 'message', room: ROOM, data: 'x'.repeat(200) }));

  let seeded = 0;
  const seed = async (n: number, only?: string[]) => {
    const ids = only ?? Array.from({ length: n - seeded }, (_, i) => `c${seeded + i}`);
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += 25) batches.push(ids.slice(i, i + 25));
    const worker = async () => {
      for (let b = batches.shift(); b; b = batches.shift()) {
        await db.doc.send(new BatchWriteCommand({ RequestItems: { [TABLE]: b.map((connectionId) => ({ PutRequest: { Item: { connectionId, userId: 'u', roomId: ROOM } } })) } }));
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    if (!only) seeded = n;
  };

  const ours = () =>
    broadcast({ connections: store.roomPages(ROOM), post, removeStale: (id) => store.removeStale(id), data, concurrency: POOL });
  const baseline = async () => {
    const scan = await db.doc.send(new ScanCommand({ TableName: TABLE, ProjectionExpression: 'connectionId' }));
    await Promise.all(
      (scan.Items ?? []).map(async ({ connectionId }) => {
        try {
          await post(connectionId as string, data);
        } catch (e) {
          if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410) {
            await db.doc.send(new DeleteCommand({ TableName: TABLE, Key: { connectionId } }));
          }
        }
      }),
    );
  };

  /** Items the room index holds: dynalite's GSI drops about 1 in 1,000 items (a stand-in defect, checked here). */
  const indexed = async () => {
    let count = 0;
    let key: Record<string, unknown> | undefined;
    do {
      const page = await db.doc.send(new ScanCommand({ TableName: TABLE, IndexName: 'room-index', Select: 'COUNT', ExclusiveStartKey: key }));
      count += page.Count ?? 0;
      key = page.LastEvaluatedKey;
    } while (key);
    return count;
  };
  const notes: string[] = [];
  const rows: (string | number)[][] = [];
  try {
    for (const n of SIZES) {
      await seed(n);
      notes.push(`N=${n}: dynalite's room index holds ${await indexed()} of ${n} items (the base table holds all ${n}).`);
      const expected = Array.from({ length: n }, (_, i) => `c${i}`).filter((id) => !isGone(id)).length;
      const times: Record<string, number> = {};
      for (const ms of LATENCIES) {
        for (const [name, fn] of [['ours', ours], ['baseline', baseline]] as const) {
          latency = ms;
          // Best of two runs up to 5,000 (the first also warms sockets and JIT); one run at 40,000.
          let wall = Infinity;
          let cpu = { user: 0, system: 0 };
          const attempts = n > 5000 ? 1 : 2;
          for (let attempt = 0; attempt < attempts; attempt++) {
            delivered.clear();
            const cpu0 = process.cpuUsage();
            const t0 = process.hrtime.bigint();
            await fn();
            const w = Number(process.hrtime.bigint() - t0) / 1e6;
            if (w < wall) {
              wall = w;
              cpu = process.cpuUsage(cpu0);
            }
            if (attempt < attempts - 1) await seed(n, Array.from({ length: n }, (_, i) => `c${i}`).filter(isGone));
          }
          times[`${name}@${ms}`] = wall;
          rows.push([
            n,
            ms,
            name,
            `${delivered.size}/${expected}`,
            Math.round(wall),
            Number(((cpu.user + cpu.system) / 1000 / Math.max(delivered.size, 1)).toFixed(3)),
            name === 'ours' ? '' : Number((times[`ours@${ms}`] / wall).toFixed(2)),
          ]);
          // Put the gone connections back for the next run (both algorithms delete them).
          await seed(n, Array.from({ length: n }, (_, i) => `c${i}`).filter(isGone));
        }
      }
      rows.push([n, '', 'ours 20 ms / ours 0 ms', '', Number((times['ours@20'] / times['ours@0']).toFixed(2)), '', '']);
    }
  } finally {
    stub.closeAllConnections();
    await new Promise<void>((r) => stub.close(() => r()));
    await db.close();
  }
  return {
    title: 'Broadcast to one room: ours (room index pages, 1,000 posts in flight over 200 sockets) vs aws-samples reference (one Scan + Promise.all)',
    columns: ['N', 'latency ms', 'algorithm', 'delivered/expected', 'wall ms', 'CPU ms per delivered post', 'ours/baseline wall'],
    rows,
    notes: [
      '10 % of connections answer 410 Gone and are deleted by both; dynalite and the stub run in this process.',
      'Ours reads the room index (a Query per page); the baseline one Scan of the table (at most 1 MB).',
      ...notes,
    ],
  };
}
