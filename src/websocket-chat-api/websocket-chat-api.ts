import { Duration, Lazy, Names, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ChatFunction } from './chat-function';
import { bindConnectAuthorization } from './connect-authorizer';
import { ConnectionFunction } from './connection-function';
import { createConnectionTable } from './connection-table';
import { FanOutFunction } from './fan-out-function';
import { createFanOutQueues, restrictSenders } from './fan-out-queue';
import { CONNECTION_METHODS, ChatResources, grantConnectionFunction, grantConnections, grantFanOutFunction, grantMessageFunction } from './grants';
import { ApiScopedLambdaIntegration } from './lambda-integration';
import { chatLimitsConfig, roomAccessConfig } from './limits';
import { ChatRouteOptions, WebSocketChatApiProps } from './options';
import { validateWebSocketDomain, webSocketDomainAlias } from '../core/domain';
import { ApiObservability } from '../core/observability';
import { acknowledge } from '../core/private/acknowledgements';
import { FunctionHardening, HardenedFunctionSpec, acknowledgeFunctionFindings, hardenedFunctionOptions, hardeningOf } from '../core/private/functions';
import { secureLambdaPermissions } from '../core/private/lambda-permissions';
import { prepareStageLogging } from '../core/private/stage-logging';
import { checkPattern, fail } from '../core/private/validation';
import { ThrottleOptions, validateThrottle } from '../core/throttle';
import { CHAT_DEFAULTS, renderChatEnvironment } from '../runtime/chat/contract';

const ROUTE_KEY = /^(?:\$connect|\$disconnect|\$default|[A-Za-z0-9_-]{1,64})$/;
const LIFECYCLE_ROUTES = ['$connect', '$disconnect'];
const MESSAGE_ROUTES = ['$default', 'joinroom', 'leaveroom', 'sendmessage'];
const DEFAULT_SENDMESSAGE_THROTTLE: Required<ThrottleOptions> = { rateLimit: 100, burstLimit: 200 };
const FAN_OUT_TIMEOUT = Duration.seconds(60);

/**
 * A production chat backend on API Gateway WebSockets: `$connect` authorization, a KMS-encrypted DynamoDB
 * connection store with a 2-hour TTL and room/user indexes, a connection-lifecycle function apart from the message
 * function, per-connection rate limits and per-user and per-room caps, optional room access control, broadcasts
 * through the API's own `@connections` endpoint with bounded concurrency and stale-connection cleanup, an
 * encrypted SQS fan-out queue for very large rooms that only the chat's functions may write to, JSON access logs,
 * execution logging per route, throttling, alarms and a dashboard.
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
  /** The fan-out queue's dead-letter queue (jobs that failed 3 receives, and refused jobs). */
  public readonly fanOutDeadLetterQueue: sqs.IQueue;
  /** The handler of the message routes ($default, joinroom, leaveroom, sendmessage). */
  public readonly handler: lambda.IFunction;
  /** The handler of $connect and $disconnect. */
  public readonly connectionHandler: lambda.IFunction;
  /** The fan-out worker. */
  public readonly fanOutHandler: lambda.IFunction;
  /** Logs, alarms, dashboard. */
  public readonly observability: ApiObservability;
  /** The custom domain, when one is given. */
  public readonly domainName?: apigwv2.DomainName;

  private readonly routeSettings: Record<string, apigwv2.CfnStage.RouteSettingsProperty> = {};
  private readonly defaultThrottle: Required<ThrottleOptions>;
  private readonly routeThrottles: Record<string, ThrottleOptions>;
  private readonly integrations = new Map<lambda.IFunction, ApiScopedLambdaIntegration>();

  constructor(scope: Construct, id: string, props: WebSocketChatApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? 'prod';
    checkPattern(this, 'stageName', stageName, /^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, "-" or "_"');
    validateThrottle(this, 'throttle', props.throttle);
    for (const [key, t] of Object.entries(props.routeThrottles ?? {})) {
      checkPattern(this, 'routeThrottles key', key, ROUTE_KEY, 'must be a route key ($connect, $disconnect, $default or 1-64 letters, digits, "-" or "_")');
      validateThrottle(this, `routeThrottles.${key}`, t);
    }
    const limits = chatLimitsConfig(this, props.limits);
    const roomAccess = roomAccessConfig(this, props.roomAccess, props.authorization);
    this.defaultThrottle = { rateLimit: 500, burstLimit: 1000, ...props.throttle };

    this.observability = new ApiObservability(this, 'Observability', props.observability);
    const hardening: FunctionHardening = hardeningOf(this.observability, props.lambdaVpc);

    const table = createConnectionTable(this, this.observability.encryptionKey);
    this.table = table;

    const { queue, deadLetterQueue } = createFanOutQueues(this, this.observability.encryptionKey, FAN_OUT_TIMEOUT);
    this.fanOutQueue = queue;
    this.fanOutDeadLetterQueue = deadLetterQueue;
    this.api = new apigwv2.WebSocketApi(this, 'Api', { routeSelectionExpression: '$request.body.action' });
    const connect = bindConnectAuthorization(this, props.authorization, props.tokenSource, hardening);

    // The API's own @connections endpoint, from the literal stage name (no reference to the stage, which depends
    // on the routes and so on these functions).
    const stack = Stack.of(this);
    const environment = renderChatEnvironment({
      tableName: table.tableName,
      roomIndex: CHAT_DEFAULTS.roomIndex,
      userIndex: CHAT_DEFAULTS.userIndex,
      queueUrl: queue.queueUrl,
      callbackUrl: `https://${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${stageName}`,
      concurrency: CHAT_DEFAULTS.concurrency,
      identity: connect.identity,
      roomAccess,
      limits,
    });
    const noVpcReason = 'it reaches only DynamoDB, SQS and the @connections API, all AWS public endpoints; pass lambdaVpc to use VPC endpoints';
    const reserved = props.reservedConcurrency ?? {};
    type FunctionClass<F> = new (s: Construct, i: string, p: lambda.FunctionOptions) => F;
    const functionFor = <F extends lambda.Function>(kind: FunctionClass<F>, fnId: string, spec: HardenedFunctionSpec): F => {
      const fn = new kind(this, fnId, hardenedFunctionOptions(this, fnId, hardening, spec));
      acknowledgeFunctionFindings(fn, hardening, spec);
      return fn;
    };
    const connections = functionFor(ConnectionFunction, 'ConnectionHandler', {
      purpose: `Connection lifecycle ($connect, $disconnect) of ${this.node.path}`,
      noVpcReason: 'it reaches only DynamoDB, an AWS public endpoint; pass lambdaVpc to use a VPC endpoint',
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment,
      reservedConcurrency: reserved.connections,
      reservedConcurrencyProp: 'reservedConcurrency.connections',
    });
    const chat = functionFor(ChatFunction, 'ChatHandler', {
      purpose: `Chat message routes of ${this.node.path}`,
      noVpcReason,
      memorySize: 512,
      timeout: Duration.seconds(29),
      environment,
      reservedConcurrency: reserved.messages,
      reservedConcurrencyProp: 'reservedConcurrency.messages',
    });
    const fanOut = functionFor(FanOutFunction, 'FanOutHandler', {
      purpose: `Fan-out worker of ${this.node.path}`,
      noVpcReason,
      memorySize: 512,
      timeout: FAN_OUT_TIMEOUT,
      environment,
      reservedConcurrency: reserved.fanOut,
      reservedConcurrencyProp: 'reservedConcurrency.fanOut',
    });
    fanOut.addEventSource(new eventSources.SqsEventSource(queue, { batchSize: 5, reportBatchItemFailures: true }));
    acknowledge(fanOut.node.findChild(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`), {
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason: 'SQS event sources take no on-failure destination; failed records return to the queue and move to its KMS-encrypted dead-letter queue after 3 receives',
    });
    restrictSenders(queue, [chat.role!, fanOut.role!]);
    this.handler = chat;
    this.connectionHandler = connections;
    this.fanOutHandler = fanOut;
    const key = this.observability.encryptionKey;
    const resources: ChatResources = { table, roomIndex: CHAT_DEFAULTS.roomIndex, userIndex: CHAT_DEFAULTS.userIndex, queue, key };
    grantConnectionFunction(connections, resources);
    grantMessageFunction(chat, resources);
    grantFanOutFunction(fanOut, resources);

    this.stage = new apigwv2.WebSocketStage(this, 'Stage', { webSocketApi: this.api, stageName, autoDeploy: true });
    this.configureStage(stageName, props.accountLogging ?? true);
    this.routeThrottles = { sendmessage: DEFAULT_SENDMESSAGE_THROTTLE, ...props.routeThrottles };
    for (const routeKey of LIFECYCLE_ROUTES) this.addRoute(routeKey, connections, { authorizer: routeKey === '$connect' ? connect.authorizer : undefined });
    for (const routeKey of MESSAGE_ROUTES) this.addRoute(routeKey, chat);
    // Route settings may only name routes that exist (CreateStage: "Unable to find Route by key").
    this.node.addValidation({
      validate: () => Object.keys(this.routeThrottles).filter((k) => !this.routeSettings[k]).map((k) => `${this.node.path}: routeThrottles names "${k}", which no route has: add the route with addRoute`),
    });

    if (props.domain) {
      validateWebSocketDomain(this, props.domain);
      this.domainName = new apigwv2.DomainName(this, 'Domain', {
        domainName: props.domain.domainName,
        certificate: props.domain.certificate,
        securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
      });
      const apiMappingKey = props.domain.basePath || undefined;
      new apigwv2.ApiMapping(this, 'Mapping', { api: this.api, domainName: this.domainName, stage: this.stage, apiMappingKey });
      if (props.domain.hostedZone) webSocketDomainAlias(this, props.domain.hostedZone, props.domain.domainName, this.domainName);
    }
    for (const fn of [chat, fanOut]) grantConnections(this, fn, this.api, stageName, ['POST']);
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
   * Adds a route served by your own function: one API-scoped Lambda permission per function, however many routes
   * it serves. A route with a throttle (its option, else `routeThrottles[routeKey]`) gets stage route settings, and
   * the stage depends on the route (CreateStage refuses route settings for a route that does not exist yet).
   *
   * @param routeKey the value of `action` in the message body
   */
  public addRoute(routeKey: string, handler: lambda.IFunction, options: ChatRouteOptions = {}): apigwv2.WebSocketRoute {
    const { authorizer } = options;
    const throttle = options.throttle ?? this.routeThrottles[routeKey];
    checkPattern(this, 'routeKey', routeKey, ROUTE_KEY, 'must be $connect, $disconnect, $default or 1-64 letters, digits, "-" or "_"');
    if (authorizer && routeKey !== '$connect') fail(this, 'authorizer', routeKey, 'API Gateway authorizes WebSocket APIs only on $connect');
    validateThrottle(this, `throttle of ${routeKey}`, throttle);
    let integration = this.integrations.get(handler);
    if (!integration) {
      integration = new ApiScopedLambdaIntegration(`Integration${this.integrations.size}`, handler);
      this.integrations.set(handler, integration);
    }
    const route = this.api.addRoute(routeKey, { integration, authorizer });
    if (routeKey !== '$connect') {
      const reason = 'API Gateway WebSocket APIs authorize only the $connect route; every later message travels on a connection that was authorized there';
      acknowledge(route, { id: 'AwsSolutions-APIG4', reason });
      acknowledge(route, { id: 'CT.APIGATEWAY.PR.5', reason });
    }
    if (throttle) {
      this.routeSettings[routeKey] = this.routeSetting({ ...this.defaultThrottle, ...throttle });
      this.stage.node.addDependency(route);
    }
    secureLambdaPermissions(this);
    return route;
  }

  /** Grants `grantee` `execute-api:ManageConnections` to post to (POST), read (GET) and disconnect (DELETE) connections. */
  public grantManageConnections(grantee: iam.IGrantable): iam.Grant {
    return grantConnections(this, grantee, this.api, this.stage.stageName, CONNECTION_METHODS);
  }

  private configureStage(stageName: string, accountLogging: boolean): void {
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.accessLogSettings = {
      destinationArn: this.observability.accessLogGroup.logGroupArn,
      format: ApiObservability.webSocketAccessLogFormat(),
    };
    cfnStage.defaultRouteSettings = this.routeSetting(this.defaultThrottle);
    // RouteSettings is free-form JSON in CloudFormation: keys are written as the service spells them.
    cfnStage.routeSettings = Lazy.any({
      produce: () => {
        const entries = Object.entries(this.routeSettings);
        if (entries.length === 0) return undefined;
        return Object.fromEntries(entries.map(([key, r]) => [key, {
          LoggingLevel: r.loggingLevel,
          DataTraceEnabled: r.dataTraceEnabled,
          DetailedMetricsEnabled: r.detailedMetricsEnabled,
          ThrottlingRateLimit: r.throttlingRateLimit,
          ThrottlingBurstLimit: r.throttlingBurstLimit,
        }]));
      },
    });
    prepareStageLogging(this.stage, { observability: this.observability, apiId: this.api.apiId, stageName, accountLogging });
    this.observability.watchWebSocketApi({ apiId: this.api.apiId, stageName });
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
}
