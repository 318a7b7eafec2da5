/**
 * Static customers' keys: API Gateway generates the value (so it never appears in the template), and this custom
 * resource publishes it to a Secrets Manager secret: `GetApiKey includeValue` then `PutSecretValue` with the JSON
 * `{"apiKeyId": ..., "apiKey": ...}`. The value never reaches the log, the response Data or the reason.
 * A CloudFormation retry of the same request reuses its ClientRequestToken (derived from the request id), so it
 * adds no second secret version. Delete does nothing: the secret and the key are resources of their own.
 * No CDK imports: runs inside Lambda.
 */
import { createHash } from 'node:crypto';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RESOURCE_ID } from './contract';
import { CfnEvent, CfnOutcome, stringProperty } from './custom-resource';
import { HttpError, Log } from './errors';
import { KeyGateway } from './gateway';

/** A secret's name or ARN. */
const SECRET_ID = /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+|[A-Za-z0-9/_+=.@-]{1,512})$/;

export const keySecretId = (keyId: string) => `${keyId}/secret`;

/** PutSecretValue's idempotency token for one CloudFormation request (32-64 characters). */
export function requestToken(requestId: string, keyId: string): string {
  return createHash('sha256').update(`${requestId}/${keyId}`).digest('hex');
}

/** Handles a key-secret custom resource event. */
export async function keySecret(gateway: KeyGateway, secrets: SecretsManagerClient, log: Log, event: CfnEvent): Promise<CfnOutcome> {
  if (event.RequestType === 'Delete') return { physicalResourceId: event.PhysicalResourceId ?? event.LogicalResourceId };
  const keyId = stringProperty(event.ResourceProperties, 'ApiKeyId', RESOURCE_ID);
  const secretId = stringProperty(event.ResourceProperties, 'SecretId', SECRET_ID);
  const key = await gateway.getKey(keyId, true);
  if (!key?.value) throw new HttpError(404, 'ApiKeyNotFound', `API key ${keyId} does not exist`);
  const out = await secrets.send(new PutSecretValueCommand({
    SecretId: secretId,
    SecretString: JSON.stringify({ apiKeyId: keyId, apiKey: key.value }),
    ClientRequestToken: requestToken(event.RequestId, keyId),
  }));
  log('key value published', { keyId, versionId: out.VersionId });
  return { physicalResourceId: keySecretId(keyId), data: { ApiKeyId: keyId, ...(out.VersionId ? { SecretVersionId: out.VersionId } : {}) } };
}
