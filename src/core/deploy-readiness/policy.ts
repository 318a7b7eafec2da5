/**
 * What an IAM policy document (identity or resource policy) allows, read from a template. Allow statements
 * are matched on principal, action (wildcards, NotAction) and resource; conditions are not evaluated (they are
 * assumed to hold for the service's own requests) and Deny statements are not subtracted, so a finding means
 * "no statement allows it", never "a condition might refuse it". Internal.
 */
import { isObject, render, sameResource, targetOf } from './intrinsics';
import { ResourceRef, TemplateFile, TemplateSet } from './model';

/** One principal of a statement: `*`, or a `Service`/`AWS`/`Federated`/`CanonicalUser` value. */
export interface PrincipalEntry {
  readonly kind: string;
  readonly value: unknown;
}

/** Which statements count. */
export interface StatementFilter {
  /** Principal test (resource policies); omitted for identity policies. */
  readonly principal?: (entry: PrincipalEntry) => boolean;
  /** Resource test; omitted: any resource. */
  readonly resource?: (value: unknown) => boolean;
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function glob(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(text);
}

function principals(statement: Record<string, any>): PrincipalEntry[] {
  const p = statement.Principal;
  if (p === '*') return [{ kind: '*', value: '*' }];
  if (!isObject(p)) return [];
  return Object.entries(p).flatMap(([kind, values]) => list(values).map((value) => (value === '*' ? { kind: '*', value } : { kind, value })));
}

function actionAllowed(statement: Record<string, any>, action: string): boolean {
  if ('NotAction' in statement) return !list(statement.NotAction).some((a) => typeof a === 'string' && glob(a, action));
  return list(statement.Action).some((a) => typeof a === 'string' && glob(a, action));
}

/** The wanted actions no Allow statement of `document` grants (to the filtered principal and resource). */
export function missingActions(document: unknown, wanted: readonly string[], filter: StatementFilter = {}): string[] {
  const statements = isObject(document) ? list(document.Statement).filter(isObject) : [];
  const allows = statements.filter((s) => {
    if (s.Effect !== 'Allow') return false;
    if (filter.principal && !principals(s).some(filter.principal)) return false;
    if (filter.resource && !('NotResource' in s) && !list(s.Resource).some(filter.resource)) return false;
    return true;
  });
  return wanted.filter((action) => !allows.some((s) => actionAllowed(s, action)));
}

/** A principal test for a service principal whose rendered name matches `name` (`*` principals match too). */
export function servicePrincipal(set: TemplateSet, file: TemplateFile, name: RegExp): (entry: PrincipalEntry) => boolean {
  return (entry) => entry.kind === '*' || (entry.kind === 'Service' && name.test(render(set, file, entry.value).text));
}

/** A principal test for one IAM role named by reference (`*` principals match too). */
export function rolePrincipal(set: TemplateSet, file: TemplateFile, role: ResourceRef): (entry: PrincipalEntry) => boolean {
  return (entry) => entry.kind === '*' || (entry.kind === 'AWS' && sameResource(targetOf(set, file, entry.value), role));
}

/** A principal test for the account itself (`arn:...:iam::<account>:root` or an account id): IAM policies decide. */
export function accountPrincipal(set: TemplateSet, file: TemplateFile): (entry: PrincipalEntry) => boolean {
  return (entry) => {
    if (entry.kind !== 'AWS') return false;
    const text = render(set, file, entry.value).text;
    const part = '(\\$\\{[^}]+\\}|[^:$]+)';
    return new RegExp(`^arn:${part}:iam::${part}:root$`).test(text) || /^(\d{12}|\$\{AWS::AccountId\})$/.test(text);
  };
}

/**
 * A resource test for one resource: `*`, a reference to it, or a literal ARN pattern matching `arnSample`
 * (the resource's ARN with `x` for region, account and name, e.g. `arn:aws:kms:x:x:key/x`).
 */
export function resourceIs(set: TemplateSet, file: TemplateFile, target: ResourceRef, arnSample: string): (value: unknown) => boolean {
  return (value) => {
    if (typeof value === 'string') return value === '*' || glob(value, arnSample);
    return render(set, file, value).targets.some((t) => sameResource(t, target));
  };
}

/** Policy documents that apply to a resource: the `PolicyDocument` of each policy resource listing it. */
export function policiesFor(
  set: TemplateSet,
  target: ResourceRef,
  policyType: string,
  listProperty: string,
): Array<{ readonly policy: ResourceRef; readonly document: unknown }> {
  return set
    .resources(policyType)
    .filter((p) => list(p.resource.Properties?.[listProperty]).some((v) => sameResource(targetOf(set, p.file, v), target)))
    .map((policy) => ({ policy, document: policy.resource.Properties?.PolicyDocument }));
}

/** The key that encrypts a resource: a KMS key of the templates, an AWS managed key (`alias/aws/<service>`), or neither. */
export function encryptionKeyOf(set: TemplateSet, file: TemplateFile, value: unknown): { readonly key?: ResourceRef; readonly awsManaged: boolean } {
  if (value === undefined) return { awsManaged: false };
  const target = targetOf(set, file, value);
  if (target?.ref.resource.Type === 'AWS::KMS::Key') return { key: target.ref, awsManaged: false };
  if (target?.ref.resource.Type === 'AWS::KMS::Alias') {
    const aliased = targetOf(set, target.ref.file, target.ref.resource.Properties?.TargetKeyId);
    return { key: aliased?.ref.resource.Type === 'AWS::KMS::Key' ? aliased.ref : undefined, awsManaged: false };
  }
  return { awsManaged: /alias\/aws\//.test(render(set, file, value).text) };
}

/** The actions a key's policy does not allow to the principals `principal` accepts. */
export function keyPolicyMissing(
  key: ResourceRef,
  principal: (file: TemplateFile) => (entry: PrincipalEntry) => boolean,
  actions: readonly string[],
): string[] {
  return missingActions(key.resource.Properties?.KeyPolicy, actions, { principal: principal(key.file) });
}

/** A policy document and the template it is read in. */
export interface DocumentIn {
  readonly file: TemplateFile;
  readonly document: unknown;
}

/**
 * The identity policies of a role: its own `Policies`, the `AWS::IAM::Policy`/`RolePolicy` attached to it, and
 * (unless `inlineOnly`) the customer managed policies of the templates attached to it either way.
 */
export function roleDocuments(set: TemplateSet, role: ResourceRef, inlineOnly = false): DocumentIn[] {
  const props = role.resource.Properties ?? {};
  const out: DocumentIn[] = list(props.Policies).filter(isObject).map((p) => ({ file: role.file, document: p.PolicyDocument }));
  const names = (p: ResourceRef) => (p.resource.Type === 'AWS::IAM::RolePolicy' ? [p.resource.Properties?.RoleName] : list(p.resource.Properties?.Roles));
  const types = inlineOnly ? ['AWS::IAM::Policy', 'AWS::IAM::RolePolicy'] : ['AWS::IAM::Policy', 'AWS::IAM::RolePolicy', 'AWS::IAM::ManagedPolicy'];
  for (const p of set.resources(...types)) {
    const attached =
      names(p).some((r) => sameResource(targetOf(set, p.file, r), role)) ||
      (p.resource.Type === 'AWS::IAM::ManagedPolicy' && list(props.ManagedPolicyArns).some((a) => sameResource(targetOf(set, role.file, a), p)));
    if (attached) out.push({ file: p.file, document: p.resource.Properties?.PolicyDocument });
  }
  return out;
}
