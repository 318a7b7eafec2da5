/**
 * Custom resource handler: applies the cache-invalidation settings (authorization required; unauthorized
 * `Cache-Control: max-age=0` ignored with a warning header) to every method setting of a REST stage.
 * Logic in src/runtime/cache-control/logic.ts. Never logs the ResponseURL (a presigned secret) or the event.
 */
import * as https from 'node:https';
import { APIGatewayClient, UpdateStageCommand } from '@aws-sdk/client-api-gateway';
import { CustomResourceEvent, Dependencies, handleEvent } from '../runtime/cache-control/logic';

const client = new APIGatewayClient({});

function put(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`response upload failed: ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('response upload timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const deps: Dependencies = {
  updateStage: async (restApiId, stageName, patchOperations) => {
    await client.send(new UpdateStageCommand({ restApiId, stageName, patchOperations: [...patchOperations] }));
  },
  respond: put,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function handler(event: CustomResourceEvent): Promise<void> {
  const status = await handleEvent(event, deps);
  console.info('cache-control settings', { requestType: event.RequestType, status });
}
