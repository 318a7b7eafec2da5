import { ArnFormat, Aws, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { acknowledge, nagResourceForm } from './private/acknowledgements';
import { accountLoggingDefaults, consolidateProps } from './private/defaults';
import { PUSH_TO_CLOUDWATCH_LOGS_ACTIONS } from './private/policies';

/**
 * Properties of `ApiGatewayAccountLogging`.
 */
export interface ApiGatewayAccountLoggingProps {
  /**
   * What happens to the role and the account setting when the stack is deleted. Other APIs of the account
   * and region rely on the same setting, so it is kept by default.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** One instance per app and environment (the setting is per account and region), see `environmentKey`. */
const INSTANCES = new WeakMap<IConstruct, Map<string, ApiGatewayAccountLogging>>();

/**
 * The account-level CloudWatch Logs role of API Gateway (`AWS::ApiGateway::Account`), which API Gateway needs to
 * write execution and access logs.
 *
 * The setting is one per account and region, so the library creates it at most once per app and environment:
 * use `ApiGatewayAccountLogging.of(scope)` rather than `new`. The role uses a customer-managed policy scoped to
 * the account's log groups, never the AWS managed `AmazonAPIGatewayPushToCloudWatchLogs`.
 *
 * An environment is known only when the stack's account and region are literals. An environment-agnostic stack
 * (account or region unresolved) may be deployed to any region, and a setting created by another such stack would
 * leave that region without one, so every environment-agnostic stack gets its own instance. Two of them deployed to
 * the same account and region then write the same setting, each with a role that may write logs: the last one
 * deployed wins, and with the default `RemovalPolicy.RETAIN` deleting either stack leaves the setting in place.
 *
 * If your account is already configured (for example by a landing zone), switch it off in the patterns with
 * `accountLogging: false`.
 */
export class ApiGatewayAccountLogging extends Construct {
  /**
   * Returns the app's instance for the environment of `scope`'s stack, creating it in that stack if there is
   * none yet. An environment-agnostic stack always gets (and returns) its own.
   */
  public static of(scope: IConstruct, props: ApiGatewayAccountLoggingProps = {}): ApiGatewayAccountLogging {
    const stack = Stack.of(scope);
    const existing = instancesOf(stack).get(environmentKey(stack));
    if (existing) return existing;
    const created = new ApiGatewayAccountLogging(stack, 'ApiGatewayAccountLogging', props);
    return created;
  }

  /** The role API Gateway assumes to write logs. */
  public readonly role: iam.IRole;
  /** The customer-managed policy of the role. */
  public readonly policy: iam.IManagedPolicy;
  /** The account setting. */
  public readonly account: apigateway.CfnAccount;

  /**
   * Prefer `ApiGatewayAccountLogging.of(scope)`: a second instance in the same app and environment throws.
   */
  constructor(scope: Construct, id: string, props: ApiGatewayAccountLoggingProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const envKey = environmentKey(stack);
    const perApp = instancesOf(stack);
    const existing = perApp.get(envKey);
    if (existing) {
      throw new Error(
        `${this.node.path}: invalid ApiGatewayAccountLogging: the app already has one for ${envKey} at ` +
          `${existing.node.path}; the setting is one per account and region, use ApiGatewayAccountLogging.of(scope)`,
      );
    }
    perApp.set(envKey, this);

    const { removalPolicy } = consolidateProps(accountLoggingDefaults(), { removalPolicy: props.removalPolicy });
    const logGroupsArn = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });

    const policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'Lets API Gateway write execution and access logs to this account\'s log groups',
      statements: [
        new iam.PolicyStatement({
          sid: 'PushToCloudWatchLogs',
          actions: [...PUSH_TO_CLOUDWATCH_LOGS_ACTIONS],
          resources: [logGroupsArn, `${logGroupsArn}:log-stream:*`],
        }),
      ],
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'API Gateway account-level role for CloudWatch Logs',
      managedPolicies: [policy],
    });
    role.applyRemovalPolicy(removalPolicy);
    policy.applyRemovalPolicy(removalPolicy);
    this.role = role;
    this.policy = policy;

    this.account = new apigateway.CfnAccount(this, 'Account', { cloudWatchRoleArn: role.roleArn });
    this.account.applyRemovalPolicy(removalPolicy);
    this.account.node.addDependency(role);

    acknowledge(policy, {
      id: `AwsSolutions-IAM5[Resource::${nagResourceForm(this, logGroupsArn)}]`,
      reason:
        'The account-level role serves every API of the account and region; API Gateway names execution log groups ' +
        'API-Gateway-Execution-Logs_{apiId}/{stage} at run time, so the role is scoped to this account\'s log groups',
    });
    acknowledge(policy, {
      id: `AwsSolutions-IAM5[Resource::${nagResourceForm(this, logGroupsArn)}:log-stream:*]`,
      reason: 'API Gateway creates one log stream per request batch with generated names inside the log groups above',
    });
  }

  /** Makes `dependent` (for example a stage) wait for the account setting. */
  public addDependent(dependent: IConstruct): void {
    dependent.node.addDependency(this.account);
  }
}

/** The instances of `stack`'s app, by environment key. */
function instancesOf(stack: Stack): Map<string, ApiGatewayAccountLogging> {
  const root = stack.node.root;
  let perApp = INSTANCES.get(root);
  if (!perApp) {
    perApp = new Map();
    INSTANCES.set(root, perApp);
  }
  return perApp;
}

/**
 * `environment account/region` for a stack with a known environment; for an environment-agnostic one, the top-level stack itself
 * (its nested stacks deploy with it, into the same environment).
 */
function environmentKey(stack: Stack): string {
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
    let top: Stack = stack;
    while (top.nestedStackParent) top = top.nestedStackParent;
    return `the environment-agnostic stack ${top.node.path}`;
  }
  return `environment ${stack.account}/${stack.region}`;
}
