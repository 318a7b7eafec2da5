/**
 * `npm run local [-- --port 8080]`: the playground (./playground.ts) until Ctrl-C.
 */
import { startPlayground } from './playground';

async function main(): Promise<void> {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const playground = await startPlayground({ port: arg('port') ?? 8080, echoLogs: process.argv.includes('--logs') });
  console.log(`Chat page:     ${playground.pageUrl}  (open it in two browser windows, same room)`);
  console.log(`Chat API:      ${playground.chatUrl}?token=<token from ${playground.pageUrl}token?user=NAME>`);
  for (const url of playground.restUrls) console.log(`REST API:      ${url}  (Authorization: Bearer <ordersToken from /token>)`);
  console.log('\nWhat the playground changes and what it does not model:');
  for (const note of playground.notes) console.log(`  - ${note}`);
  console.log('\nCtrl-C to stop.');
  const stop = () => {
    void playground.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
