import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * Where a web ACL can be used: `REGIONAL` for API Gateway REST stages (and other regional resources), `CLOUDFRONT`
 * for CloudFront distributions (created in us-east-1).
 * @see https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html#wafv2-CreateWebACL-request-Scope
 */
export enum WebAclScope {
  /** Regional resources such as API Gateway REST API stages. */
  REGIONAL = 'REGIONAL',
  /** CloudFront distributions. */
  CLOUDFRONT = 'CLOUDFRONT',
}

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
   * Evaluation window of the rate-based rule: 60, 120, 300 or 600 seconds.
   * @see https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html
   * @default Duration.minutes(5)
   */
  readonly rateLimitWindow?: Duration;
  /**
   * Rate-based rule evaluation window in seconds: 60, 120, 300 or 600.
   * @deprecated use `rateLimitWindow`
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
   * Largest request body (0 to 64 KiB, a whole number of bytes), enforced by a size rule that blocks larger bodies.
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
  readonly maxBodySize?: Size;
  /**
   * Largest request body in bytes (0 to 65,536); see `maxBodySize`.
   * @deprecated use `maxBodySize`
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
   * Where the web ACL is used: REGIONAL (API Gateway REST stages) or CLOUDFRONT.
   * @default WebAclScope.REGIONAL
   */
  readonly webAclScope?: WebAclScope;
  /**
   * REGIONAL (API Gateway REST stages) or CLOUDFRONT.
   * @deprecated use `webAclScope` (a constructor argument is also named `scope`, which breaks the Python binding)
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
  /**
   * What happens to the WAF log group (and the key created for it) when it leaves the stack. The patterns pass
   * their `observability.logRemovalPolicy`.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}
