/**
 * Custom resource handler: sets (Create/Update) or removes (Delete) a tier's AWS Marketplace product code on its
 * usage plan, which CloudFormation cannot express. Logic in src/runtime/monetized/plan-resources.ts.
 * Never logs the ResponseURL (a presigned secret) or the event.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CfnEvent, putResponse, runCustomResource } from '../runtime/monetized/custom-resource';
import { keyGateway } from '../runtime/monetized/environment';
import { productCode } from '../runtime/monetized/plan-resources';

const logger = new Logger({ serviceName: 'monetized-product-code' });
const log = (m: string, f: Record<string, unknown>) => logger.info(m, f);
const gateway = keyGateway();

export async function handler(event: CfnEvent): Promise<void> {
  await runCustomResource(event, { respond: putResponse, log }, 'product-code', (e) => productCode(gateway, log, e));
}
