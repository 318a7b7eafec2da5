/**
 * Custom resource handler: publishes a static customer's generated API key value to Secrets Manager
 * (GetApiKey includeValue -> PutSecretValue), so key values never appear in the template.
 * Logic in src/runtime/monetized/key-secret.ts. Never logs the value, the ResponseURL or the event.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CfnEvent, putResponse, runCustomResource } from '../runtime/monetized/custom-resource';
import { keyGateway } from '../runtime/monetized/environment';
import { keySecret } from '../runtime/monetized/key-secret';

const logger = new Logger({ serviceName: 'monetized-key-secret' });
const log = (m: string, f: Record<string, unknown>) => logger.info(m, f);
const gateway = keyGateway();
const secrets = new SecretsManagerClient({});

export async function handler(event: CfnEvent): Promise<void> {
  await runCustomResource(event, { respond: putResponse, log }, 'secret', (e) => keySecret(gateway, secrets, log, e));
}
