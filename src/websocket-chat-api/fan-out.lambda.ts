/**
 * The fan-out worker: posts the chunks of large-room broadcasts queued on SQS; logic in
 * src/runtime/chat/handlers.ts. Failed records are reported back so SQS retries only them (then the DLQ).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dependenciesFromEnvironment } from '../runtime/chat/environment';
import { onFanOut } from '../runtime/chat/handlers';

const logger = new Logger({ serviceName: 'websocket-chat-fan-out' });
let deps: ReturnType<typeof dependenciesFromEnvironment> | undefined;

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  deps ??= dependenciesFromEnvironment(process.env, (m, f) => logger.info(m, f), () => 60_000);
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records ?? []) {
    try {
      const result = await onFanOut({ ...deps, poster: deps.posterForEndpoint }, record.body);
      logger.info('fan-out chunk', { delivered: result.delivered, gone: result.gone, failed: result.failed });
    } catch (e) {
      logger.error('fan-out chunk failed', { name: (e as Error)?.name });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}
