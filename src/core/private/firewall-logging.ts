/**
 * Logging of a web ACL: a KMS-encrypted log group (retained unless told otherwise) under a name WAF accepts, and the logging configuration
 * that redacts credentials.
 *
 * Internal: never exported from the package.
 */
import { ArnFormat, Aws, Fn, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { createEncryptionKey } from './encryption';

/** Options of `createFirewallLogging`. */
export interface FirewallLoggingOptions {
  /** The web ACL to log. */
  readonly webAcl: wafv2.CfnWebACL;
  /** Key of the log group; otherwise one is created. */
  readonly encryptionKey?: kms.IKey;
  /** Retention of the log group. */
  readonly retention: logs.RetentionDays;
  /** What happens to the log group, and the key created for it, when they leave the stack. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Logs every request of the web ACL, with the `authorization` and `cookie` headers redacted, to a log group that
 * exists before the logging configuration names it. Returns the log group.
 */
export function createFirewallLogging(scope: Construct, options: FirewallLoggingOptions): logs.ILogGroup {
  let key = options.encryptionKey;
  if (!key) {
    const created = createEncryptionKey(scope, 'Key', { description: `Encrypts the WAF logs of ${scope.node.path}`, allowCloudWatchLogs: true });
    // The key goes with its logs, never before them (logs encrypted under a deleted key cannot be read).
    created.applyRemovalPolicy(options.removalPolicy);
    key = created;
  }
  const group = new logs.LogGroup(scope, 'Logs', {
    logGroupName: wafLogGroupName(scope),
    encryptionKey: key,
    retention: options.retention,
    removalPolicy: options.removalPolicy,
  });
  const config = new wafv2.CfnLoggingConfiguration(scope, 'Logging', {
    resourceArn: options.webAcl.attrArn,
    logDestinationConfigs: [Stack.of(scope).formatArn({ service: 'logs', resource: 'log-group', resourceName: group.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'cookie' } }],
  });
  config.node.addDependency(group);
  return group;
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
