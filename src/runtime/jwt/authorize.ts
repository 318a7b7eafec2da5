/**
 * The authorizer's decision, from event to policy, as one pure async function the handler and the tests call.
 * No CDK imports: this module runs inside Lambda.
 */
import { JwtAuthorizerConfig } from './config';
import { AuthorizerPolicy, allowPolicy, allowedResources, parseMethodArn } from './policy';
import { AuthorizerEvent, extractToken, isWebSocketConnect } from './token';
import { Verifier, rejectionReason, tokenScopes, verifyToken } from './verify';

/** API Gateway turns exactly this error message into a 401. */
export const UNAUTHORIZED = 'Unauthorized';

const CONTEXT_CLAIMS = ['sub', 'scope', 'client_id', 'username', 'email', 'cognito:username'];

/** Safe, string-valued claims passed to the integration as `requestContext.authorizer`. */
export function contextOf(payload: Record<string, unknown>): Record<string, string> {
  const context: Record<string, string> = {};
  for (const claim of CONTEXT_CLAIMS) {
    const value = payload[claim];
    if (typeof value === 'string' && value.length <= 512) context[claim.replace(':', '_')] = value;
  }
  return context;
}

/** Outcome: a policy, or a rejection reason (the handler throws `Unauthorized` then). */
export type Decision = { readonly policy: AuthorizerPolicy } | { readonly rejected: string };

export async function decide(event: AuthorizerEvent, config: JwtAuthorizerConfig, verifier: Verifier): Promise<Decision> {
  const methodArn = event && typeof event === 'object' && typeof event.methodArn === 'string' ? parseMethodArn(event.methodArn) : undefined;
  if (!methodArn) return { rejected: 'InvalidEvent' };
  const token = extractToken(event, config);
  if (!token) return { rejected: 'MissingToken' };
  let payload: Record<string, unknown>;
  try {
    payload = (await verifyToken(verifier, token)) as Record<string, unknown>;
  } catch (e) {
    return { rejected: rejectionReason(e) };
  }
  const sub = typeof payload.sub === 'string' && payload.sub.length > 0 ? payload.sub : undefined;
  if (!sub) return { rejected: 'MissingSub' };
  const scopes = tokenScopes(payload as never);
  if (!config.requiredScopes.every((s) => scopes.has(s))) return { rejected: 'MissingScope' };
  const resources = isWebSocketConnect(event) ? [event.methodArn!] : allowedResources(event.methodArn!, scopes, config.routeScopes, methodArn);
  if (resources.length === 0) return { rejected: 'NoAllowedRoute' };
  return { policy: allowPolicy(sub, resources, contextOf(payload)) };
}
