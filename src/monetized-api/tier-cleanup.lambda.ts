/**
 * Custom resource handler: on Delete of a tier, detaches its usage plan's stages and keys (and, when asked,
 * deletes the plan), so API Gateway never refuses the plan's deletion. Logic in src/runtime/monetized/plan-resources.ts.
 * Never logs the ResponseURL or the event.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CfnEvent, putResponse, runCustomResource } from '../runtime/monetized/custom-resource';
import { keyGateway } from '../runtime/monetized/environment';
import { tierCleanup } from '../runtime/monetized/plan-resources';

const logger = new Logger({ serviceName: 'monetized-tier-cleanup' });
const log = (m: string, f: Record<string, unknown>) => logger.info(m, f);
const gateway = keyGateway();

export async function handler(event: CfnEvent): Promise<void> {
  await runCustomResource(event, { respond: putResponse, log }, 'cleanup', (e) => tierCleanup(gateway, log, e));
}
