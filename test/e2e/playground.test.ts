/**
 * The local playground (`npm run local`), driven as a user would: two headless Chromium sessions (Debian's
 * chromium, each with its own fresh profile) open the chat page, join the same room and each receives the
 * other's messages, through the example app's chat API served from its synthesized assembly. The REST API of the
 * example is called too, with the page's token. Set PLAYGROUND_SCREENSHOT=<file.png> to save a screenshot.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BrowserContext, Page, chromium } from 'playwright-core';
import { Playground, startPlayground } from '../../scripts/local/playground';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

let playground: Playground;
const sessions: BrowserContext[] = [];
const profiles: string[] = [];

async function session(): Promise<Page> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 900, height: 640 },
  });
  sessions.push(context);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(playground.pageUrl);
  return page;
}

async function join(page: Page, name: string, room: string): Promise<void> {
  await page.fill('#name', name);
  await page.fill('#room', room);
  await page.click('#connect');
  await page.waitForSelector(`#status:has-text("in room ${room} as ${name}")`, { timeout: 15_000 });
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#message', text);
  await page.click('#send');
}

const lines = (page: Page) => page.$$eval('#messages li:not(.system)', (items) => items.map((li) => li.textContent));

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  playground = await startPlayground({ port: 0 });
}, 180_000);

afterAll(async () => {
  for (const s of sessions) await s.close().catch(() => undefined);
  await playground?.close();
  for (const p of profiles) fs.rmSync(p, { recursive: true, force: true });
});

test('two browser sessions in one room each receive the other\'s messages', async () => {
  const [alice, bob] = await Promise.all([session(), session()]);
  await join(alice, 'alice', 'lobby');
  await join(bob, 'bob', 'lobby');
  await say(alice, 'hi bob');
  await bob.waitForSelector('#messages li:has-text("hi bob")', { timeout: 15_000 });
  await say(bob, 'hi alice');
  await alice.waitForSelector('#messages li:has-text("hi alice")', { timeout: 15_000 });
  expect(await lines(bob)).toEqual(expect.arrayContaining(['alicehi bob', 'bobhi alice']));
  expect(await lines(alice)).toEqual(expect.arrayContaining(['alicehi bob', 'bobhi alice']));
  if (process.env.PLAYGROUND_SCREENSHOT) await bob.screenshot({ path: process.env.PLAYGROUND_SCREENSHOT });
}, 120_000);

test('the playground says what it overrides and what is not modelled; its REST API answers with a local token', async () => {
  expect(playground.notes.some((n) => /override: .*JWT_ISSUER/.test(n))).toBe(true);
  expect(playground.notes.some((n) => n.startsWith('not modelled'))).toBe(true);
  const { ordersToken } = (await (await fetch(`${playground.pageUrl}token?user=carol`)).json()) as { ordersToken: string };
  const orders = playground.restUrls[0];
  expect((await fetch(`${orders}/orders`)).status).toBe(401);
  const headers = { 'content-type': 'application/json', 'Authorization': ordersToken };
  const invalid = await fetch(`${orders}/orders`, { method: 'POST', headers, body: JSON.stringify({ sku: 'x' }) });
  expect(invalid.status).toBe(400);
  expect(((await invalid.json()) as any).message).toBe('Invalid request body');
  // The HTTP_PROXY integrations go to the in-memory backend, with the integration's own HTTP method.
  const list = await fetch(`${orders}/orders`, { headers });
  expect(list.status).toBe(200);
  expect(await list.json()).toEqual([]);
  expect((await fetch(`${orders}/orders/42`, { headers })).status).toBe(404);
  expect((await fetch(`${orders}/admin/orders/42`, { method: 'DELETE', headers })).status).toBe(501);
});

test('a start that fails (its page port is taken) rejects and leaves nothing it started listening', async () => {
  const blocker = http.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as AddressInfo).port;
  // Every server the start opens (issuer, backend, fronts, page) goes through net.Server#listen.
  const listen = jest.spyOn(net.Server.prototype, 'listen');
  try {
    await expect(startPlayground({ port })).rejects.toThrow(/EADDRINUSE/);
    const opened = listen.mock.contexts as net.Server[];
    expect(opened.length).toBeGreaterThan(3);
    expect(opened.filter((server) => server.listening).map((server) => server.address())).toEqual([]);
  } finally {
    listen.mockRestore();
    await new Promise<void>((r) => blocker.close(() => r()));
  }
});
