/**
 * Builds the chat handlers' dependencies from the Lambda environment (the contract of ./contract), once per
 * execution environment. Every post goes to the configured CALLBACK_URL, the API's own execute-api endpoint: never
 * to the event's domain name (a custom domain maps @connections to the wrong path) nor to anything a job says.
 * No CDK imports: runs inside Lambda.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PostFn } from './broadcaster';
import { ConnectionDependencies } from './connection';
import { ChatConfig, parseChatEnvironment } from './contract';
import { ChatDependencies } from './handlers';
import { signedPoster } from './poster';
import { ConnectionStore } from './store';

const posters = new Map<string, PostFn>();
let sdkConfig: ApiGatewayManagementApiClient['config'] | undefined;

/** Sockets per @connections endpoint; more posts than this in flight wait in the agent's queue. */
const MAX_SOCKETS = 200;

/**
 * A poster for an @connections endpoint (cached per endpoint), with up to 200 keep-alive sockets: requests are
 * signed by ./poster with the SDK's resolved credentials and region, without the SDK's per-request stack.
 */
export function posterFor(endpoint: string, concurrency: number = MAX_SOCKETS): PostFn {
  let poster = posters.get(endpoint);
  if (!poster) {
    // The SDK client is only used for its configuration: the default credential chain and the region.
    const config = (sdkConfig ??= new ApiGatewayManagementApiClient({}).config);
    poster = signedPoster({ endpoint, region: config.region, credentials: config.credentials, maxSockets: Math.min(concurrency, MAX_SOCKETS) });
    posters.set(endpoint, poster);
  }
  return poster;
}

type Log = (message: string, fields: Record<string, unknown>) => void;

function storeFor(config: ChatConfig): ConnectionStore {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  return new ConnectionStore(doc, { tableName: config.tableName, roomIndexName: config.roomIndex, userIndexName: config.userIndex });
}

function enqueueFor(config: ChatConfig): ((body: string) => Promise<void>) | undefined {
  if (!config.queueUrl) return undefined;
  const sqs = new SQSClient({});
  return async (body) => {
    await sqs.send(new SendMessageCommand({ QueueUrl: config.queueUrl, MessageBody: body }));
  };
}

/** The message routes' dependencies; `remainingMs` reads the invocation context. */
export function chatDependencies(
  env: Record<string, string | undefined>,
  log: Log,
  remainingMs: () => number,
): ChatDependencies & { readonly config: ChatConfig } {
  const config = parseChatEnvironment(env);
  return {
    config,
    store: storeFor(config),
    post: posterFor(config.callbackUrl, config.concurrency),
    enqueue: enqueueFor(config),
    remainingMs,
    log,
    concurrency: config.concurrency,
    identity: config.identity,
    roomAccess: config.roomAccess,
    limits: config.limits,
  };
}

/** The lifecycle routes' dependencies. */
export function connectionDependencies(env: Record<string, string | undefined>, log: Log): ConnectionDependencies {
  const config = parseChatEnvironment(env);
  return { store: storeFor(config), identity: config.identity, roomAccess: config.roomAccess, limits: config.limits, log };
}

/** The fan-out worker's dependencies, except the per-invocation deadline. */
export function fanOutDependencies(env: Record<string, string | undefined>): {
  readonly store: ConnectionStore;
  readonly post: PostFn;
  readonly enqueue: (body: string) => Promise<void>;
  readonly concurrency: number;
} {
  const config = parseChatEnvironment(env);
  const enqueue = enqueueFor(config);
  if (!enqueue) throw new Error('QUEUE_URL is not set');
  return { store: storeFor(config), post: posterFor(config.callbackUrl, config.concurrency), enqueue, concurrency: config.concurrency };
}
