/**
 * The bundled JWT authorizer for REST (TOKEN / REQUEST) and WebSocket `$connect` authorizers.
 * Configuration: see src/runtime/jwt/config.ts. Any missing or invalid token ends in `Unauthorized` (401);
 * the token is never logged, only the class of the rejection.
 *
 * Logs are structured by the Lambda runtime itself (the construct sets the function's log format to JSON), which
 * keeps this hot-path bundle small: Powertools Logger would more than double it.
 */
import { UNAUTHORIZED, decide } from '../runtime/jwt/authorize';
import { JwtAuthorizerConfig, parseConfig } from '../runtime/jwt/config';
import { AuthorizerPolicy } from '../runtime/jwt/policy';
import { AuthorizerEvent } from '../runtime/jwt/token';
import { Verifier, createVerifier } from '../runtime/jwt/verify';

let state: { config: JwtAuthorizerConfig; verifier: Verifier } | undefined;

/** Built once per execution environment, so the JWKS is cached across invocations. */
function current(): { config: JwtAuthorizerConfig; verifier: Verifier } {
  if (!state) {
    const config = parseConfig(process.env);
    state = { config, verifier: createVerifier(config) };
  }
  return state;
}

export async function handler(event: AuthorizerEvent): Promise<AuthorizerPolicy> {
  let s: { config: JwtAuthorizerConfig; verifier: Verifier };
  try {
    s = current();
  } catch (e) {
    console.error('authorizer misconfigured', { reason: e instanceof Error ? e.message : 'unknown' });
    throw new Error(UNAUTHORIZED);
  }
  const decision = await decide(event, s.config, s.verifier);
  if ('rejected' in decision) {
    console.info('token rejected', { reason: decision.rejected });
    throw new Error(UNAUTHORIZED);
  }
  console.debug('token accepted', { resources: decision.policy.policyDocument.Statement[0].Resource.length });
  return decision.policy;
}
