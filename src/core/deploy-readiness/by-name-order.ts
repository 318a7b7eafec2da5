/**
 * A resource that names another by a plain string (named-references.ts) is created as soon as its own
 * references allow, possibly before the named one: the named resource must exist in the app and be a (direct or
 * transitive) dependency of the referring one, through DependsOn, Ref, Fn::GetAtt or a nested stack's order.
 *
 * Source: each entry of named-references.ts; for stage route settings, the CreateStage error "Unable to find
 * Route by key ... within the provided RouteSettings"
 * (https://github.com/terraform-aws-modules/terraform-aws-apigateway-v2/pull/80).
 */
import { NAMED_REFERENCES } from './named-references';
import { DeployRule, RuleFinding } from './rule';

export const byNameOrder: DeployRule = {
  id: 'ByNameOrder',
  fact: 'A resource that names another by string (a stage\'s RouteSettings key names a route) fails to create unless the named resource exists first.',
  source: 'https://github.com/terraform-aws-modules/terraform-aws-apigateway-v2/pull/80',
  fix: 'Make the referring resource depend on the named one (`stage.node.addDependency(route)`), or remove the name.',
  check: ({ templates, order }) => {
    const findings: RuleFinding[] = [];
    for (const reference of NAMED_REFERENCES) {
      for (const ref of templates.resources(reference.type)) {
        for (const named of reference.names(templates, ref) ?? []) {
          const where = templates.describe(ref);
          if (named.candidates.length === 0) {
            findings.push({
              resource: ref,
              locations: [named.location],
              message: `${where}: ${reference.what} "${named.name}" names no ${reference.targetKind} of the app (${reference.error})`,
            });
          } else if (!named.candidates.some((c) => order.isBefore(c, ref))) {
            findings.push({
              resource: ref,
              locations: [named.location],
              message:
                `${where}: ${reference.what} "${named.name}" names ${reference.targetKind} ${templates.describe(named.candidates[0])}, ` +
                `which it does not depend on, so CloudFormation may create it first (${reference.error})`,
            });
          }
        }
      }
    }
    return findings;
  },
};
