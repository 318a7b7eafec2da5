/**
 * The bundled JWT authorizer for REST REQUEST authorizers and WebSocket `$connect` authorizers.
 * Configuration: see src/runtime/jwt/config.ts (environment) and src/runtime/jwt/routes.ts (the route-scope map,
 * a file in the function's layer, read once per execution environment). Any missing or invalid token ends in
 * `Unauthorized` (401), a valid token without the route's scopes in an explicit Deny (403); the token is never
 * logged, only a stable reason code (src/runtime/jwt/reasons.ts).
 *
 * Logs are structured by the Lambda runtime itself (the construct sets the function's log format to JSON), which
 * keeps this hot-path bundle small: Powertools Logger would more than double it.
 */
import { readFileSync } from 'node:fs';
import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { UNAUTHORIZED, UsageKeyResolver, decide } from '../runtime/jwt/authorize';
import { JwtAuthorizerConfig, parseConfig } from '../runtime/jwt/config';
import { AuthorizerPolicy } from '../runtime/jwt/policy';
import { AuthorizerEvent } from '../runtime/jwt/token';
import { UsageKeyLookupError, createUsageKeyLookup } from '../runtime/jwt/usage-key';
import { Verifier, createVerifier } from '../runtime/jwt/verify';

interface State { config: JwtAuthorizerConfig; verifier: Verifier; usageKey?: UsageKeyResolver }
let state: State | undefined;

/** The claim-to-key lookup on the customer table and API Gateway (SDK clients only when it is configured). */
function usageKeyLookup(tableName: string): UsageKeyResolver {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const gateway = new APIGatewayClient({});
  return createUsageKeyLookup({
    customer: async (customerId) => (await doc.send(new GetCommand({ TableName: tableName, Key: { pk: `CUSTOMER#${customerId}` } }))).Item,
    keyValue: async (keyId) => (await gateway.send(new GetApiKeyCommand({ apiKey: keyId, includeValue: true }))).value,
  }, { ttlMs: 60_000, maxEntries: 10_000 });
}

/** Built once per execution environment, so the JWKS and the route map are read once. */
function current(): State {
  if (!state) {
    const config = parseConfig(process.env, (file) => readFileSync(file, 'utf8'));
    state = { config, verifier: createVerifier(config), usageKey: config.usageKey ? usageKeyLookup(config.usageKey.tableName) : undefined };
  }
  return state;
}

export async function handler(event: AuthorizerEvent): Promise<AuthorizerPolicy> {
  let s: State;
  try {
    s = current();
  } catch (e) {
    console.error('authorizer misconfigured', { reason: e instanceof Error ? e.message : 'unknown' });
    throw new Error(UNAUTHORIZED);
  }
  let decision;
  try {
    decision = await decide(event, s.config, s.verifier, s.usageKey);
  } catch (e) {
    if (!(e instanceof UsageKeyLookupError)) throw e;
    // Any error but "Unauthorized" makes API Gateway answer 500: the caller may retry; nothing is allowed.
    console.error('key lookup failed', { reason: e.reason });
    throw new Error('KeyLookupFailed');
  }
  if ('rejected' in decision) {
    console.info('token rejected', { reason: decision.rejected });
    throw new Error(UNAUTHORIZED);
  }
  if (decision.denied) console.info('route denied', { reason: decision.denied });
  return decision.policy;
}
