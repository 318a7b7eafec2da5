/**
 * The props of `ApiFirewall`, checked against the WAF facts of docs/limits.md and resolved: deprecated names mapped
 * to their successors, defaults merged (defaults.ts), units converted to what WAF's API takes (seconds, bytes).
 *
 * Internal: never exported from the package.
 */
import { Duration, Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ApiFirewallProps, WebAclScope } from '../firewall-options';
import { consolidateProps, firewallDefaults, FirewallDefaults, renamedProp } from './defaults';
import { MAX_INSPECTED_BODY_BYTES } from './firewall-rules';
import { ipVersionOf } from './network';
import { checkCount, checkOneOf, checkPattern, checkRange, fail } from './validation';

/** The evaluation windows a rate-based rule accepts, in seconds (RateBasedStatement.EvaluationWindowSec). */
export const RATE_LIMIT_WINDOWS_SECONDS = [60, 120, 300, 600];

const COUNTRY = /^[A-Z]{2}$/;
const BODY_SIZE_UNIT = '(WAF inspects at most 64 KB of a body)';

/** What `ApiFirewall` builds from. */
export interface ResolvedFirewall extends FirewallDefaults {
  /** The evaluation window in seconds, or a token. */
  readonly rateLimitWindowSeconds: number;
  /** The body size limit in bytes (or a token), when there is one. */
  readonly maxBodySizeBytes?: number;
  /** Allowed CIDR ranges by IP version (`IPV4`, `IPV6`). */
  readonly allowedCidrs: Record<string, string[]>;
  /** Blocked CIDR ranges by IP version. */
  readonly blockedCidrs: Record<string, string[]>;
  readonly blockedCountries: string[];
}

/** Checks and resolves the props; fails with `<path>: invalid <prop> <value>: <allowed>`. */
export function resolveFirewallProps(scope: IConstruct, props: ApiFirewallProps): ResolvedFirewall {
  checkOneOf(scope, 'scope', props.scope, Object.values(WebAclScope) as string[]);
  checkOneOf(scope, 'webAclScope', props.webAclScope, Object.values(WebAclScope));
  checkRange(scope, 'rateLimit', props.rateLimit, { min: 10, max: 2_000_000_000, integer: true });
  checkOneOf(scope, 'rateLimitWindowSeconds', props.rateLimitWindowSeconds, RATE_LIMIT_WINDOWS_SECONDS);
  checkRateLimitWindow(scope, props.rateLimitWindow);
  checkRange(scope, 'maxBodySizeBytes', props.maxBodySizeBytes, { min: 0, max: MAX_INSPECTED_BODY_BYTES, integer: true, unit: BODY_SIZE_UNIT });
  checkMaxBodySize(scope, props.maxBodySize);
  if (props.blockedCountries) {
    checkCount(scope, 'blockedCountries', props.blockedCountries, { min: 1 });
    for (const c of props.blockedCountries) checkPattern(scope, 'blockedCountries', c, COUNTRY, 'entries must be ISO 3166-1 alpha-2 codes such as DE');
  }
  for (const name of props.additionalManagedRuleGroups ?? []) {
    checkPattern(scope, 'additionalManagedRuleGroups', name, /^AWSManagedRules[A-Za-z0-9]+$/, 'entries must be AWS managed rule group names (AWSManagedRules...)');
  }
  for (const entry of props.managedRulesInCount ?? []) {
    checkPattern(scope, 'managedRulesInCount', entry, /^AWSManagedRules[A-Za-z0-9]+:[\w-]{1,128}$/, 'entries must be GroupName:RuleName');
  }

  const resolved = consolidateProps(firewallDefaults(), {
    webAclScope: renamedProp(scope, { name: 'webAclScope', value: props.webAclScope, deprecatedName: 'scope', deprecatedValue: props.scope, convert: (s) => s as WebAclScope }),
    rateLimit: props.rateLimit,
    rateLimitWindow: renamedProp(scope, {
      name: 'rateLimitWindow',
      value: props.rateLimitWindow,
      deprecatedName: 'rateLimitWindowSeconds',
      deprecatedValue: props.rateLimitWindowSeconds,
      convert: (s) => Duration.seconds(s),
    }),
    botControl: props.botControl,
    countMode: props.countMode,
    logging: props.logging,
    logRetention: props.logRetention,
    logRemovalPolicy: props.logRemovalPolicy,
    additionalManagedRuleGroups: props.additionalManagedRuleGroups,
    managedRulesInCount: props.managedRulesInCount,
  });
  const maxBodySize = renamedProp(scope, {
    name: 'maxBodySize',
    value: props.maxBodySize,
    deprecatedName: 'maxBodySizeBytes',
    deprecatedValue: props.maxBodySizeBytes,
    convert: (bytes) => Size.bytes(bytes),
  });
  return {
    ...resolved,
    rateLimitWindowSeconds: resolved.rateLimitWindow.toSeconds(),
    maxBodySizeBytes: maxBodySize?.toBytes(),
    allowedCidrs: cidrsByVersion(scope, 'allowedIpRanges', props.allowedIpRanges),
    blockedCidrs: cidrsByVersion(scope, 'blockedIpRanges', props.blockedIpRanges),
    blockedCountries: props.blockedCountries ?? [],
  };
}

/** The window, a whole number of seconds among 60, 120, 300, 600; a token is left to deploy time. */
function checkRateLimitWindow(scope: IConstruct, window: Duration | undefined): void {
  if (window === undefined || window.isUnresolved()) return;
  const allowed = `must be one of ${RATE_LIMIT_WINDOWS_SECONDS.join(', ')} seconds`;
  let seconds: number;
  try {
    seconds = window.toMilliseconds() / 1000;
  } catch {
    fail(scope, 'rateLimitWindow', window, allowed);
  }
  if (!RATE_LIMIT_WINDOWS_SECONDS.includes(seconds)) fail(scope, 'rateLimitWindow', window, allowed);
}

/** The limit, a whole number of bytes up to what WAF can inspect; a token is left to deploy time. */
function checkMaxBodySize(scope: IConstruct, size: Size | undefined): void {
  if (size === undefined || size.isUnresolved()) return;
  const range = { min: 0, max: MAX_INSPECTED_BODY_BYTES, integer: true, unit: `bytes ${BODY_SIZE_UNIT}` };
  let bytes: number;
  try {
    bytes = size.toBytes();
  } catch {
    // A fraction of a byte (e.g. Size.kibibytes(0.1)): shown in bytes, rejected as not an integer.
    bytes = size.toBytes({ rounding: SizeRoundingBehavior.NONE });
  }
  checkRange(scope, 'maxBodySize', bytes, range);
}

/** The ranges grouped by IP version, single addresses as /32 or /128. */
function cidrsByVersion(scope: IConstruct, prop: string, ranges: string[] | undefined): Record<string, string[]> {
  const byVersion: Record<string, string[]> = {};
  if (!ranges) return byVersion;
  checkCount(scope, prop, ranges, { min: 1, max: 10_000 });
  for (const r of ranges) {
    const version = ipVersionOf(r);
    if (!version) fail(scope, prop, r, 'entries must be IPv4 or IPv6 CIDR ranges such as 203.0.113.0/24 or 2001:db8::/32');
    if (/\/0$/.test(r)) fail(scope, prop, r, 'must not be a /0 range');
    const cidr = r.includes('/') ? r : `${r}/${version === 'IPV4' ? 32 : 128}`;
    (byVersion[version] ??= []).push(cidr);
  }
  return byVersion;
}
