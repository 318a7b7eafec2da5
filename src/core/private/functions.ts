/**
 * Hardened Lambda functions for the library's bundled handlers (authorizers, chat handlers, workers).
 *
 * Every function gets: a role whose permissions all land in one customer-managed policy (no inline policy,
 * no AWS managed policy), a KMS-encrypted log group with the pattern's retention, X-Ray tracing, a
 * KMS-encrypted dead-letter queue that enforces TLS, reserved concurrency, and, when a VPC is given, private
 * subnets. Without a VPC the "Lambda inside VPC" findings are acknowledged on the function, with the reason.
 *
 * Internal: never exported from the package.
 */
import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledgements';
import { checkRange } from './validation';

/**
 * A role whose every grant is written to one customer-managed policy instead of an inline default policy
 * (cdk-nag IAMNoInlinePolicy in the NIST, HIPAA and PCI packs).
 */
export class ManagedPolicyRole extends iam.Role {
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    super(scope, id, props);
    this.policy = new iam.ManagedPolicy(this, 'Policy', { description: `Permissions of ${this.node.path}` });
    this.addManagedPolicy(this.policy);
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}

/**
 * A terminal dead-letter queue: KMS-encrypted, TLS only, 14 days, marked as a DLQ (RedriveAllowPolicy, which
 * Control Tower CT.SQS.PR.1 expects of dead-letter queues).
 */
export function createDeadLetterQueue(scope: Construct, id: string, key: kms.IKey, of: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
  });
  acknowledge(queue, {
    id: 'Serverless-SQSRedrivePolicy',
    reason: `This queue is itself the terminal dead-letter queue ${of}; a queue behind it would only move the same failed messages again`,
  });
  return queue;
}

/** What every hardened function shares within a pattern. */
export interface FunctionHardening {
  /** Key for the log group and the dead-letter queue. */
  readonly encryptionKey: kms.IKey;
  /** Creates the function's encrypted log group. */
  readonly createLogGroup: (id: string) => logs.ILogGroup;
  /** Private subnets for the functions. @default - no VPC (acknowledged, see below) */
  readonly vpc?: ec2.IVpc;
  /** @default - the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Reserved concurrency of each function. @default 100 */
  readonly reservedConcurrency?: number;
  /** Whether X-Ray tracing is on. @default true */
  readonly tracing?: boolean;
}

/** What a caller says about one function. */
export interface HardenedFunctionSpec {
  /** What the function is for, in a sentence, used in acknowledgement reasons. */
  readonly purpose: string;
  /** Why it does not need a VPC when none is given (for example: it fetches a public JWKS). */
  readonly noVpcReason: string;
  readonly memorySize?: number;
  readonly timeout?: Duration;
  readonly environment?: Record<string, string>;
}

/** The function props every generated `*Function` class accepts (a subset of lambda.FunctionOptions). */
export function hardenedFunctionOptions(
  scope: Construct,
  id: string,
  hardening: FunctionHardening,
  spec: HardenedFunctionSpec,
): lambda.FunctionOptions {
  const reserved = hardening.reservedConcurrency ?? 100;
  checkRange(scope, 'reservedConcurrency', reserved, { min: 1, max: 10_000, integer: true });
  const role = new ManagedPolicyRole(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: spec.purpose,
  });
  const logGroup = hardening.createLogGroup(`${id}Logs`);
  logGroup.grantWrite(role);
  const deadLetterQueue = createDeadLetterQueue(scope, `${id}Dlq`, hardening.encryptionKey, 'of a Lambda function');
  if (hardening.vpc) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: ['*'],
      }),
    );
  }
  return {
    role,
    logGroup,
    deadLetterQueue,
    tracing: hardening.tracing ?? true ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
    reservedConcurrentExecutions: reserved,
    memorySize: spec.memorySize ?? 256,
    timeout: spec.timeout ?? Duration.seconds(10),
    environment: spec.environment,
    vpc: hardening.vpc,
    vpcSubnets: hardening.vpc ? hardening.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } : undefined,
    architecture: lambda.Architecture.ARM_64,
  };
}

/** Acknowledges, on the function itself, what cannot hold for it, each with its reason. */
export function acknowledgeFunctionFindings(fn: lambda.Function, hardening: FunctionHardening, spec: HardenedFunctionSpec): void {
  const role = fn.role as ManagedPolicyRole | undefined;
  if ((hardening.tracing ?? true) && role?.policy) {
    acknowledge(role.policy, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (and ENI management ' +
        'for VPC functions neither): AWS documents Resource "*" for these actions only',
    });
  }
  if (!hardening.vpc) {
    const reason = `No VPC was given: ${spec.noVpcReason}. Pass a VPC to place it in private subnets.`;
    for (const id of ['NIST.800.53.R5-LambdaInsideVPC', 'HIPAA.Security-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC', 'CT.LAMBDA.PR.3']) {
      acknowledge(fn, { id, reason });
    }
  }
}
