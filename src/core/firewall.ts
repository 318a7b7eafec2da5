import { ArnFormat, Aws, Fn, Names, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { createEncryptionKey } from './private/encryption';
import { FirewallRuleSpec, MAX_INSPECTED_BODY_BYTES, bodyInspectionLimit, managedRuleGroups, managedRulesInCount, webAclCapacity } from './private/firewall-rules';
import { ipVersionOf } from './private/network';
import { checkCount, checkOneOf, checkPattern, checkRange, fail, warn } from './private/validation';

/**
 * The firewall of an API: AWS managed rule groups, a rate-based rule, IP allow and block lists, geo blocking,
 * a body size limit, and logging.
 */
export interface FirewallOptions {
  /**
   * Extra AWS managed rule groups by name (e.g. `AWSManagedRulesLinuxRuleSet`), after the default four:
   * common rule set, known bad inputs, Amazon IP reputation list, SQL injection.
   * @default - the default four only
   */
  readonly additionalManagedRuleGroups?: string[];
  /**
   * Rules of the managed groups to switch to count (for false positives), as `GroupName:RuleName`.
   * @default - none
   */
  readonly managedRulesInCount?: string[];
  /**
   * Add AWS Bot Control (billed per request on top of the web ACL).
   * @default false
   */
  readonly botControl?: boolean;
  /**
   * Requests per evaluation window one IP may send before being blocked (10 to 2,000,000,000).
   * @default 2000
   */
  readonly rateLimit?: number;
  /**
   * Rate-based rule evaluation window in seconds: 60, 120, 300 or 600.
   * @default 300
   */
  readonly rateLimitWindowSeconds?: number;
  /**
   * Only these IPv4/IPv6 addresses or CIDR ranges may call; everything else is blocked.
   * @default - any address
   */
  readonly allowedIpRanges?: string[];
  /**
   * These IPv4/IPv6 addresses or CIDR ranges are blocked.
   * @default - none
   */
  readonly blockedIpRanges?: string[];
  /**
   * ISO 3166-1 alpha-2 country codes whose requests are blocked.
   * @default - none
   */
  readonly blockedCountries?: string[];
  /**
   * Largest request body in bytes (0 to 65,536), enforced by a size rule that blocks larger bodies.
   *
   * Without it, the AWS common rule set already blocks bodies over 8 KB (its rule `SizeRestrictions_BODY`) and
   * requests without a `User-Agent` header (`NoUserAgent_HEADER`). A limit above 8,192 bytes switches
   * `SizeRestrictions_BODY` to count, so this limit decides; a limit above 16 KB raises the body size API Gateway
   * forwards to WAF for inspection (`AssociationConfig`, 32, 48 or 64 KB, billed extra), because WAF cannot measure
   * what it is not sent. For bodies over 64 KB, leave this unset and add
   * `AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY` to `managedRulesInCount` (API Gateway's own payload quota is 10 MB).
   * Clients that send no `User-Agent` need `AWSManagedRulesCommonRuleSet:NoUserAgent_HEADER` in `managedRulesInCount`.
   * @see https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
   * @default - no body size rule of its own: the common rule set's 8 KB limit applies
   */
  readonly maxBodySizeBytes?: number;
  /**
   * Count instead of block for every rule: a rollout mode to watch what would be blocked.
   * @default false
   */
  readonly countMode?: boolean;
  /**
   * Log requests to a KMS-encrypted `aws-waf-logs-*` log group with the `authorization` and `cookie` headers
   * redacted. Without logging, blocked requests leave no trace.
   * @default true
   */
  readonly logging?: boolean;
}

/**
 * Properties of `ApiFirewall`.
 */
export interface ApiFirewallProps extends FirewallOptions {
  /**
   * REGIONAL (API Gateway REST stages) or CLOUDFRONT.
   * @default 'REGIONAL'
   */
  readonly scope?: string;
  /**
   * Resource to associate the web ACL with, e.g. a REST API stage ARN.
   * @default - none; call `associate()`
   */
  readonly associatedResourceArn?: string;
  /**
   * Key for the log group.
   * @default - a key with rotation on is created
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Log retention.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

const COUNTRY = /^[A-Z]{2}$/;
const WINDOWS = [60, 120, 300, 600];

/**
 * A WAFv2 web ACL for an API, with logging. Reusable on its own.
 */
export class ApiFirewall extends Construct {
  /** The web ACL. */
  public readonly webAcl: wafv2.CfnWebACL;
  /** The web ACL's ARN. */
  public readonly webAclArn: string;
  /** The log group, when logging is on. */
  public readonly logGroup?: logs.ILogGroup;
  /** The IP sets created for the allow and block lists. */
  public readonly ipSets: wafv2.CfnIPSet[] = [];
  private readonly metricPrefix: string;
  private associations = 0;

  constructor(scope: Construct, id: string, props: ApiFirewallProps = {}) {
    super(scope, id);
    const wafScope = props.scope ?? 'REGIONAL';
    checkOneOf(this, 'scope', wafScope, ['REGIONAL', 'CLOUDFRONT']);
    checkRange(this, 'rateLimit', props.rateLimit, { min: 10, max: 2_000_000_000, integer: true });
    checkOneOf(this, 'rateLimitWindowSeconds', props.rateLimitWindowSeconds, WINDOWS);
    checkRange(this, 'maxBodySizeBytes', props.maxBodySizeBytes, { min: 0, max: MAX_INSPECTED_BODY_BYTES, integer: true, unit: '(WAF inspects at most 64 KB of a body)' });
    if (props.blockedCountries) {
      checkCount(this, 'blockedCountries', props.blockedCountries, { min: 1 });
      for (const c of props.blockedCountries) checkPattern(this, 'blockedCountries', c, COUNTRY, 'entries must be ISO 3166-1 alpha-2 codes such as DE');
    }
    for (const name of props.additionalManagedRuleGroups ?? []) {
      checkPattern(this, 'additionalManagedRuleGroups', name, /^AWSManagedRules[A-Za-z0-9]+$/, 'entries must be AWS managed rule group names (AWSManagedRules...)');
    }
    for (const entry of props.managedRulesInCount ?? []) {
      checkPattern(this, 'managedRulesInCount', entry, /^AWSManagedRules[A-Za-z0-9]+:[\w-]{1,128}$/, 'entries must be GroupName:RuleName');
    }
    this.metricPrefix = Names.uniqueResourceName(this, { maxLength: 100, separator: '-' });

    const count = props.countMode ?? false;
    const rules: FirewallRuleSpec[] = [];
    const allowed = this.ipSetsFor('Allowed', props.allowedIpRanges, wafScope, 'allowedIpRanges');
    const blocked = this.ipSetsFor('Blocked', props.blockedIpRanges, wafScope, 'blockedIpRanges');
    if (blocked.length) rules.push({ name: 'BlockedIps', statement: orStatement(blocked.map(ipMatch)), block: true });
    if (allowed.length) rules.push({ name: 'OutsideAllowedIps', statement: { notStatement: { statement: orStatement(allowed.map(ipMatch)) } }, block: true });
    if (props.blockedCountries?.length) rules.push({ name: 'BlockedCountries', statement: { geoMatchStatement: { countryCodes: props.blockedCountries } }, block: true });
    rules.push({
      name: 'RateLimitPerIp',
      statement: {
        rateBasedStatement: { limit: props.rateLimit ?? 2000, aggregateKeyType: 'IP', evaluationWindowSec: props.rateLimitWindowSeconds ?? 300 },
      },
      block: true,
    });
    if (props.maxBodySizeBytes !== undefined) {
      rules.push({
        name: 'BodySizeLimit',
        statement: {
          sizeConstraintStatement: {
            fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
            comparisonOperator: 'GT',
            size: props.maxBodySizeBytes,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
        block: true,
      });
    }
    const groups = managedRuleGroups(props.additionalManagedRuleGroups ?? [], props.botControl ?? false);
    const capacity = webAclCapacity(rules.length, groups);
    if (capacity > 5000) warn(this, 'WebAclCapacity', `the web ACL needs about ${capacity} WCUs, over the 5,000 a web ACL may use`);

    const inCount = managedRulesInCount(props.managedRulesInCount ?? [], props.maxBodySizeBytes);
    const inspectionLimit = bodyInspectionLimit(props.maxBodySizeBytes);
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: wafScope,
      defaultAction: { allow: {} },
      associationConfig: inspectionLimit
        ? { requestBody: { [wafScope === 'CLOUDFRONT' ? 'CLOUDFRONT' : 'API_GATEWAY']: { defaultSizeInspectionLimit: inspectionLimit } } }
        : undefined,
      visibilityConfig: this.visibility('all'),
      rules: [
        ...rules.map((r, i) => ({
          name: r.name,
          priority: i,
          statement: r.statement,
          action: count ? { count: {} } : { block: {} },
          visibilityConfig: this.visibility(r.name),
        })),
        ...groups.map((g, i) => ({
          name: g.name,
          priority: rules.length + i,
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: g.name,
              ruleActionOverrides: inCount
                .filter((e) => e.startsWith(`${g.name}:`))
                .map((e) => ({ name: e.split(':')[1], actionToUse: { count: {} } })),
            },
          },
          overrideAction: count ? { count: {} } : { none: {} },
          visibilityConfig: this.visibility(g.name),
        })),
      ],
    });
    this.webAclArn = this.webAcl.attrArn;

    if (props.logging ?? true) {
      const key = props.encryptionKey ?? createEncryptionKey(this, 'Key', { description: `Encrypts the WAF logs of ${this.node.path}`, allowCloudWatchLogs: true });
      const group = new logs.LogGroup(this, 'Logs', {
        logGroupName: wafLogGroupName(this),
        encryptionKey: key,
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      });
      this.logGroup = group;
      const config = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
        resourceArn: this.webAcl.attrArn,
        logDestinationConfigs: [Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: group.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
        redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'cookie' } }],
      });
      config.node.addDependency(group);
    }
    if (props.associatedResourceArn) this.associate(props.associatedResourceArn);
  }

  /** Associates the web ACL with a resource (e.g. a REST API stage ARN). */
  public associate(resourceArn: string): wafv2.CfnWebACLAssociation {
    this.associations += 1;
    return new wafv2.CfnWebACLAssociation(this, this.associations === 1 ? 'Association' : `Association${this.associations}`, {
      resourceArn,
      webAclArn: this.webAcl.attrArn,
    });
  }

  /** A metric of the web ACL (`AWS/WAFV2`, all rules). */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName,
      dimensionsMap: { WebACL: `${this.metricPrefix}-all`, Region: Stack.of(this).region, Rule: 'ALL' },
      statistic: 'Sum',
      ...props,
    });
  }

  /** Blocked requests (Sum). */
  public metricBlockedRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('BlockedRequests', props);
  }

  /** Allowed requests (Sum). */
  public metricAllowedRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('AllowedRequests', props);
  }

  /** Counted requests (Sum), e.g. in count mode. */
  public metricCountedRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CountedRequests', props);
  }

  private visibility(name: string): wafv2.CfnWebACL.VisibilityConfigProperty {
    return { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `${this.metricPrefix}-${name}`.slice(0, 255) };
  }

  /** One IP set per IP version present in `ranges`. */
  private ipSetsFor(prefix: string, ranges: string[] | undefined, wafScope: string, prop: string): wafv2.CfnIPSet[] {
    if (!ranges) return [];
    checkCount(this, prop, ranges, { min: 1, max: 10_000 });
    const byVersion: Record<string, string[]> = {};
    for (const r of ranges) {
      const version = ipVersionOf(r);
      if (!version) fail(this, prop, r, 'entries must be IPv4 or IPv6 CIDR ranges such as 203.0.113.0/24 or 2001:db8::/32');
      if (/\/0$/.test(r)) fail(this, prop, r, 'must not be a /0 range');
      const cidr = r.includes('/') ? r : `${r}/${version === 'IPV4' ? 32 : 128}`;
      (byVersion[version] ??= []).push(cidr);
    }
    return Object.entries(byVersion).map(([version, addresses]) => {
      const set = new wafv2.CfnIPSet(this, `${prefix}${version === 'IPV4' ? 'V4' : 'V6'}`, { scope: wafScope, ipAddressVersion: version, addresses });
      this.ipSets.push(set);
      return set;
    });
  }
}

/**
 * WAF requires its log group's name to start with `aws-waf-logs-`, so CloudFormation cannot generate one. The log
 * group is retained on delete, and a retained group with a fixed name makes the next deployment after `cdk destroy`
 * fail with "already exists": the name ends with the stack id's UUID (`Fn::Select [2, Fn::Split ['/', AWS::StackId]]`),
 * new for every creation of the stack.
 * @see https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html
 */
function wafLogGroupName(scope: Construct): string {
  const deploymentUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return `aws-waf-logs-${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}-${deploymentUuid}`;
}

function ipMatch(set: wafv2.CfnIPSet): wafv2.CfnWebACL.StatementProperty {
  return { ipSetReferenceStatement: { arn: set.attrArn } };
}

function orStatement(statements: wafv2.CfnWebACL.StatementProperty[]): wafv2.CfnWebACL.StatementProperty {
  return statements.length === 1 ? statements[0] : { orStatement: { statements } };
}
