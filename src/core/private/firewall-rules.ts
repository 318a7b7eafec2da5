/**
 * Pure data of the firewall: managed rule groups, their capacity, IP version detection. Internal.
 */
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';

/** One custom rule before rendering. */
export interface FirewallRuleSpec {
  readonly name: string;
  readonly statement: wafv2.CfnWebACL.StatementProperty;
  readonly block: boolean;
}

/** A managed rule group and its web ACL capacity units. */
export interface ManagedGroup {
  readonly name: string;
  readonly capacity: number;
}

/** The default four groups (common, known bad inputs, IP reputation, SQL injection). */
const DEFAULT_GROUPS: ManagedGroup[] = [
  { name: 'AWSManagedRulesAmazonIpReputationList', capacity: 25 },
  { name: 'AWSManagedRulesCommonRuleSet', capacity: 700 },
  { name: 'AWSManagedRulesKnownBadInputsRuleSet', capacity: 200 },
  { name: 'AWSManagedRulesSQLiRuleSet', capacity: 200 },
];

/** Capacity of groups we know; others are estimated at 200. */
const KNOWN_CAPACITY: Record<string, number> = {
  AWSManagedRulesBotControlRuleSet: 50,
  AWSManagedRulesLinuxRuleSet: 200,
  AWSManagedRulesUnixRuleSet: 100,
  AWSManagedRulesAdminProtectionRuleSet: 100,
  AWSManagedRulesAnonymousIpList: 50,
  AWSManagedRulesPHPRuleSet: 100,
  AWSManagedRulesWindowsRuleSet: 200,
};

/** The groups of a web ACL, in priority order, without duplicates. */
export function managedRuleGroups(additional: string[], botControl: boolean): ManagedGroup[] {
  const names = [...DEFAULT_GROUPS.map((g) => g.name), ...additional, ...(botControl ? ['AWSManagedRulesBotControlRuleSet'] : [])];
  const unique = [...new Set(names)];
  return unique.map((name) => DEFAULT_GROUPS.find((g) => g.name === name) ?? { name, capacity: KNOWN_CAPACITY[name] ?? 200 });
}

/** Estimated WCUs: custom rules at most ~30 each (rate-based 2 + scope-down), plus the groups. */
export function webAclCapacity(customRules: number, groups: ManagedGroup[]): number {
  return customRules * 30 + groups.reduce((sum, g) => sum + g.capacity, 0);
}
