/**
 * The AWS Marketplace SaaS registration handler: the fulfilment URL Marketplace POSTs the buyer to, with
 * `x-amzn-marketplace-token`. Logic in src/runtime/monetized/marketplace.ts. Never logs the token or key values.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering';
import { AdminEvent, ProxyResult } from '../runtime/monetized/admin';
import { monetizedDependencies } from '../runtime/monetized/environment';
import { MarketplaceDependencies, register } from '../runtime/monetized/marketplace';

const logger = new Logger({ serviceName: 'monetized-marketplace-registration' });
let deps: MarketplaceDependencies | undefined;

export async function handler(event: AdminEvent): Promise<ProxyResult> {
  deps ??= { ...monetizedDependencies(process.env, (m, f) => logger.info(m, f)), metering: new MarketplaceMeteringClient({ maxAttempts: 1 }) };
  return register(deps, event);
}
