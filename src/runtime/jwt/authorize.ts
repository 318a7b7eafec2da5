/**
 * The authorizer's decision, from event to policy, as one pure async function the handler and the tests call.
 * No CDK imports: this module runs inside Lambda.
 *
 * - WebSocket `$connect`: Allow the `$connect` method ARN (there is no route map).
 * - REST REQUEST event: the route API Gateway selected (method + resource template, the cache key's values) is
 *   looked up in the route map; Allow its resource pattern when the token holds its scopes, else an explicit Deny
 *   of it (403). Why a policy for one route is sound with the authorizer cache: see policy.ts.
 * - Anything else (TOKEN events, whose cache key is the token alone) is refused.
 */
import { JwtAuthorizerConfig } from './config';
import { AuthorizerPolicy, allowPolicy, denyPolicy, parseMethodArn, routeArn } from './policy';
import { rejectionReason } from './reasons';
import { matchRoute } from './routes';
import { AuthorizerEvent, eventRoute, extractToken, isWebSocketConnect } from './token';
import { UsageKeyLookupError, customerIdOf } from './usage-key';
import { Verifier, tokenScopes, verifyToken } from './verify';

/** API Gateway turns exactly this error message into a 401. */
export const UNAUTHORIZED = 'Unauthorized';

const CONTEXT_CLAIMS = ['sub', 'scope', 'client_id', 'username', 'cognito:username', 'token_use'];

/**
 * Safe, string-valued claims passed to the integration as `requestContext.authorizer`. `email` only when the
 * issuer says it is verified (`email_verified`), so an integration never trusts an address nobody proved.
 */
export function contextOf(payload: Record<string, unknown>): Record<string, string> {
  const context: Record<string, string> = {};
  const put = (claim: string, value: unknown) => {
    if (typeof value === 'string' && value.length <= 512) context[claim.replace(':', '_')] = value;
  };
  for (const claim of CONTEXT_CLAIMS) put(claim, payload[claim]);
  if (payload.email_verified === true || payload.email_verified === 'true') put('email', payload.email);
  return context;
}

/** Outcome: a policy (Allow, or an explicit Deny with its reason), or a rejection reason (401). */
export type Decision =
  | { readonly policy: AuthorizerPolicy; readonly denied?: string }
  | { readonly rejected: string };

/** Customer id -> its API key value (usage-key.ts), when the configuration has a claim-to-key lookup. */
export type UsageKeyResolver = (customerId: string) => Promise<string | undefined>;

/**
 * The decision. With a claim-to-key lookup (`config.usageKey`), an Allow carries the caller's key as
 * `usageIdentifierKey`; a token whose claim names no customer with an active key gets an explicit Deny (API Gateway
 * would refuse the request without a key anyway); a failed lookup throws UsageKeyLookupError.
 */
export async function decide(
  event: AuthorizerEvent, config: JwtAuthorizerConfig, verifier: Verifier, usageKey?: UsageKeyResolver,
): Promise<Decision> {
  const methodArn = event && typeof event === 'object' && typeof event.methodArn === 'string' ? parseMethodArn(event.methodArn) : undefined;
  if (!methodArn) return { rejected: 'InvalidEvent' };
  // A configuration with a route map is a REST authorizer: it never takes the WebSocket path.
  const connect = !config.routeScopes && isWebSocketConnect(event);
  const route = connect ? undefined : eventRoute(event);
  if (!connect) {
    if (event.type !== 'REQUEST' || !route) return { rejected: 'InvalidEvent' };
    if (!config.routeScopes) return { rejected: 'NoRouteMap' };
  }
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
  if (connect) return { policy: allowPolicy(sub, event.methodArn!, contextOf(payload)) };

  const matched = matchRoute(config.routeScopes!, route!.method, route!.path);
  if (!matched) return { policy: denyPolicy(sub, routeArn(methodArn, route!.method, route!.path)), denied: 'UnknownRoute' };
  const resource = routeArn(methodArn, matched.method, matched.path);
  if (!matched.scopes.every((s) => scopes.has(s))) return { policy: denyPolicy(sub, resource), denied: 'MissingRouteScope' };
  if (!config.usageKey) return { policy: allowPolicy(sub, resource, contextOf(payload)) };
  if (!usageKey) throw new UsageKeyLookupError('NoResolver');
  const customerId = customerIdOf(payload, config.usageKey.claim);
  if (!customerId) return { policy: denyPolicy(sub, resource), denied: 'MissingUsageKeyClaim' };
  const key = await usageKey(customerId);
  if (!key) return { policy: denyPolicy(sub, resource), denied: 'NoActiveKey' };
  return { policy: { ...allowPolicy(sub, resource, contextOf(payload)), usageIdentifierKey: key } };
}
