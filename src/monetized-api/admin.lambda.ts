/**
 * The MonetizedApi admin handler behind the IAM-authorized admin routes: create a customer in a tier, move it,
 * rotate its key, revoke it, read it, list a tier, read usage. Logic in src/runtime/monetized/admin.ts.
 * Never logs bodies or key values.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { AdminEvent, handleAdmin, ProxyResult } from '../runtime/monetized/admin';
import { monetizedDependencies } from '../runtime/monetized/environment';

const logger = new Logger({ serviceName: 'monetized-admin' });
let deps: ReturnType<typeof monetizedDependencies> | undefined;

export async function handler(event: AdminEvent): Promise<ProxyResult> {
  deps ??= monetizedDependencies(process.env, (m, f) => logger.info(m, f));
  return handleAdmin(deps, event);
}
