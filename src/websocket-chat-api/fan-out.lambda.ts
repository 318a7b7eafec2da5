/**
 * The fan-out worker: runs the jobs of large-room broadcasts queued on SQS (logic in src/runtime/chat/fan-out.ts),
 * posting only to its own API's @connections endpoint. Failed records are reported back so SQS retries only them
 * (then the DLQ); a job refused as invalid is reported too, so it ends in the DLQ for inspection.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { fanOutDependencies } from '../runtime/chat/environment';
import { runJob } from '../runtime/chat/fan-out';
import { SAFETY_MS } from '../runtime/chat/handlers';

const logger = new Logger({ serviceName: 'websocket-chat-fan-out' });
let deps: ReturnType<typeof fanOutDependencies> | undefined;

export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  deps ??= fanOutDependencies(process.env);
  const remaining = () => context?.getRemainingTimeInMillis?.() ?? 60_000;
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event?.Records ?? []) {
    try {
      const result = await runJob({ ...deps, deadline: Date.now() + Math.max(0, remaining() - SAFETY_MS) }, record.body);
      logger.info('fan-out job', { delivered: result.delivered, gone: result.gone, failed: result.failed, requeued: result.requeued });
    } catch (e) {
      logger.error('fan-out job failed', { name: (e as Error)?.name });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}
