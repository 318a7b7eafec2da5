/**
 * Per-method and per-stage acknowledgements of the REST patterns. Internal to the REST base.
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { AuthorizationKind } from '../core/authorization';
import { acknowledge } from '../core/private/acknowledgements';

/** Per-method findings that follow from the chosen authorization, acknowledged on that method only. */
export function acknowledgeMethod(method: apigateway.Method, kind: AuthorizationKind, preflight: boolean = false): void {
  if (preflight) {
    const reason = 'CORS preflight (OPTIONS) requests carry no credentials by the Fetch standard, so this method cannot be authorized; it returns only CORS headers from a mock integration';
    for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) acknowledge(method, { id, reason });
    return;
  }
  if (kind !== AuthorizationKind.COGNITO && kind !== AuthorizationKind.NONE) {
    acknowledge(method, {
      id: 'AwsSolutions-COG4',
      reason: `The API owner chose ${kind} authorization for this method instead of a Cognito user pool authorizer; the method is authorized`,
    });
  }
}

/**
 * The NIST, HIPAA and PCI packs want an encrypted cache on every stage. Without a cache there is no cached data
 * at rest to protect; a cache cluster is billed hourly, so it is created only when `stage.cache` asks for one.
 */
export function acknowledgeNoCache(stage: apigateway.Stage): void {
  const reason =
    'No stage cache was requested, so no response data is cached at rest; a cache cluster is a billed always-on ' +
    'resource created (always encrypted) only when stage.cache is set';
  for (const id of ['NIST.800.53.R5-APIGWCacheEnabledAndEncrypted', 'HIPAA.Security-APIGWCacheEnabledAndEncrypted', 'PCI.DSS.321-APIGWCacheEnabledAndEncrypted']) {
    acknowledge(stage, { id, reason });
  }
}
