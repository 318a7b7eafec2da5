/**
 * The nested stacks of a sharded REST API as CloudFormation sees them: what each template holds, and their
 * creation order. API Gateway's control plane allows about 10 requests per second per account (CreateResource
 * 5 per second), fixed; CloudFormation creates sibling nested stacks in parallel, and several stacks of methods,
 * resources and models then fail with 429 Too Many Requests, their rollback too (aws-cdk#22229). The stacks are
 * chained by DependsOn so that one is created at a time, in a fixed order that agrees with the references between
 * them (path stacks before the route stacks that use their nodes), so the chain never makes a cycle. Internal.
 */
import { CfnOutput, CfnParameter, CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Keeps nested stacks in one DependsOn chain, sorted by `compare`, as stacks are added. */
export class NestedStackChain {
  private readonly members: NestedStack[] = [];
  private links: Array<[CfnResource, CfnResource]> = [];

  constructor(private readonly compare: (a: NestedStack, b: NestedStack) => number) {}

  /** Adds a stack and re-links the chain (a stack added later may sort before earlier ones). */
  public add(stack: NestedStack): void {
    this.members.push(stack);
    this.members.sort(this.compare);
    for (const [later, earlier] of this.links) later.removeResourceDependency(earlier);
    this.links = [];
    const resources = this.members.map((s) => s.nestedStackResource).filter((r): r is CfnResource => !!r);
    for (let i = 1; i < resources.length; i++) {
      resources[i].addResourceDependency(resources[i - 1]);
      this.links.push([resources[i], resources[i - 1]]);
    }
  }
}

/** Nested stack `Paths<i>` before `Routes<i>`, each kind by index: the order route stacks' references allow. */
export function compareShards(a: NestedStack, b: NestedStack): number {
  const rank = (name: string) => (name.startsWith('Paths') ? 0 : 1000) + Number(name.replace(/^\D+/, ''));
  return rank(a.node.id) - rank(b.node.id);
}

/** The resources, parameters and outputs of a stack's own template (nested stacks below it hold their own). */
export function countElements(stack: Stack): { resources: number; parameters: number; outputs: number } {
  const counts = { resources: 0, parameters: 0, outputs: 0 };
  const visit = (c: IConstruct) => {
    if (c !== stack && Stack.isStack(c)) return;
    if (CfnResource.isCfnResource(c)) counts.resources++;
    else if (c instanceof CfnParameter) counts.parameters++;
    else if (c instanceof CfnOutput) counts.outputs++;
    for (const child of c.node.children) visit(child);
  };
  visit(stack);
  return counts;
}
