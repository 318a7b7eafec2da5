/**
 * Customer-managed KMS keys for the library's log groups, topics, queues and tables.
 *
 * Every key has rotation on and carries the key-policy statement Control Tower CT.KMS.PR.3 expects
 * (deny `kms:CreateGrant` unless the grant is for an AWS resource or the caller is an AWS service).
 * CloudWatch Logs may use a key only for log groups of this account and region.
 *
 * Internal: never exported from the package.
 */
import { ArnFormat, Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { SERVICE_KEY_ACTIONS } from './policies';

/** Options of `createEncryptionKey`. */
export interface EncryptionKeyOptions {
  /** What the key protects, for the key's description. */
  readonly description: string;
  /** Allow CloudWatch Logs in this account and region to use the key for its log groups. */
  readonly allowCloudWatchLogs?: boolean;
  /** Service principals (e.g. `sns.amazonaws.com`) allowed to use the key through this account's resources. */
  readonly servicePrincipals?: string[];
}

/** Creates a rotating customer-managed key with the library's baseline key policy. */
export function createEncryptionKey(scope: Construct, id: string, options: EncryptionKeyOptions): kms.Key {
  const key = new kms.Key(scope, id, {
    description: options.description,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  addKeyBaseline(key);
  if (options.allowCloudWatchLogs) allowCloudWatchLogs(key);
  for (const service of options.servicePrincipals ?? []) {
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `Allow${service.split('.')[0]}`,
        principals: [new iam.ServicePrincipal(service)],
        actions: [...SERVICE_KEY_ACTIONS],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
  }
  return key;
}

/** CT.KMS.PR.3: grants only for AWS resources or by AWS services. */
function addKeyBaseline(key: kms.Key): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyCreateGrantUnlessForAwsResource',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    }),
  );
}

/** Lets CloudWatch Logs encrypt log groups of this account and region with the key. */
function allowCloudWatchLogs(key: kms.Key): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogs',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
}
