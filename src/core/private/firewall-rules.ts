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

/**
 * The body sizes API Gateway (and CloudFront) can forward to WAF for inspection; 16 KB is the default, larger ones
 * are billed extra (https://docs.aws.amazon.com/waf/latest/APIReference/API_RequestBodyAssociatedResourceTypeConfig.html).
 */
const INSPECTION_LIMITS: Array<[bytes: number, limit: string]> = [
  [16_384, 'KB_16'],
  [32_768, 'KB_32'],
  [49_152, 'KB_48'],
  [65_536, 'KB_64'],
];

/** The largest body WAF can measure: past the inspection limit a body is only "oversize". */
export const MAX_INSPECTED_BODY_BYTES = 65_536;

/** The common rule set's rule that blocks request bodies over 8 KB. */
export const COMMON_RULE_SET_BODY_RULE = 'AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY';
const COMMON_RULE_SET_BODY_LIMIT = 8_192;

/**
 * The inspection limit a body size rule needs: bodies up to `maxBodySizeBytes` must be inspected whole, or every body
 * over the default 16 KB would count as oversize (and match). Undefined when the default suffices.
 */
export function bodyInspectionLimit(maxBodySizeBytes: number | undefined): string | undefined {
  if (maxBodySizeBytes === undefined || maxBodySizeBytes <= INSPECTION_LIMITS[0][0]) return undefined;
  return INSPECTION_LIMITS.find(([bytes]) => maxBodySizeBytes <= bytes)?.[1];
}

/**
 * Managed rules switched to count: the user's, plus the common rule set's 8 KB body rule when the user's own body
 * limit is larger (otherwise the 8 KB rule would block what the user allows).
 */
export function managedRulesInCount(userEntries: string[], maxBodySizeBytes: number | undefined): string[] {
  const entries = [...userEntries];
  if (maxBodySizeBytes !== undefined && maxBodySizeBytes > COMMON_RULE_SET_BODY_LIMIT) entries.push(COMMON_RULE_SET_BODY_RULE);
  return [...new Set(entries)];
}
