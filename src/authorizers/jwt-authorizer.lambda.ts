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
import { UNAUTHORIZED, decide } from '../runtime/jwt/authorize';
import { JwtAuthorizerConfig, parseConfig } from '../runtime/jwt/config';
import { AuthorizerPolicy } from '../runtime/jwt/policy';
import { AuthorizerEvent } from '../runtime/jwt/token';
import { Verifier, createVerifier } from '../runtime/jwt/verify';

let state: { config: JwtAuthorizerConfig; verifier: Verifier } | undefined;

/** Built once per execution environment, so the JWKS and the route map are read once. */
function current(): { config: JwtAuthorizerConfig; verifier: Verifier } {
  if (!state) {
    const config = parseConfig(process.env, (file) => readFileSync(file, 'utf8'));
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
  if (decision.denied) console.info('route denied', { reason: decision.denied });
  return decision.policy;
}
