/**
 * REST API authorization as API Gateway applies it, for a method's Lambda (TOKEN / REQUEST) or Cognito user-pool
 * authorizer:
 * - TOKEN: the identity source header must be present and non-empty and match `IdentityValidationExpression`,
 *   else 401 without invoking the authorizer; results are cached by the token value.
 * - REQUEST: with caching on (TTL > 0) every identity source must be present and non-empty, else 401 without
 *   invoking it; results are cached by the identity-source values together.
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html)
 * - The cached (or fresh) policy is evaluated, with IAM's wildcard semantics (../iam-policy.ts), against the
 *   method ARN of EACH request, `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`: an
 *   explicit Deny or no Allow is 403, so a policy cached for one route decides later requests to others
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html).
 * - `Unauthorized` thrown by the authorizer is 401; another error, or an invalid policy, 500.
 * - COGNITO_USER_POOLS: the token must verify against the pool's issuer (the local fronts map each pool ARN to a
 *   local issuer, explicitly); with authorization scopes on the method an access token holding one of them, else
 *   an ID token (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html).
 */
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleFetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { FrontContext, headerValue } from './front-context';
import { RestAuthorizerModel, RestMethodModel } from './rest-model';
import { evaluate } from '../iam-policy';

/** What an authorizer sees of a request. */
export interface AuthorizationRequest {
  readonly methodArn: string;
  readonly headers: Record<string, string>;
  readonly query: URLSearchParams;
  readonly stageVariables: Record<string, string>;
  /** `$context` values: httpMethod, resourcePath, path, stage, ... */
  readonly context: Record<string, string>;
  /** The REQUEST authorizer's event (built by the front), without `type` and `methodArn`. */
  readonly requestEvent: Record<string, unknown>;
}

export type AuthorizationOutcome =
  | { readonly authorizer: Record<string, unknown> }
  | { readonly status: number; readonly responseType: string; readonly message: string };

/** A Cognito user pool as the local fronts serve it. */
export interface LocalUserPool {
  readonly issuer: string;
  readonly jwksUri: string;
  /** PEM of the CA the JWKS endpoint's certificate chains to (a local HTTPS issuer). @default - the system's CAs */
  readonly ca?: string;
}

const unauthorized: AuthorizationOutcome = { status: 401, responseType: 'UNAUTHORIZED', message: 'Unauthorized' };

export class RestAuthorization {
  /** Lambda authorizer invocations per authorizer id (to prove the cache and the 401-without-invoking rule). */
  public readonly invocations = new Map<string, number>();
  private readonly cache = new Map<string, { readonly result: any; readonly expires: number }>();
  private readonly verifiers = new Map<string, ReturnType<typeof JwtRsaVerifier.create>>();

  constructor(
    private readonly ctx: FrontContext,
    private readonly userPools: Record<string, LocalUserPool>,
  ) {}

  /** The value of an identity source in `req`, or undefined. */
  public identityValue(source: string, req: AuthorizationRequest): string | undefined {
    const [kind, ...rest] = source.split('.');
    const name = rest.slice(kind === 'method' ? 2 : 0).join('.');
    if (source.startsWith('method.request.header.')) return headerValue(req.headers, name);
    if (source.startsWith('method.request.querystring.')) return req.query.get(name) ?? undefined;
    if (kind === 'stageVariables') return req.stageVariables[name];
    if (kind === 'context') return req.context[name];
    return undefined;
  }

  public async authorize(method: RestMethodModel, req: AuthorizationRequest): Promise<AuthorizationOutcome> {
    const a = method.authorizer;
    if (!a) return { authorizer: {} };
    if (a.type === 'COGNITO_USER_POOLS') return this.cognito(a, method, req);
    const values = a.identitySources.map((s) => this.identityValue(s, req));
    const required = a.type === 'TOKEN' || a.ttlSeconds > 0;
    if (required && values.some((v) => v === undefined || v === '')) return unauthorized;
    if (a.type === 'TOKEN' && a.validationExpression && !new RegExp(`^(?:${a.validationExpression})$`).test(values[0]!)) return unauthorized;
    const key = `${a.id}\u0000${values.join('\u0000')}`;
    let cached = a.ttlSeconds > 0 ? this.cache.get(key) : undefined;
    if (cached && cached.expires <= Date.now()) cached = undefined;
    let result = cached?.result;
    if (!cached) {
      this.invocations.set(a.id, (this.invocations.get(a.id) ?? 0) + 1);
      const event = a.type === 'TOKEN' ? { type: 'TOKEN', authorizationToken: values[0], methodArn: req.methodArn } : { type: 'REQUEST', methodArn: req.methodArn, ...req.requestEvent };
      const out = await this.ctx.invoke(a.functionArn!, `arn:aws:execute-api:${this.ctx.region}:${this.ctx.account}:${req.methodArn.split(':')[5].split('/')[0]}/authorizers/${a.id}`, event);
      if ('denied' in out) return { status: 500, responseType: 'AUTHORIZER_CONFIGURATION_ERROR', message: out.denied };
      if ('error' in out) return out.error.errorMessage === 'Unauthorized' ? unauthorized : { status: 500, responseType: 'AUTHORIZER_FAILURE', message: out.error.errorMessage };
      result = out.result;
      if (a.ttlSeconds > 0) this.cache.set(key, { result, expires: Date.now() + a.ttlSeconds * 1000 });
    }
    let decision: string;
    try {
      if (typeof result?.principalId !== 'string') throw new Error('no principalId');
      decision = evaluate(result.policyDocument, 'execute-api:Invoke', req.methodArn);
    } catch (e) {
      return { status: 500, responseType: 'AUTHORIZER_CONFIGURATION_ERROR', message: `invalid authorizer output: ${(e as Error).message}` };
    }
    if (decision === 'Deny') return { status: 403, responseType: 'ACCESS_DENIED', message: 'User is not authorized to access this resource with an explicit deny' };
    if (decision !== 'Allow') return { status: 403, responseType: 'ACCESS_DENIED', message: 'User is not authorized to access this resource' };
    return { authorizer: { ...(result.context ?? {}), principalId: result.principalId, integrationLatency: 0 } };
  }

  private async cognito(a: RestAuthorizerModel, method: RestMethodModel, req: AuthorizationRequest): Promise<AuthorizationOutcome> {
    const token = this.identityValue(a.identitySources[0] ?? 'method.request.header.Authorization', req);
    if (!token) return unauthorized;
    const pool = a.providerArns.map((arn) => [arn, this.userPools[arn]] as const).find(([, p]) => p);
    if (!pool) return { status: 500, responseType: 'AUTHORIZER_CONFIGURATION_ERROR', message: `no local issuer for the user pools ${a.providerArns.join(', ')}` };
    let verifier = this.verifiers.get(pool[0]);
    if (!verifier) {
      const fetcher = new SimpleFetcher({ defaultRequestOptions: pool[1].ca ? { ca: pool[1].ca } : {} });
      const jwksCache = new SimpleJwksCache({ fetcher });
      verifier = JwtRsaVerifier.create({ issuer: pool[1].issuer, jwksUri: pool[1].jwksUri, audience: null }, { jwksCache });
      this.verifiers.set(pool[0], verifier);
    }
    let claims: Record<string, unknown>;
    try {
      claims = (await verifier.verify(token.replace(/^Bearer /, ''))) as Record<string, unknown>;
    } catch {
      return unauthorized;
    }
    if (method.scopes.length > 0) {
      const scopes = new Set(String(claims.scope ?? '').split(' '));
      if (claims.token_use !== 'access' || !method.scopes.some((s) => scopes.has(s))) return unauthorized;
    } else if (claims.token_use !== 'id') {
      return unauthorized;
    }
    return { authorizer: { claims } };
  }
}
