/**
 * The authorizers of one REST API: each `ApiAuthorization` binds itself through its kind's binder
 * (authorizer-binders.ts, src/authorizers/jwt-binder.ts), validated against docs/limits.md, created on first use.
 *
 * Construct ids are derived from the authorization, not from creation order: the API's default authorization keeps
 * the kind's plain id (`JwtAuthorizer`), any other gets that id plus a hash of its configuration. Moving or
 * reordering `addRoute` calls therefore never renames (and so never replaces) an authorizer or its function on the
 * next deploy. Equal authorizations (same configuration) share one authorizer, and API Gateway's quota of 10
 * authorizers per API is spent only on distinct ones. Internal to the REST base.
 */
import { createHash } from 'node:crypto';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { BoundAuthorization, JwtFunctionFactory, REST_BINDERS, RestBinder } from './authorizer-binders';
import { JWT_REST_BINDER } from '../authorizers/jwt-binder';
import { ApiAuthorization, AuthorizationKind } from '../core/authorization';
import { fail } from '../core/private/validation';

export { BoundAuthorization, JwtFunctionFactory } from './authorizer-binders';

/** The binder of an authorization's kind. */
export function binderOf(auth: ApiAuthorization): RestBinder {
  return auth.kind === AuthorizationKind.JWT ? JWT_REST_BINDER : REST_BINDERS[auth.kind];
}

/** Checks an authorization choice against docs/limits.md. */
export function validateAuthorization(scope: Construct, prop: string, auth: ApiAuthorization): void {
  binderOf(auth).validate(scope, prop, auth);
}

/**
 * The authorizers of one API, one per distinct authorization.
 */
export class RestAuthorizers {
  /** identity -> the binding shared by every equal authorization. */
  private readonly byIdentity = new Map<string, BoundAuthorization>();
  private readonly identities = new Map<ApiAuthorization, string>();

  constructor(
    private readonly scope: Construct,
    private readonly defaultAuthorization: ApiAuthorization,
    private readonly jwtFunction: JwtFunctionFactory,
  ) {}

  /** Every authorizer created so far. */
  public get authorizers(): apigateway.IAuthorizer[] {
    return [...this.byIdentity.values()].flatMap((b) => (b.authorizer ? [b.authorizer] : []));
  }

  /** The authorizer created for `auth` (or an equal authorization), if any. */
  public authorizerOf(auth: ApiAuthorization): apigateway.IAuthorizer | undefined {
    return this.byIdentity.get(this.identityOf(auth))?.authorizer;
  }

  /** Binds `auth` for a route with `routeScopes` (which override the authorization's own scopes). */
  public bind(auth: ApiAuthorization, routeScopes?: string[]): BoundAuthorization {
    const binder = binderOf(auth);
    const identity = this.identityOf(auth);
    let bound = this.byIdentity.get(identity);
    if (!bound) {
      const isDefault = identity === this.identityOf(this.defaultAuthorization);
      const id = isDefault ? binder.idBase : `${binder.idBase}${createHash('sha256').update(identity).digest('hex').slice(0, 8)}`;
      bound = binder.bind(auth, {
        scope: this.scope,
        id,
        jwtFunction: this.jwtFunction,
        protects: (other) => binderOf(other) === binder && this.identityOf(other) === identity,
      });
      this.byIdentity.set(identity, bound);
    }
    if (routeScopes && binder.routeScopes === 'none') {
      fail(this.scope, 'route scopes', routeScopes, `apply only to COGNITO or JWT authorization, not ${auth.kind}`);
    }
    return { ...bound, scopes: binder.routeScopes === 'method' ? routeScopes ?? bound.scopes : undefined };
  }

  /** The validated identity of an authorization (memoized per instance). */
  private identityOf(auth: ApiAuthorization): string {
    let identity = this.identities.get(auth);
    if (identity === undefined) {
      const binder = binderOf(auth);
      binder.validate(this.scope, 'authorization', auth);
      identity = `${auth.kind}|${binder.identity(this.scope, auth)}`;
      this.identities.set(auth, identity);
    }
    return identity;
  }
}
