import { Duration, Lazy, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ChatFunction } from './chat-function';
import { FanOutFunction } from './fan-out-function';
import { ApiGatewayAccountLogging } from '../core/account-logging';
import { ApiAuthorization, AuthorizationKind } from '../core/authorization';
import { ApiObservability, ObservabilityOptions } from '../core/observability';
import { acknowledge, nagResourceForm } from '../core/private/acknowledgements';
import { FunctionHardening, acknowledgeFunctionFindings, createDeadLetterQueue, hardenedFunctionOptions } from '../core/private/functions';
import { secureLambdaPermissions } from '../core/private/lambda-permissions';
import { checkPattern, fail } from '../core/private/validation';
import { ThrottleOptions, validateThrottle } from '../core/stage';
import { bindJwtAuthorizerFunction } from '../rest/jwt-function';

/**
 * Properties of `WebSocketChatApi`.
 */
export interface WebSocketChatApiProps {
  /**
   * Authorization of `$connect` (API Gateway authorizes WebSocket connections only there): `jwt()` (token in the
   * `Authorization` header or the `token` query-string parameter), `lambdaRequest()` with `route.request.*`
   * identity sources, `iam()`, or `none()`.
   */
  readonly authorization: ApiAuthorization;
  /**
   * Stage name.
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Default throttling of every route.
   * @default - 500 messages per second with a burst of 1,000
   */
  readonly throttle?: ThrottleOptions;
  /**
   * Throttling per route key, e.g. `{ sendmessage: { rateLimit: 50, burstLimit: 100 } }`.
   * @default - the default throttling
   */
  readonly routeThrottles?: Record<string, ThrottleOptions>;
  /**
   * Query-string parameter that carries the JWT on `$connect` (browsers cannot set headers on WebSockets).
   * @default 'token'
   */
  readonly tokenQueryParameter?: string;
  /**
   * Logs, alarms, dashboard.
   * @default - see `ObservabilityOptions`
   */
  readonly observability?: ObservabilityOptions;
  /**
   * Create the account-level CloudWatch Logs role of API Gateway (once per app and environment).
   * @default true
   */
  readonly accountLogging?: boolean;
  /**
   * A custom domain mapped to the stage (security policy TLS 1.2). Note the `@connections` callback URL stays on
   * the execute-api endpoint.
   * @default - no custom domain
   */
  readonly domain?: ChatDomainOptions;
  /**
   * VPC for the chat functions (private subnets with egress).
   * @default - no VPC; the "Lambda in VPC" findings are acknowledged on each function, with the reason
   */
  readonly lambdaVpc?: ec2.IVpc;
}

/**
 * A custom domain for the WebSocket API (TLS 1.2).
 */
export interface ChatDomainOptions {
  /** The domain name, e.g. `chat.example.com`. */
  readonly domainName: string;
  /** An ACM certificate for it, in the API's region. */
  readonly certificate: acm.ICertificate;
}

/**
 * Options of a WebSocket route.
 */
export interface ChatRouteOptions {
  /**
   * Authorizer: only on `$connect`.
   * @default - none
   */
  readonly authorizer?: apigwv2.IWebSocketRouteAuthorizer;
  /**
   * Throttling of this route.
   * @default - the API's default throttling
   */
  readonly throttle?: ThrottleOptions;
}

const CHAT_ROUTES = ['$connect', '$disconnect', '$default', 'joinroom', 'leaveroom', 'sendmessage'];
const ROUTE_KEY = /^(?:\$connect|\$disconnect|\$default|[A-Za-z0-9_-]{1,64})$/;

/**
 * A production chat backend on API Gateway WebSockets: `$connect` authorization, a KMS-encrypted DynamoDB
 * connection store with a 2-hour TTL and room/user indexes, bundled handlers that broadcast through the
 * `@connections` API with bounded concurrency and stale-connection cleanup, an encrypted SQS fan-out queue for
 * very large rooms, JSON access logs, execution logging per route, throttling, alarms and a dashboard.
 */
export class WebSocketChatApi extends Construct {
  /** The WebSocket API. */
  public readonly api: apigwv2.WebSocketApi;
  /** The stage. */
  public readonly stage: apigwv2.WebSocketStage;
  /** The connection table. */
  public readonly table: dynamodb.ITable;
  /** The fan-out queue for very large rooms. */
  public readonly fanOutQueue: sqs.IQueue;
  /** The handler of every chat route. */
  public readonly handler: lambda.IFunction;
  /** The fan-out worker. */
  public readonly fanOutHandler: lambda.IFunction;
  /** Logs, alarms, dashboard. */
  public readonly observability: ApiObservability;
  /** The custom domain, when one is given. */
  public readonly domainName?: apigwv2.DomainName;

  private readonly hardening: FunctionHardening;
  private readonly routeSettings: Record<string, apigwv2.CfnStage.RouteSettingsProperty> = {};
  private readonly defaultThrottle: Required<ThrottleOptions>;

  constructor(scope: Construct, id: string, props: WebSocketChatApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? 'prod';
    checkPattern(this, 'stageName', stageName, /^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, "-" or "_"');
    validateThrottle(this, 'throttle', props.throttle);
    for (const [key, t] of Object.entries(props.routeThrottles ?? {})) {
      checkPattern(this, 'routeThrottles key', key, ROUTE_KEY, 'must be a route key ($connect, $disconnect, $default or 1-64 letters, digits, "-" or "_")');
      validateThrottle(this, `routeThrottles.${key}`, t);
    }
    const tokenQuery = props.tokenQueryParameter ?? 'token';
    checkPattern(this, 'tokenQueryParameter', tokenQuery, /^[A-Za-z0-9._~-]{1,128}$/, 'must be a query-string parameter name');
    this.defaultThrottle = { rateLimit: 500, burstLimit: 1000, ...props.throttle };

    this.observability = new ApiObservability(this, 'Observability', props.observability);
    this.hardening = {
      encryptionKey: this.observability.encryptionKey,
      createLogGroup: (logId) => this.observability.createLogGroup(logId),
      vpc: props.lambdaVpc,
      tracing: this.observability.tracing,
    };

    const table = new dynamodb.Table(this, 'Connections', {
      partitionKey: { name: 'connectionId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.observability.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
    });
    table.addGlobalSecondaryIndex({ indexName: 'room-index', partitionKey: { name: 'roomId', type: dynamodb.AttributeType.STRING }, projectionType: dynamodb.ProjectionType.KEYS_ONLY });
    table.addGlobalSecondaryIndex({ indexName: 'user-index', partitionKey: { name: 'userId', type: dynamodb.AttributeType.STRING }, projectionType: dynamodb.ProjectionType.KEYS_ONLY });
    this.table = table;
    for (const findingId of ['NIST.800.53.R5-DynamoDBInBackupPlan', 'HIPAA.Security-DynamoDBInBackupPlan']) {
      acknowledge(table, {
        id: findingId,
        reason: 'Connection records are ephemeral (TTL 2 hours, the longest a WebSocket connection lives) and are recreated when clients reconnect; point-in-time recovery is on for operational mistakes',
      });
    }

    const dlq = createDeadLetterQueue(this, 'FanOutDlq', this.observability.encryptionKey, 'of the fan-out queue');
    const queue = new sqs.Queue(this, 'FanOut', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.observability.encryptionKey,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(180),
      deadLetterQueue: { queue: dlq, maxReceiveCount: 3 },
    });
    this.fanOutQueue = queue;

    this.api = new apigwv2.WebSocketApi(this, 'Api', { routeSelectionExpression: '$request.body.action' });
    const env = { TABLE_NAME: table.tableName, ROOM_INDEX: 'room-index', QUEUE_URL: queue.queueUrl };
    const chatSpec = {
      purpose: `Chat routes of ${this.node.path}`,
      noVpcReason: 'it reaches only DynamoDB, SQS and the @connections API, all AWS public endpoints; pass lambdaVpc to use VPC endpoints',
      memorySize: 512,
      timeout: Duration.seconds(29),
      environment: env,
    };
    const chat = new ChatFunction(this, 'ChatHandler', hardenedFunctionOptions(this, 'ChatHandler', this.hardening, chatSpec));
    acknowledgeFunctionFindings(chat, this.hardening, chatSpec);
    const fanSpec = { ...chatSpec, purpose: `Fan-out worker of ${this.node.path}`, timeout: Duration.seconds(60) };
    const fanOut = new FanOutFunction(this, 'FanOutHandler', hardenedFunctionOptions(this, 'FanOutHandler', this.hardening, fanSpec));
    acknowledgeFunctionFindings(fanOut, this.hardening, fanSpec);
    const source = new eventSources.SqsEventSource(queue, { batchSize: 5, reportBatchItemFailures: true });
    fanOut.addEventSource(source);
    acknowledge(fanOut.node.findChild(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`), {
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason: 'SQS event sources take no on-failure destination; failed records return to the queue and move to its KMS-encrypted dead-letter queue after 3 receives',
    });
    this.handler = chat;
    this.fanOutHandler = fanOut;

    for (const fn of [chat, fanOut]) this.grantTableAccess(fn);
    chat.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));

    const connectAuthorizer = this.connectAuthorizer(props.authorization, tokenQuery);
    for (const routeKey of CHAT_ROUTES) {
      this.addRoute(routeKey, chat, { authorizer: routeKey === '$connect' ? connectAuthorizer : undefined, throttle: props.routeThrottles?.[routeKey] });
    }

    this.stage = new apigwv2.WebSocketStage(this, 'Stage', { webSocketApi: this.api, stageName, autoDeploy: true });
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.accessLogSettings = {
      destinationArn: this.observability.accessLogGroup.logGroupArn,
      format: ApiObservability.webSocketAccessLogFormat(),
    };
    cfnStage.defaultRouteSettings = this.routeSetting(this.defaultThrottle);
    // RouteSettings is free-form JSON in CloudFormation: keys are written as the service spells them.
    cfnStage.routeSettings = Lazy.any({
      produce: () =>
        Object.keys(this.routeSettings).length === 0
          ? undefined
          : Object.fromEntries(
            Object.entries(this.routeSettings).map(([key, r]) => [
              key,
              {
                LoggingLevel: r.loggingLevel,
                DataTraceEnabled: r.dataTraceEnabled,
                DetailedMetricsEnabled: r.detailedMetricsEnabled,
                ThrottlingRateLimit: r.throttlingRateLimit,
                ThrottlingBurstLimit: r.throttlingBurstLimit,
              },
            ]),
          ),
    });
    const executionLogs = this.observability.createLogGroup('ExecutionLogs', `/aws/apigateway/${this.api.apiId}/${stageName}`);
    this.stage.node.addDependency(executionLogs);
    if (props.accountLogging ?? true) ApiGatewayAccountLogging.of(this).addDependent(this.stage);
    this.observability.watchWebSocketApi({ apiId: this.api.apiId, stageName });
    if (props.domain) {
      checkPattern(this, 'domain.domainName', props.domain.domainName, /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lower-case DNS name such as chat.example.com');
      this.domainName = new apigwv2.DomainName(this, 'Domain', {
        domainName: props.domain.domainName,
        certificate: props.domain.certificate,
        securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
      });
      new apigwv2.ApiMapping(this, 'Mapping', { api: this.api, domainName: this.domainName, stage: this.stage });
    }

    for (const fn of [chat, fanOut]) this.grantManageConnections(fn);
    secureLambdaPermissions(this);
  }

  /** The `@connections` callback URL (`https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`). */
  public get callbackUrl(): string {
    return this.stage.callbackUrl;
  }

  /** The `wss://` URL clients connect to. */
  public get url(): string {
    return this.stage.url;
  }

  /**
   * Adds a route served by your own function (integration and Lambda permission per route).
   *
   * @param routeKey the value of `action` in the message body
   */
  public addRoute(routeKey: string, handler: lambda.IFunction, options: ChatRouteOptions = {}): apigwv2.WebSocketRoute {
    const { authorizer, throttle } = options;
    checkPattern(this, 'routeKey', routeKey, ROUTE_KEY, 'must be $connect, $disconnect, $default or 1-64 letters, digits, "-" or "_"');
    if (authorizer && routeKey !== '$connect') fail(this, 'authorizer', routeKey, 'API Gateway authorizes WebSocket APIs only on $connect');
    validateThrottle(this, `throttle of ${routeKey}`, throttle);
    const safeId = routeKey.replace(/[^A-Za-z0-9]/g, '') || 'Route';
    // One integration per route: a shared integration instance is bound once and only its first route gets a
    // Lambda permission (aws-cdk#38148).
    const route = this.api.addRoute(routeKey, {
      integration: new integrations.WebSocketLambdaIntegration(`${safeId}Integration`, handler),
      authorizer,
    });
    if (routeKey !== '$connect') {
      const reason = 'API Gateway WebSocket APIs authorize only the $connect route; every later message travels on a connection that was authorized there';
      acknowledge(route, { id: 'AwsSolutions-APIG4', reason });
      acknowledge(route, { id: 'CT.APIGATEWAY.PR.5', reason });
    }
    if (throttle) this.routeSettings[routeKey] = this.routeSetting({ ...this.defaultThrottle, ...throttle });
    secureLambdaPermissions(this);
    return route;
  }

  /** Grants `grantee` permission to post to and disconnect the API's connections. */
  public grantManageConnections(grantee: iam.IGrantable): iam.Grant {
    const arn = Stack.of(this).formatArn({ service: 'execute-api', resource: this.api.apiId, resourceName: `${this.stage.stageName}/POST/@connections/*` });
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:ManageConnections'], resourceArns: [arn] });
    const role = grantee.grantPrincipal as { policy?: iam.ManagedPolicy };
    if (role.policy instanceof iam.ManagedPolicy) {
      acknowledge(role.policy, {
        id: `AwsSolutions-IAM5[Resource::${nagResourceForm(this, arn)}]`,
        reason: 'Connection ids are generated by API Gateway at run time; the grant is limited to POST on this API stage\'s @connections',
      });
    }
    return grant;
  }

  private routeSetting(throttle: ThrottleOptions): apigwv2.CfnStage.RouteSettingsProperty {
    return {
      loggingLevel: 'ERROR',
      dataTraceEnabled: false,
      detailedMetricsEnabled: true,
      throttlingRateLimit: throttle.rateLimit,
      throttlingBurstLimit: throttle.burstLimit,
    };
  }

  private grantTableAccess(fn: lambda.IFunction): void {
    const table = this.table;
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], resources: [table.tableArn] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/room-index`] }));
    // The table and the fan-out queue are encrypted with the pattern's key: exact actions, no wildcards.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.observability.encryptionKey.keyArn] }));
  }

  private connectAuthorizer(auth: ApiAuthorization, tokenQuery: string): apigwv2.IWebSocketRouteAuthorizer | undefined {
    switch (auth.kind) {
      case AuthorizationKind.IAM:
        return new authorizers.WebSocketIamAuthorizer();
      case AuthorizationKind.NONE:
        return undefined;
      case AuthorizationKind.LAMBDA_REQUEST: {
        for (const s of auth.identitySources ?? []) {
          checkPattern(this, 'authorization.identitySources', s, /^route\.request\.(?:header|querystring)\.[A-Za-z0-9._~-]+$/, 'WebSocket identity sources must be route.request.header.X or route.request.querystring.X');
        }
        return new authorizers.WebSocketLambdaAuthorizer('ConnectAuthorizer', auth.handler!, { identitySource: auth.identitySources ?? [] });
      }
      case AuthorizationKind.JWT: {
        const fn = bindJwtAuthorizerFunction(this, 'JwtAuthorizerFunction', auth, {
          hardening: this.hardening,
          defaultAuthorization: auth,
          tokenQuery,
        });
        return new authorizers.WebSocketLambdaAuthorizer('ConnectAuthorizer', fn, { identitySource: [`route.request.querystring.${tokenQuery}`] });
      }
      default:
        return fail(this, 'authorization', auth.kind, 'must be JWT, LAMBDA_REQUEST, IAM or NONE for a WebSocket API ($connect accepts only REQUEST authorizers)');
    }
  }
}
