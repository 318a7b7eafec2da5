import { Names, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { ApiFirewallProps, WebAclScope } from './firewall-options';
import { createFirewallLogging } from './private/firewall-logging';
import { resolveFirewallProps } from './private/firewall-props';
import { FirewallRuleSpec, bodyInspectionLimit, managedRuleGroups, managedRulesInCount, webAclCapacity } from './private/firewall-rules';
import { warn } from './private/validation';

export * from './firewall-options';

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
    const p = resolveFirewallProps(this, props);
    const wafScope = p.webAclScope;
    this.metricPrefix = Names.uniqueResourceName(this, { maxLength: 100, separator: '-' });

    const rules: FirewallRuleSpec[] = [];
    const allowed = this.ipSetsFor('Allowed', p.allowedCidrs, wafScope);
    const blocked = this.ipSetsFor('Blocked', p.blockedCidrs, wafScope);
    if (blocked.length) rules.push({ name: 'BlockedIps', statement: orStatement(blocked.map(ipMatch)), block: true });
    if (allowed.length) rules.push({ name: 'OutsideAllowedIps', statement: { notStatement: { statement: orStatement(allowed.map(ipMatch)) } }, block: true });
    if (p.blockedCountries.length) rules.push({ name: 'BlockedCountries', statement: { geoMatchStatement: { countryCodes: p.blockedCountries } }, block: true });
    rules.push({
      name: 'RateLimitPerIp',
      statement: {
        rateBasedStatement: { limit: p.rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: p.rateLimitWindowSeconds },
      },
      block: true,
    });
    if (p.maxBodySizeBytes !== undefined) {
      rules.push({
        name: 'BodySizeLimit',
        statement: {
          sizeConstraintStatement: {
            fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
            comparisonOperator: 'GT',
            size: p.maxBodySizeBytes,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
        block: true,
      });
    }
    const groups = managedRuleGroups(p.additionalManagedRuleGroups, p.botControl);
    const capacity = webAclCapacity(rules.length, groups);
    if (capacity > 5000) warn(this, 'WebAclCapacity', `the web ACL needs about ${capacity} WCUs, over the 5,000 a web ACL may use`);

    const inCount = managedRulesInCount(p.managedRulesInCount, p.maxBodySizeBytes);
    const inspectionLimit = bodyInspectionLimit(p.maxBodySizeBytes);
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: wafScope,
      defaultAction: { allow: {} },
      associationConfig: inspectionLimit
        ? { requestBody: { [wafScope === WebAclScope.CLOUDFRONT ? 'CLOUDFRONT' : 'API_GATEWAY']: { defaultSizeInspectionLimit: inspectionLimit } } }
        : undefined,
      visibilityConfig: this.visibility('all'),
      rules: [
        ...rules.map((r, i) => ({
          name: r.name,
          priority: i,
          statement: r.statement,
          action: p.countMode ? { count: {} } : { block: {} },
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
          overrideAction: p.countMode ? { count: {} } : { none: {} },
          visibilityConfig: this.visibility(g.name),
        })),
      ],
    });
    this.webAclArn = this.webAcl.attrArn;

    if (p.logging) {
      this.logGroup = createFirewallLogging(this, {
        webAcl: this.webAcl,
        encryptionKey: props.encryptionKey,
        retention: p.logRetention,
        removalPolicy: p.logRemovalPolicy,
      });
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

  /** One IP set per IP version of the (validated) ranges. */
  private ipSetsFor(prefix: string, cidrsByVersion: Record<string, string[]>, wafScope: string): wafv2.CfnIPSet[] {
    return Object.entries(cidrsByVersion).map(([version, addresses]) => {
      const set = new wafv2.CfnIPSet(this, `${prefix}${version === 'IPV4' ? 'V4' : 'V6'}`, { scope: wafScope, ipAddressVersion: version, addresses });
      this.ipSets.push(set);
      return set;
    });
  }
}

function ipMatch(set: wafv2.CfnIPSet): wafv2.CfnWebACL.StatementProperty {
  return { ipSetReferenceStatement: { arn: set.attrArn } };
}

function orStatement(statements: wafv2.CfnWebACL.StatementProperty[]): wafv2.CfnWebACL.StatementProperty {
  return statements.length === 1 ? statements[0] : { orStatement: { statements } };
}
