/**
 * Hardened Lambda functions for the library's bundled handlers (authorizers, chat handlers, workers).
 *
 * Every function gets: a role whose permissions all land in one customer-managed policy (no inline policy,
 * no AWS managed policy), a KMS-encrypted log group with the pattern's retention, X-Ray tracing, and, when a VPC is
 * given, private subnets. Without a VPC the "Lambda inside VPC" findings are acknowledged on the function, with
 * the reason.
 *
 * Two deploy-time facts shape the rest (docs/deploy-readiness.md):
 * - Reserved concurrency is off unless a caller asks for it: Lambda refuses a reservation that would leave the
 *   account's unreserved concurrency under 100, and new accounts often have a concurrency quota of 10 or 50, so a
 *   default reservation fails the first deploy of a new user
 *   (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
 * - A dead-letter queue receives only failed ASYNCHRONOUS invocations
 *   (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html): only functions invoked
 *   asynchronously (custom resources) get one, and their role may use the queue's KMS key (kms:GenerateDataKey,
 *   kms:Decrypt), without which Lambda cannot write to it (aws-cdk#33153).
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
import { DLQ_KEY_ACTIONS, VPC_ENI_ACTIONS, XRAY_ACTIONS } from './policies';
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
  /**
   * Concurrent executions reserved for the function (an integer >= 1).
   * @default - none: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;
  /**
   * The prop path `reservedConcurrency` came from, for error messages.
   * @default 'reservedConcurrency'
   */
  readonly reservedConcurrencyProp?: string;
  /**
   * Whether the function is invoked asynchronously (for example by CloudFormation as a custom resource): then it
   * gets a KMS-encrypted dead-letter queue its role can write to. Synchronously invoked functions (authorizers, API
   * handlers, SQS event-source workers) return errors to their caller and get none.
   * @default false
   */
  readonly asynchronous?: boolean;
}

/** The function props every generated `*Function` class accepts (a subset of lambda.FunctionOptions). */
export function hardenedFunctionOptions(
  scope: Construct,
  id: string,
  hardening: FunctionHardening,
  spec: HardenedFunctionSpec,
): lambda.FunctionOptions {
  checkRange(scope, spec.reservedConcurrencyProp ?? 'reservedConcurrency', spec.reservedConcurrency, { min: 1, max: 10_000, integer: true });
  const role = new ManagedPolicyRole(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: spec.purpose,
  });
  const logGroup = hardening.createLogGroup(`${id}Logs`);
  logGroup.grantWrite(role);
  let deadLetterQueue: sqs.IQueue | undefined;
  if (spec.asynchronous) {
    deadLetterQueue = createDeadLetterQueue(scope, `${id}Dlq`, hardening.encryptionKey, 'of a Lambda function');
    // Lambda writes to an encrypted DLQ with the function's own role (aws-cdk#33153).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...DLQ_KEY_ACTIONS], resources: [hardening.encryptionKey.keyArn] }),
    );
  }
  if (hardening.vpc) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...VPC_ENI_ACTIONS],
        resources: ['*'],
      }),
    );
  }
  return {
    role,
    logGroup,
    deadLetterQueue,
    tracing: hardening.tracing ?? true ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
    reservedConcurrentExecutions: spec.reservedConcurrency,
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
        `X-Ray ${XRAY_ACTIONS.map((a) => a.split(':')[1]).join('/')} support no resource-level permissions (and ENI management ` +
        'for VPC functions neither): AWS documents Resource "*" for these actions only',
    });
  }
  if (spec.reservedConcurrency === undefined) {
    const reason =
      'No concurrency is reserved by default: Lambda refuses a reservation that leaves the account under 100 ' +
      'unreserved executions and new accounts often have a quota of 10 or 50, so a default reservation would fail ' +
      'the first deploy; the pattern exposes a validated reservedConcurrency option for this function';
    for (const id of ['NIST.800.53.R5-LambdaConcurrency', 'HIPAA.Security-LambdaConcurrency']) acknowledge(fn, { id, reason });
  }
  if (!spec.asynchronous) {
    const reason =
      'The function is invoked synchronously (by API Gateway or an SQS event source mapping): a dead-letter queue ' +
      'receives only failed asynchronous invocations, so it would never receive a message; errors return to the ' +
      'caller (or to the source queue and its own dead-letter queue)';
    for (const id of ['NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ', 'Serverless-LambdaDLQ']) acknowledge(fn, { id, reason });
  }
  if (!hardening.vpc) {
    const reason = `No VPC was given: ${spec.noVpcReason}. Pass a VPC to place it in private subnets.`;
    for (const id of ['NIST.800.53.R5-LambdaInsideVPC', 'HIPAA.Security-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC', 'CT.LAMBDA.PR.3']) {
      acknowledge(fn, { id, reason });
    }
  }
}

/** The hardening every library function of a pattern shares: the pattern's key, log groups, tracing and VPC. */
export function hardeningOf(observability: ObservabilityParts, vpc?: ec2.IVpc): FunctionHardening {
  return {
    encryptionKey: observability.encryptionKey,
    createLogGroup: (logId) => observability.createLogGroup(logId),
    vpc,
    tracing: observability.tracing,
  };
}

/** What `hardeningOf` reads of a pattern's observability bundle. */
export interface ObservabilityParts {
  readonly encryptionKey: kms.IKey;
  readonly tracing: boolean;
  createLogGroup(id: string): logs.ILogGroup;
}
