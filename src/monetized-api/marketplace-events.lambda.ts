/**
 * The AWS Marketplace subscription-notification handler (SNS, through SQS with ReportBatchItemFailures):
 * subscribe-success attaches the buyer's key, unsubscribe-success and subscribe-fail detach it.
 * Logic in src/runtime/monetized/marketplace.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { monetizedDependencies } from '../runtime/monetized/environment';
import { handleNotifications } from '../runtime/monetized/marketplace';

const logger = new Logger({ serviceName: 'monetized-marketplace-events' });
let deps: ReturnType<typeof monetizedDependencies> | undefined;

export async function handler(event: { Records?: unknown[] }): Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }> {
  deps ??= monetizedDependencies(process.env, (m, f) => logger.info(m, f));
  return handleNotifications(deps, event);
}
