/**
 * The one place where compliance findings (cdk-nag packs, Control Tower guard rules, the built-in template
 * checker) are acknowledged.
 *
 * Every acknowledgement is scoped to exactly one CloudFormation resource and one finding id, and carries a
 * reason a security reviewer would accept. cdk-nag 3 matches an acknowledgement on the resource or any of
 * its parents, so acknowledging on a higher-level construct would silence a whole subtree: that is refused.
 *
 * Internal: never exported from the package.
 */
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A finding to acknowledge on one resource. */
export interface Finding {
  /** The exact finding id, granular form included (e.g. `AwsSolutions-IAM5[Resource::*]`). */
  readonly id: string;
  /** Why the finding does not apply, in words a security reviewer would accept (at least 20 characters). */
  readonly reason: string;
}

/** Resolves a construct to the one CloudFormation resource it stands for. */
function resourceOf(scope: IConstruct): CfnResource {
  if (CfnResource.isCfnResource(scope)) return scope;
  const child = scope.node.defaultChild;
  if (child && CfnResource.isCfnResource(child)) return child;
  throw new Error(
    `${scope.node.path}: acknowledgements must be scoped to one CloudFormation resource; ` +
      'pass a CfnResource or a construct whose defaultChild is one',
  );
}

/**
 * Control Tower controls by the cfn-guard rule that checks them: the validation framework matches guard findings
 * by `cdk-validator-cfnguard::<rule name>`, so a control id is acknowledged under its rule's name.
 */
const CONTROL_TOWER_RULES: Record<string, string> = {
  'CT.LAMBDA.PR.2': 'lambda_function_public_access_prohibited_check',
  'CT.LAMBDA.PR.3': 'lambda_inside_vpc_check',
  'CT.APIGATEWAY.PR.5': 'api_gw_v2_authorization_type_configured_check',
  'CT.S3.PR.2': 's3_bucket_logging_enabled_check',
  'CT.S3.PR.10': 's3_bucket_default_encryption_kms_check',
};

/** The id the validation framework matches for a finding id (control ids become their guard rule). */
export function frameworkId(id: string): string {
  if (!id.startsWith('CT.')) return id;
  const rule = CONTROL_TOWER_RULES[id];
  if (!rule) throw new Error(`acknowledgement of ${id}: add its cfn-guard rule name to CONTROL_TOWER_RULES`);
  return `cdk-validator-cfnguard::${rule}`;
}

/** Acknowledges one finding on one resource. */
export function acknowledge(scope: IConstruct, finding: Finding): void {
  const resource = resourceOf(scope);
  if (!finding.id || /[*?]/.test(finding.id.replace(/\[.*\]$/, ''))) {
    throw new Error(`${resource.node.path}: acknowledgement id ${JSON.stringify(finding.id)} must be one exact finding id`);
  }
  if (!finding.reason || finding.reason.trim().length < 20) {
    throw new Error(`${resource.node.path}: acknowledgement of ${finding.id} needs a reason of at least 20 characters`);
  }
  Validations.of(resource).acknowledge({ id: frameworkId(finding.id), reason: finding.reason });
}

/**
 * The text cdk-nag shows for a (possibly tokenized) value in a granular finding id such as
 * `AwsSolutions-IAM5[Resource::<text>]`: `{Ref: X}` becomes `<X>`, `{Fn::GetAtt: [R, A]}` becomes `<R.A>`, and
 * `Fn::Join` parts are concatenated.
 */
export function nagResourceForm(scope: IConstruct, value: string): string {
  return render(Stack.of(scope).resolve(value));
}

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if ('Ref' in v) return `<${v.Ref}>`;
    if ('Fn::GetAtt' in v) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
    if ('Fn::Join' in v) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
  }
  return JSON.stringify(value);
}
