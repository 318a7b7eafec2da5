/**
 * Building blocks of the integration tests (test/integ/*.integ.ts): the app every test builds, a throwaway Cognito
 * user pool whose users the probes sign in, and the probe functions that make the calls an assertion provider cannot
 * (from inside a VPC, over a WebSocket, many requests in a row).
 *
 * An integration test is a CDK app: its stacks plus the `IntegTest` assertion stack. `scripts/integ/run.ts`
 * synthesizes it to compare the committed snapshot (CI), and with `--deploy` deploys it, reads the assertion
 * results and destroys it (README "Integration tests").
 */
import * as path from 'node:path';
import { ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Aws, Duration, RemovalPolicies, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DeployReadinessCheck } from '../../../src';

/**
 * The app of an integration test. The deploy-readiness check runs as a validation plugin, as in the example app:
 * an integration test is meant to be deployed, so it must be deployable by AWS's rules (the compliance packs are
 * not registered: the probes and the assertion provider are test scaffolding, and every pattern's own compliance
 * is tested in test/compliance/).
 */
export function integApp(): App {
  // The assertion stack reads the test stack's values through exports ("strong" references, aws-cdk-lib's default,
  // set explicitly so the synth does not warn): `cdk destroy --all` deletes the importing stack first.
  const app = new App({ context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' } });
  Validations.of(app).addPlugins(new DeployReadinessCheck());
  return app;
}

/**
 * What a test run must not leave behind: the patterns retain their KMS keys, log groups and tables by default (a
 * user's data), which after a test run would only cost money (a retained key: $1 a month).
 */
const DESTROYED_AFTER_A_RUN = ['AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::DynamoDB::Table'];

/**
 * The `IntegTest` of a test: destroys without asking, and deletes the test stacks' keys, log groups and tables
 * with them (account-wide settings such as API Gateway's logging role stay: other APIs of the account use them).
 */
export function integTest(app: App, id: string, stacks: Stack[]): IntegTest {
  for (const stack of stacks) RemovalPolicies.of(stack).destroy({ applyToResourceTypes: DESTROYED_AFTER_A_RUN });
  return new IntegTest(app, id, {
    testCases: stacks,
    diffAssets: false,
    cdkCommandOptions: { destroy: { args: { force: true } } },
  });
}

/** A throwaway user pool with one app client that may sign users in with ADMIN_USER_PASSWORD_AUTH. */
export class IntegUserPool extends Construct {
  public readonly userPool: cognito.UserPool;
  public readonly client: cognito.UserPoolClient;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'Pool', {
      selfSignUpEnabled: false,
      removalPolicy: RemovalPolicy.DESTROY,
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
    });
    this.client = this.userPool.addClient('Client', { authFlows: { adminUserPassword: true }, generateSecret: false });
  }

  /** `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`: the issuer of its tokens. */
  public get issuer(): string {
    return `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.userPool.userPoolId}`;
  }
}

/**
 * Lets `probe` sign throwaway users of `pool` in (test/integ/probes/signin.js): create, set the password, sign in,
 * delete, on that pool only. The sign-in happens inside the probe, so neither a password nor a token is in a
 * template, in the assertion provider's logs (it logs every SDK call's parameters and response) or in a result.
 */
export function grantSignIn(probe: lambda.Function, pool: IntegUserPool): void {
  probe.addToRolePolicy(new iam.PolicyStatement({
    actions: ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminSetUserPassword', 'cognito-idp:AdminInitiateAuth', 'cognito-idp:AdminDeleteUser'],
    resources: [pool.userPool.userPoolArn],
  }));
}

/** Lets `probe` read the value of one API key (`apiKeyId` of the HTTP probe): GET on that key only. */
export function grantReadApiKey(probe: lambda.Function, apiKeyId: string): void {
  probe.addToRolePolicy(new iam.PolicyStatement({
    actions: ['apigateway:GET'],
    resources: [`arn:${Aws.PARTITION}:apigateway:${Aws.REGION}::/apikeys/${apiKeyId}`],
  }));
}

/** The `signIn` of a probe event: a throwaway user of `pool`. */
export function signInWith(pool: IntegUserPool): { userPoolId: string; clientId: string } {
  return { userPoolId: pool.userPool.userPoolId, clientId: pool.client.userPoolClientId };
}

/**
 * The probes: handlers in test/integ/probes/<name>.ts, bundled by esbuild (the AWS SDK v3 stays external: the
 * runtime has it), each tested locally (test/integ/probes.test.ts): `http` makes requests and returns their
 * statuses, `ws` checks a chat broadcast, `backend` is a Lambda proxy backend answering 200 with the alias it was
 * invoked through.
 */
export type ProbeName = 'http' | 'ws' | 'backend';

/** Options of a probe function. */
export interface ProbeOptions {
  /** Runs the probe inside this VPC (private subnets), for calls that only work from there. */
  readonly vpc?: ec2.IVpc;
  /** @default - the VPC's private subnets with egress */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Its security groups when in a VPC. */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** @default 60 seconds */
  readonly timeout?: Duration;
  readonly environment?: Record<string, string>;
}

/**
 * A probe function (Node.js 24, whose global fetch and WebSocket the probes use): test scaffolding that makes
 * calls the assertion provider cannot make, invoked by `integ.assertions.invokeFunction`.
 */
export function probeFunction(scope: Construct, id: string, probe: ProbeName, options: ProbeOptions = {}): nodejs.NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY });
  return new nodejs.NodejsFunction(scope, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    entry: path.join(__dirname, '..', 'probes', `${probe}.ts`),
    handler: 'handler',
    depsLockFilePath: path.join(__dirname, '..', '..', '..', 'package-lock.json'),
    bundling: { externalModules: ['@aws-sdk/*'], minify: true, target: 'node24', forceDockerBundling: false },
    timeout: options.timeout ?? Duration.seconds(60),
    memorySize: 256,
    logGroup,
    vpc: options.vpc,
    vpcSubnets: options.vpc ? options.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } : undefined,
    securityGroups: options.securityGroups,
    // PROBE names the handler, so test/integ/snapshots.test.ts can check each invocation's event against it.
    environment: { ...options.environment, PROBE: probe },
  });
}

/** The result of a probe invocation (`Payload`, a JSON string) holds at least `result`. */
export function payloadLike(result: Record<string, unknown>): ExpectedResult {
  return ExpectedResult.objectLike({ Payload: Match.serializedJson(Match.objectLike(result)) });
}

/**
 * Invokes `probe` with `event` when the assertions run and expects its result to hold `result`. The provider's
 * log group of the call is kept a week. `waitFor` re-runs the invocation (a Step Functions waiter) until the
 * result holds or the time is up: for effects that take minutes, such as an alarm's rollback.
 */
export function expectProbe(
  integ: IntegTest, probe: lambda.IFunction, event: Record<string, unknown>, result: Record<string, unknown>,
  waitFor?: { totalTimeout: Duration; interval: Duration },
): IApiCall {
  const call = integ.assertions.invokeFunction({
    functionName: probe.functionName,
    payload: JSON.stringify(event),
    logRetention: logs.RetentionDays.ONE_WEEK,
  });
  call.expect(payloadLike(result));
  if (waitFor) call.waitForAssertions({ ...waitFor, backoffRate: 1 });
  return call;
}
