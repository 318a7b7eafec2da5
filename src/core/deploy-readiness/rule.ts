/**
 * What a deploy-readiness rule is: an id users acknowledge, the AWS fact it encodes with its source, and a check
 * over the synthesized templates. Internal.
 */
import { ResourceRef, TemplateSet } from './model';
import { CreationOrder } from './ordering';

/** One resource that breaks a rule, and why, in words that name the values involved. */
export interface RuleFinding {
  readonly resource: ResourceRef;
  readonly message: string;
  /** Template paths of the property at fault (e.g. `Properties/Environment`). */
  readonly locations?: readonly string[];
}

/** What every rule reads. */
export interface RuleContext {
  readonly templates: TemplateSet;
  readonly order: CreationOrder;
}

/** One deploy-time rule. */
export interface DeployRule {
  /** Rule id, acknowledged as `DeployReadiness::<id>`. */
  readonly id: string;
  /** The AWS behaviour the rule encodes, one sentence. */
  readonly fact: string;
  /** Where AWS documents it (or the aws-cdk issue that reports it). */
  readonly source: string;
  /** What to change. */
  readonly fix: string;
  check(context: RuleContext): RuleFinding[];
}

/** `1234` -> `1,234`. */
export function formatNumber(n: number): string {
  return n.toLocaleString('en-US');
}
