/**
 * `grantInvoke` of the REST patterns: `execute-api:Invoke` matters only on IAM-authorized methods (for every other
 * authorization API Gateway ignores the caller's IAM permissions and asks the authorizer), so a grant naming a route
 * that is not IAM-authorized would give a false sense of access control. Grants are checked once every route is
 * known. Internal to the REST base, apart from the options type.
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { RouteEntry } from './routes';
import { ApiAuthorization, AuthorizationKind } from '../core/authorization';

/**
 * Which methods of which stage a grant covers.
 */
export interface GrantInvokeOptions {
  /**
   * HTTP method, or `*` for every method.
   * @default '*'
   */
  readonly method?: string;
  /**
   * Resource path (`/orders/{id}` or its `*` form `/orders/*`), or `/*` for every path.
   * @default '/*'
   */
  readonly path?: string;
  /**
   * Stage name.
   * @default - the default stage
   */
  readonly stageName?: string;
}

/** One grant waiting for the route check. */
interface PendingGrant {
  readonly method: string;
  readonly path: string;
}

/** The grants of one API, checked against its routes at synth time. */
export class InvokeGrants {
  private readonly pending: PendingGrant[] = [];

  constructor(
    owner: IConstruct,
    private readonly routes: () => RouteEntry[],
    private readonly defaultAuthorization: ApiAuthorization,
  ) {
    owner.node.addValidation({ validate: () => this.pending.flatMap((g) => this.check(owner, g)) });
  }

  /** Adds `execute-api:Invoke` for `grantee` on the methods `options` name. */
  public grant(api: apigateway.RestApi, defaultStageName: string, grantee: iam.IGrantable, options: GrantInvokeOptions = {}): iam.Grant {
    const method = options.method ?? '*';
    const path = options.path ?? '/*';
    this.pending.push({ method: method.toUpperCase(), path });
    const resourcePath = path.replace(/\{[^}]+\}/g, '*');
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: [api.arnForExecuteApi(method, resourcePath, options.stageName ?? defaultStageName)] });
  }

  private check(owner: IConstruct, grant: PendingGrant): string[] {
    const iamOf = (r: RouteEntry) => (r.options.authorization ?? this.defaultAuthorization).kind === AuthorizationKind.IAM;
    const covered = this.routes().filter((r) => matches(grant, r));
    if (covered.length === 0) {
      return [`${owner.node.path}: invalid grantInvoke ${grant.method} ${grant.path}: names no route of the API`];
    }
    const others = covered.filter((r) => !iamOf(r));
    if (grant.method !== '*' || grant.path !== '/*') {
      if (others.length > 0) {
        return [`${owner.node.path}: invalid grantInvoke ${grant.method} ${grant.path}: covers ${others.map((r) => `${r.method} ${r.path}`).join(', ')}, ` +
          'which are not IAM-authorized (execute-api:Invoke is only checked on IAM-authorized methods)'];
      }
      return [];
    }
    return covered.some(iamOf) ? [] : [`${owner.node.path}: invalid grantInvoke * /*: the API has no IAM-authorized route`];
  }
}

/** Whether a grant's method and path (with `*` wildcards) cover a route. */
function matches(grant: PendingGrant, route: RouteEntry): boolean {
  const methodOk = grant.method === '*' || grant.method === route.method || route.method === 'ANY';
  if (!methodOk) return false;
  if (grant.path === '/*') return true;
  const pattern = new RegExp('^' + grant.path.replace(/\{[^}]+\}/g, '*').split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return pattern.test(route.path.replace(/\{[^}]+\}/g, '*')) || pattern.test(route.path);
}
