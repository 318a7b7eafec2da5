/**
 * The identity policies of the assembly's IAM roles, resolved, so the stand-ins can refuse what the deployed
 * role could not do (403 / AccessDenied), evaluated by ../iam-policy.ts with IAM's wildcard semantics. A role's
 * policies are its inline `Policies`, the `AWS::IAM::Policy` resources naming it in `Roles`, and the customer
 * managed policies (`AWS::IAM::ManagedPolicy`) it lists in `ManagedPolicyArns` or that name it in `Roles`.
 * AWS managed policies (an ARN outside the assembly) are not modelled: a role using one makes the check refuse.
 *
 * Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html (an identity
 * policy must allow; an explicit deny wins). Statements with a `Condition` cannot be judged without the request
 * context: they are evaluated only when their action matches, and then the check refuses to guess.
 */
import { CloudAssembly, TemplateResource, allResources } from './assembly';
import { NotModelled, Resolver } from './intrinsics';
import { PolicyDocument, PolicyStatement, evaluate, wildcardMatch } from '../iam-policy';

/** Key of a role: `{stack path}/{logicalId}`. */
export const roleKey = (r: TemplateResource) => `${r.stack.path}/${r.logicalId}`;

export class RolePolicies {
  private readonly documents = new Map<string, Array<{ readonly source: string; readonly document: PolicyDocument }>>();
  private readonly unmodelled = new Map<string, string>();

  constructor(assembly: CloudAssembly, resolver: Resolver) {
    const roles = allResources(assembly, 'AWS::IAM::Role');
    const add = (role: TemplateResource, source: string, document: unknown) => {
      const list = this.documents.get(roleKey(role)) ?? [];
      list.push({ source, document: resolver.resolve(role.stack, document, source) as PolicyDocument });
      this.documents.set(roleKey(role), list);
    };
    const roleByRef = (stackOf: TemplateResource, ref: unknown) =>
      roles.find((r) => r.stack === stackOf.stack && (ref as any)?.Ref === r.logicalId);
    for (const role of roles) {
      this.documents.set(roleKey(role), []);
      for (const [i, p] of ((role.properties.Policies ?? []) as any[]).entries()) add(role, `${roleKey(role)} Policies[${i}]`, p.PolicyDocument);
      for (const arn of (role.properties.ManagedPolicyArns ?? []) as unknown[]) {
        const managed = allResources(assembly, 'AWS::IAM::ManagedPolicy').find((m) => m.stack === role.stack && (arn as any)?.Ref === m.logicalId);
        if (managed) add(role, `${roleKey(role)} ${managed.logicalId}`, managed.properties.PolicyDocument);
        else this.unmodelled.set(roleKey(role), `the managed policy ${JSON.stringify(arn)} (not a policy of the assembly)`);
      }
    }
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
      for (const policy of allResources(assembly, type)) {
        for (const ref of (policy.properties.Roles ?? []) as unknown[]) {
          const role = roleByRef(policy, ref);
          if (role) add(role, `${policy.stack.path}/${policy.logicalId}`, policy.properties.PolicyDocument);
        }
      }
    }
  }

  /** Whether the role allows `action` on `resource`; throws NotModelled where it cannot tell. */
  public allows(key: string, action: string, resource: string): boolean {
    const docs = this.documents.get(key);
    if (!docs) throw new NotModelled(key, 'a caller without a role of the assembly');
    const unmodelled = this.unmodelled.get(key);
    if (unmodelled) throw new NotModelled(key, unmodelled);
    const statements: PolicyStatement[] = [];
    for (const { document } of docs) {
      const list = Array.isArray(document.Statement) ? document.Statement : [document.Statement as PolicyStatement];
      for (const s of list) {
        const actions = s.Action === undefined ? undefined : ([] as string[]).concat(s.Action as string | string[]);
        const matches = actions ? actions.some((a) => wildcardMatch(a, action, true)) : true;
        if (!matches) continue;
        if ('Condition' in s) throw new NotModelled(key, `a policy statement with a Condition for ${action}`);
        statements.push(s);
      }
    }
    if (statements.length === 0) return false;
    return evaluate({ Version: '2012-10-17', Statement: statements }, action, resource) === 'Allow';
  }
}
