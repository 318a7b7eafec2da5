/**
 * API Gateway's control plane allows about 10 requests per second per account and region (CreateResource 5 per
 * second, CreateDeployment one every 5 seconds), fixed. CloudFormation creates sibling nested stacks in
 * parallel, so several nested stacks full of methods, resources and models overrun those rates and fail with
 * 429 Too Many Requests, and the rollback fails the same way (aws-cdk#22229, aws-cdk#15573). Nested stacks of one
 * parent that create API Gateway objects must therefore be created one at a time: every two of them ordered by
 * a dependency (a DependsOn chain).
 *
 * Sources: https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html ("API Gateway quotas for
 * creating, deploying and managing an API"), https://github.com/aws/aws-cdk/issues/22229
 */
import { ResourceRef, TemplateFile, TemplateSet } from './model';
import { DeployRule, formatNumber, RuleFinding } from './rule';

const isApiGateway = (type: string) => type.startsWith('AWS::ApiGateway::') || type.startsWith('AWS::ApiGatewayV2::');

/** API Gateway objects a nested template creates, nested templates below it included. */
export function apiGatewayObjects(templates: TemplateSet, file: TemplateFile): number {
  let count = 0;
  for (const [logicalId, resource] of Object.entries(file.template.Resources ?? {})) {
    if (isApiGateway(resource.Type)) count++;
    const child = resource.Type === 'AWS::CloudFormation::Stack' ? templates.nestedTemplate({ file, logicalId, resource }) : undefined;
    if (child) count += apiGatewayObjects(templates, child);
  }
  return count;
}

export const apiGatewayNestedStackOrder: DeployRule = {
  id: 'ApiGatewayNestedStackOrder',
  fact: 'API Gateway\'s control-plane rates are fixed (about 10 requests/s per account), so nested stacks that create API Gateway objects must not be created in parallel.',
  source: 'https://github.com/aws/aws-cdk/issues/22229',
  fix: 'Chain the nested stacks with dependencies (`next.addDependency(previous)`) so that one is created at a time.',
  check: ({ templates, order }) => {
    const findings: RuleFinding[] = [];
    for (const file of templates.files) {
      const stacks: Array<{ ref: ResourceRef; objects: number; before: Set<string> }> = [];
      for (const [logicalId, resource] of Object.entries(file.template.Resources ?? {})) {
        const ref = { file, logicalId, resource };
        const child = resource.Type === 'AWS::CloudFormation::Stack' ? templates.nestedTemplate(ref) : undefined;
        const objects = child ? apiGatewayObjects(templates, child) : 0;
        if (objects > 0) stacks.push({ ref, objects, before: new Set(order.closure(ref).filter((r) => r.file === file).map((r) => r.logicalId)) });
      }
      const reported = new Set<string>();
      for (const a of stacks) {
        for (const b of stacks) {
          if (a === b || a.before.has(b.ref.logicalId) || b.before.has(a.ref.logicalId) || reported.has(b.ref.logicalId)) continue;
          reported.add(a.ref.logicalId);
          findings.push({
            resource: a.ref,
            locations: ['DependsOn'],
            message:
              `${templates.describe(a.ref)}: this nested stack (${formatNumber(a.objects)} API Gateway objects) and ${templates.describe(b.ref)} ` +
              `(${formatNumber(b.objects)}) may be created at the same time, against API Gateway's fixed control-plane rates (429 Too Many Requests)`,
          });
          break;
        }
      }
    }
    return findings;
  },
};
