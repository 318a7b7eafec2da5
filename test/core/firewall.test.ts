import { CfnParameter, Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ApiFirewall, ApiFirewallProps, WebAclScope } from '../../src';
import { complianceFindings, formatFindings } from '../support/compliance';
import { retainedLogGroupsWithFixedNames } from '../support/deploy-rules';
import { newStack } from '../support/fixtures';

function build(props: ApiFirewallProps = {}) {
  const stack = newStack();
  const firewall = new ApiFirewall(stack, 'Fw', { associatedResourceArn: 'arn:aws:apigateway:eu-west-1::/restapis/abc/stages/prod', ...props });
  return { stack, firewall, template: Template.fromStack(stack) };
}

function ruleNames(template: Template): string[] {
  const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0];
  return acl.Properties.Rules.map((r: { Name: string }) => r.Name);
}

describe('ApiFirewall defaults', () => {
  test('REGIONAL web ACL: rate rule first, then the four managed groups in order, blocking', () => {
    const { template } = build();
    expect(ruleNames(template)).toEqual([
      'RateLimitPerIp',
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesSQLiRuleSet',
    ]);
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: Match.arrayWith([
        Match.objectLike({ Name: 'RateLimitPerIp', Priority: 0, Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } } }),
        Match.objectLike({ Name: 'AWSManagedRulesCommonRuleSet', OverrideAction: { None: {} } }),
      ]),
    });
  });

  test('logs to an encrypted aws-waf-logs-* group, one year, with authorization and cookie redacted', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', [Match.stringLikeRegexp('^aws-waf-logs-'), Match.anyValue()]] },
      RetentionInDays: 365,
      KmsKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'cookie' } }],
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('associates with the given resource', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: 'arn:aws:apigateway:eu-west-1::/restapis/abc/stages/prod' });
  });

  test('no unacknowledged compliance finding', () => {
    const { stack } = build();
    expect(formatFindings(complianceFindings(stack))).toEqual([]);
  });

  test('no unacknowledged finding with a raised body inspection limit either', () => {
    const { stack } = build({ maxBodySizeBytes: 30_000 });
    expect(formatFindings(complianceFindings(stack))).toEqual([]);
  });
});

describe('ApiFirewall overrides', () => {
  test('IP allow and block lists become one IP set per version; geo, size, bot control, extra groups', () => {
    const { template, firewall } = build({
      allowedIpRanges: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7'],
      blockedIpRanges: ['203.0.113.66/32'],
      blockedCountries: ['KP', 'IR'],
      maxBodySizeBytes: 8192,
      botControl: true,
      additionalManagedRuleGroups: ['AWSManagedRulesLinuxRuleSet'],
      managedRulesInCount: ['AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY'],
      rateLimit: 500,
      rateLimitWindowSeconds: 60,
    });
    expect(firewall.ipSets).toHaveLength(3);
    template.hasResourceProperties('AWS::WAFv2::IPSet', { IPAddressVersion: 'IPV4', Addresses: ['203.0.113.0/24', '198.51.100.7/32'] });
    template.hasResourceProperties('AWS::WAFv2::IPSet', { IPAddressVersion: 'IPV6', Addresses: ['2001:db8::/32'] });
    expect(ruleNames(template)).toEqual([
      'BlockedIps', 'OutsideAllowedIps', 'BlockedCountries', 'RateLimitPerIp', 'BodySizeLimit',
      'AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesSQLiRuleSet', 'AWSManagedRulesLinuxRuleSet', 'AWSManagedRulesBotControlRuleSet',
    ]);
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({ Name: 'OutsideAllowedIps', Statement: { NotStatement: { Statement: { OrStatement: Match.anyValue() } } } }),
        Match.objectLike({ Name: 'BlockedCountries', Statement: { GeoMatchStatement: { CountryCodes: ['KP', 'IR'] } } }),
        Match.objectLike({ Name: 'RateLimitPerIp', Statement: { RateBasedStatement: Match.objectLike({ Limit: 500, EvaluationWindowSec: 60 }) } }),
        Match.objectLike({
          Name: 'BodySizeLimit',
          Statement: { SizeConstraintStatement: Match.objectLike({ Size: 8192, ComparisonOperator: 'GT', FieldToMatch: { Body: { OversizeHandling: 'MATCH' } } }) },
        }),
        Match.objectLike({
          Name: 'AWSManagedRulesCommonRuleSet',
          Statement: { ManagedRuleGroupStatement: Match.objectLike({ RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }] }) },
        }),
      ]),
    });
  });

  test('count mode counts with every rule and group', () => {
    const { template } = build({ countMode: true, blockedCountries: ['KP'] });
    const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0];
    for (const rule of acl.Properties.Rules) {
      expect(rule.Action ?? rule.OverrideAction).toEqual({ Count: {} });
    }
  });

  test('logging can be switched off; a given retention is used', () => {
    expect(build({ logging: false }).template.findResources('AWS::WAFv2::LoggingConfiguration')).toEqual({});
    build({ logRetention: logs.RetentionDays.TWO_YEARS }).template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 731 });
  });

  test('the log group and its key are retained by default; logRemovalPolicy DESTROY deletes both with the stack', () => {
    const types = ['AWS::Logs::LogGroup', 'AWS::KMS::Key'];
    const policies = (template: Template) => types.map((t) => Object.values(template.findResources(t))
      .map((r) => [r.DeletionPolicy, r.UpdateReplacePolicy]));
    expect(policies(build().template)).toEqual([[['Retain', 'Retain']], [['Retain', 'Retain']]]);
    expect(policies(build({ logRemovalPolicy: RemovalPolicy.DESTROY }).template)).toEqual([[['Delete', 'Delete']], [['Delete', 'Delete']]]);
  });

  test.each([
    [{ rateLimit: 5 }, 'Test/Fw: invalid rateLimit 5: must be an integer between 10 and 2000000000'],
    [{ rateLimit: 100.5 }, 'Test/Fw: invalid rateLimit 100.5'],
    [{ rateLimitWindowSeconds: 30 }, 'Test/Fw: invalid rateLimitWindowSeconds 30: must be one of 60, 120, 300, 600'],
    [{ maxBodySizeBytes: -1 }, 'Test/Fw: invalid maxBodySizeBytes -1: must be an integer between 0 and 65536 (WAF inspects at most 64 KB of a body)'],
    [{ maxBodySizeBytes: 65_537 }, 'Test/Fw: invalid maxBodySizeBytes 65537: must be an integer between 0 and 65536 (WAF inspects at most 64 KB of a body)'],
    [{ blockedCountries: [] }, 'Test/Fw: invalid blockedCountries "0 item(s)": must have at least 1 item(s)'],
    [{ blockedCountries: ['de'] }, 'Test/Fw: invalid blockedCountries "de": entries must be ISO 3166-1 alpha-2 codes such as DE'],
    [{ blockedCountries: ['DEU'] }, 'Test/Fw: invalid blockedCountries "DEU"'],
    [{ allowedIpRanges: ['300.1.1.1/32'] }, 'Test/Fw: invalid allowedIpRanges "300.1.1.1/32": entries must be IPv4 or IPv6 CIDR ranges'],
    [{ allowedIpRanges: [] }, 'Test/Fw: invalid allowedIpRanges "0 item(s)"'],
    [{ blockedIpRanges: ['0.0.0.0/0'] }, 'Test/Fw: invalid blockedIpRanges "0.0.0.0/0": must not be a /0 range'],
    [{ blockedIpRanges: ['2001:db8::1::2'] }, 'Test/Fw: invalid blockedIpRanges "2001:db8::1::2"'],
    [{ additionalManagedRuleGroups: ['MyGroup'] }, 'Test/Fw: invalid additionalManagedRuleGroups "MyGroup": entries must be AWS managed rule group names'],
    [{ managedRulesInCount: ['AWSManagedRulesCommonRuleSet'] }, 'Test/Fw: invalid managedRulesInCount "AWSManagedRulesCommonRuleSet": entries must be GroupName:RuleName'],
    [{ scope: 'GLOBAL' }, 'Test/Fw: invalid scope "GLOBAL": must be one of "REGIONAL", "CLOUDFRONT"'],
    [{ blockedCountries: ['D1'] }, 'Test/Fw: invalid blockedCountries "D1"'],
  ])('bad props fail clearly: %j', (props, message) => {
    expect(() => build(props as ApiFirewallProps)).toThrow(message);
  });
});

describe('rule: the WAF log group (retained, its name must start with aws-waf-logs-) never collides with an earlier deployment', () => {
  test('its name ends with the stack id\'s UUID, new for every creation of the stack', () => {
    const { template } = build();
    const group = Object.values(template.findResources('AWS::Logs::LogGroup'))[0];
    expect(group.DeletionPolicy).toBe('Retain');
    expect(group.Properties.LogGroupName['Fn::Join'][1]).toEqual([
      expect.stringMatching(/^aws-waf-logs-Test-Fw-[0-9A-F]{8}-$/),
      { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] },
    ]);
    expect(retainedLogGroupsWithFixedNames(template.toJSON())).toEqual([]);
    // The logging configuration names that same group.
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      LogDestinationConfigs: [{ 'Fn::Join': ['', Match.arrayWith([':log-group:', { Ref: Match.stringLikeRegexp('FwLogs') }])] }],
    });
  });
});

/**
 * AWSManagedRulesCommonRuleSet blocks request bodies over 8 KB (SizeRestrictions_BODY) and requests without a
 * User-Agent (NoUserAgent_HEADER): https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html.
 * WAF inspects only the body size API Gateway forwards (16 KB by default, up to 64 KB with AssociationConfig):
 * https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociationConfig.html.
 */
describe('rule: a body limit of the user\'s own decides, not the common rule set\'s 8 KB', () => {
  function overrides(template: Template): string[] {
    const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0];
    const crs = acl.Properties.Rules.find((r: any) => r.Name === 'AWSManagedRulesCommonRuleSet');
    return crs.Statement.ManagedRuleGroupStatement.RuleActionOverrides.map((o: any) => `${o.Name}:${Object.keys(o.ActionToUse)[0]}`);
  }
  function inspectionLimit(template: Template): string | undefined {
    const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0];
    return acl.Properties.AssociationConfig?.RequestBody?.API_GATEWAY?.DefaultSizeInspectionLimit;
  }

  test.each([
    [undefined, [], undefined],
    [8192, [], undefined],
    [8193, ['SizeRestrictions_BODY:Count'], undefined],
    [16_384, ['SizeRestrictions_BODY:Count'], undefined],
    [20_000, ['SizeRestrictions_BODY:Count'], 'KB_32'],
    [49_152, ['SizeRestrictions_BODY:Count'], 'KB_48'],
    [65_536, ['SizeRestrictions_BODY:Count'], 'KB_64'],
  ])('maxBodySizeBytes %p: common rule set overrides %j, inspection limit %p', (maxBodySizeBytes, expected, limit) => {
    const { template } = build({ maxBodySizeBytes });
    expect(overrides(template)).toEqual(expected);
    expect(inspectionLimit(template)).toBe(limit);
  });

  test('every body over the limit is blocked and every body up to it is inspected whole', () => {
    for (const maxBodySizeBytes of [1_000, 16_000, 30_000, 60_000]) {
      const { template } = build({ maxBodySizeBytes });
      const limitBytes = { KB_16: 16_384, KB_32: 32_768, KB_48: 49_152, KB_64: 65_536 }[inspectionLimit(template) ?? 'KB_16']!;
      expect(limitBytes).toBeGreaterThanOrEqual(maxBodySizeBytes);
      template.hasResourceProperties('AWS::WAFv2::WebACL', {
        Rules: Match.arrayWith([Match.objectLike({ Name: 'BodySizeLimit', Action: { Block: {} }, Statement: { SizeConstraintStatement: Match.objectLike({ Size: maxBodySizeBytes, FieldToMatch: { Body: { OversizeHandling: 'MATCH' } } }) } })]),
      });
    }
  });

  test('a CLOUDFRONT web ACL raises the CLOUDFRONT inspection limit; the user\'s own count entries stay, once', () => {
    const { template } = build({ scope: 'CLOUDFRONT', maxBodySizeBytes: 40_000, managedRulesInCount: ['AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY', 'AWSManagedRulesCommonRuleSet:NoUserAgent_HEADER'] });
    const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0];
    expect(acl.Properties.AssociationConfig).toEqual({ RequestBody: { CLOUDFRONT: { DefaultSizeInspectionLimit: 'KB_48' } } });
    expect(overrides(template)).toEqual(['SizeRestrictions_BODY:Count', 'NoUserAgent_HEADER:Count']);
  });
});

function rateRule(template: Template): { Limit: unknown; EvaluationWindowSec: unknown } {
  const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0];
  return acl.Properties.Rules.find((r: any) => r.Name === 'RateLimitPerIp').Statement.RateBasedStatement;
}

function bodyRule(template: Template): { Size: unknown } | undefined {
  const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0];
  return acl.Properties.Rules.find((r: any) => r.Name === 'BodySizeLimit')?.Statement.SizeConstraintStatement;
}

const DEPRECATED = Match.stringLikeRegexp('cdk-apigateway-patterns:DeprecatedProp');

/**
 * WAF's API takes the rate-based rule's window in seconds (RateBasedStatement.EvaluationWindowSec: 60, 120, 300 or
 * 600, https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html) and the size constraint in
 * bytes (SizeConstraintStatement.Size, https://docs.aws.amazon.com/waf/latest/APIReference/API_SizeConstraintStatement.html);
 * the body inspection limits KB_16..KB_64 are multiples of 1,024 bytes
 * (https://docs.aws.amazon.com/waf/latest/APIReference/API_RequestBodyAssociatedResourceTypeConfig.html).
 */
describe('rule: typed props reach WAF in its units (window in seconds, sizes in bytes)', () => {
  test.each([
    [Duration.minutes(1), 60],
    [Duration.seconds(120), 120],
    [Duration.minutes(5), 300],
    [Duration.millis(600_000), 600],
  ])('rateLimitWindow %s is EvaluationWindowSec %p', (rateLimitWindow, seconds) => {
    expect(rateRule(build({ rateLimitWindow }).template).EvaluationWindowSec).toBe(seconds);
  });

  test('maxBodySize in KiB is the size rule in bytes, and a KiB over 16 raises the inspection limit to KB_32', () => {
    const { template } = build({ maxBodySize: Size.kibibytes(8) });
    expect(bodyRule(template)?.Size).toBe(8192);
    const at16 = build({ maxBodySize: Size.kibibytes(16) }).template;
    expect(Object.values(at16.findResources('AWS::WAFv2::WebACL'))[0].Properties.AssociationConfig).toBeUndefined();
    const over16 = build({ maxBodySize: Size.bytes(16 * 1024 + 1) }).template;
    expect(Object.values(over16.findResources('AWS::WAFv2::WebACL'))[0].Properties.AssociationConfig).toEqual({
      RequestBody: { API_GATEWAY: { DefaultSizeInspectionLimit: 'KB_32' } },
    });
  });

  test('webAclScope CLOUDFRONT scopes the web ACL and its IP sets', () => {
    const { template } = build({ webAclScope: WebAclScope.CLOUDFRONT, allowedIpRanges: ['203.0.113.0/24'] });
    template.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT' });
    template.allResourcesProperties('AWS::WAFv2::IPSet', { Scope: 'CLOUDFRONT' });
  });

  test('tokens are left to deploy time', () => {
    const stack = newStack();
    const window = new CfnParameter(stack, 'Window', { type: 'Number' });
    const size = new CfnParameter(stack, 'Body', { type: 'Number' });
    new ApiFirewall(stack, 'Fw', { rateLimitWindow: Duration.seconds(window.valueAsNumber), maxBodySize: Size.bytes(size.valueAsNumber) });
    const template = Template.fromStack(stack);
    expect(rateRule(template).EvaluationWindowSec).toEqual({ Ref: 'Window' });
    expect(bodyRule(template)?.Size).toEqual({ Ref: 'Body' });
  });
});

describe('deprecated names (one minor release): same template, a warning, and a conflict with their successor fails', () => {
  test.each<[string, ApiFirewallProps, ApiFirewallProps]>([
    ['scope', { scope: 'CLOUDFRONT' }, { webAclScope: WebAclScope.CLOUDFRONT }],
    ['rateLimitWindowSeconds', { rateLimitWindowSeconds: 120 }, { rateLimitWindow: Duration.minutes(2) }],
    ['maxBodySizeBytes', { maxBodySizeBytes: 40_000 }, { maxBodySize: Size.bytes(40_000) }],
  ])('%s gives the template of its successor', (_name, deprecated, successor) => {
    const old = build(deprecated);
    const typed = build(successor);
    expect(old.template.toJSON()).toEqual(typed.template.toJSON());
    Annotations.fromStack(old.stack).hasWarning('/Test/Fw', DEPRECATED);
    Annotations.fromStack(typed.stack).hasNoWarning('*', DEPRECATED);
  });

  test('the defaults are those of the typed props', () => {
    const { template } = build();
    expect(rateRule(template)).toEqual({ Limit: 2000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 });
    template.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: WebAclScope.REGIONAL });
    expect(bodyRule(template)).toBeUndefined();
  });

  test.each<[ApiFirewallProps, string]>([
    [{ scope: 'REGIONAL', webAclScope: WebAclScope.REGIONAL }, 'Test/Fw: invalid scope "REGIONAL": give either webAclScope or the deprecated scope, not both'],
    [{ rateLimitWindowSeconds: 60, rateLimitWindow: Duration.minutes(1) }, 'Test/Fw: invalid rateLimitWindowSeconds 60: give either rateLimitWindow or the deprecated rateLimitWindowSeconds, not both'],
    [{ maxBodySizeBytes: 100, maxBodySize: Size.bytes(100) }, 'Test/Fw: invalid maxBodySizeBytes 100: give either maxBodySize or the deprecated maxBodySizeBytes, not both'],
  ])('both names at once fail, naming both: %j', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test.each<[ApiFirewallProps, string]>([
    [{ rateLimitWindow: Duration.seconds(30) }, 'Test/Fw: invalid rateLimitWindow 30 seconds: must be one of 60, 120, 300, 600 seconds'],
    [{ rateLimitWindow: Duration.millis(60_500) }, 'Test/Fw: invalid rateLimitWindow 1 minute 500 millis: must be one of 60, 120, 300, 600 seconds'],
    [{ rateLimitWindow: Duration.millis(0.5) }, 'Test/Fw: invalid rateLimitWindow 0.5 millis: must be one of 60, 120, 300, 600 seconds'],
    [{ maxBodySize: Size.bytes(65_537) }, 'Test/Fw: invalid maxBodySize 65537: must be an integer between 0 and 65536 bytes (WAF inspects at most 64 KB of a body)'],
    [{ maxBodySize: Size.kibibytes(0.1) }, 'Test/Fw: invalid maxBodySize 102.4: must be an integer between 0 and 65536 bytes'],
    [{ webAclScope: 'GLOBAL' as WebAclScope }, 'Test/Fw: invalid webAclScope "GLOBAL": must be one of "REGIONAL", "CLOUDFRONT"'],
  ])('bad typed props fail clearly: %j', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
