/**
 * Builds the chat handlers' dependencies from the Lambda environment, once per execution environment.
 *
 * | variable | meaning |
 * |---|---|
 * | `TABLE_NAME` | the connection table |
 * | `ROOM_INDEX` | its room GSI (default `room-index`) |
 * | `QUEUE_URL` | the fan-out queue (optional: no fan-out without it) |
 * | `CALLBACK_URL` | the @connections endpoint (optional: default `https://{domainName}/{stage}` of the event) |
 * | `CONCURRENCY` | posts in flight per broadcast (default 1,000, at most 5,000), over at most 200 sockets |
 *
 * No CDK imports: runs inside Lambda.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PostFn } from './broadcaster';
import { ChatDependencies, FanOutJob } from './handlers';
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

/** `https://{domainName}/{stage}`, or the CALLBACK_URL override. */
export function callbackUrl(env: Record<string, string | undefined>, endpoint: { domainName?: string; stage?: string }): string {
  if (env.CALLBACK_URL) return env.CALLBACK_URL;
  if (!endpoint.domainName || !/^[A-Za-z0-9.-]+$/.test(endpoint.domainName) || !endpoint.stage || !/^[A-Za-z0-9_$-]+$/.test(endpoint.stage)) {
    throw new Error('the event carries no valid domainName and stage for the @connections endpoint');
  }
  return `https://${endpoint.domainName}/${endpoint.stage}`;
}

/** Dependencies from the environment; `remainingMs` reads the invocation context. */
export function dependenciesFromEnvironment(
  env: Record<string, string | undefined>,
  log: (message: string, fields: Record<string, unknown>) => void,
  remainingMs: () => number,
): ChatDependencies & { readonly posterForEndpoint: (e: FanOutJob['endpoint']) => PostFn } {
  if (!env.TABLE_NAME) throw new Error('TABLE_NAME is not set');
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const store = new ConnectionStore(doc, { tableName: env.TABLE_NAME, roomIndexName: env.ROOM_INDEX });
  const concurrency = Math.min(Math.max(Number(env.CONCURRENCY ?? '1000') || 1000, 1), 5000);
  const sqs = env.QUEUE_URL ? new SQSClient({}) : undefined;
  const posterForEndpoint = (e: FanOutJob['endpoint']) => posterFor(callbackUrl(env, e), concurrency);
  return {
    store,
    concurrency,
    log,
    remainingMs,
    poster: (event) => posterForEndpoint({ domainName: event.requestContext.domainName ?? '', stage: event.requestContext.stage ?? '' }),
    posterForEndpoint,
    fanOut: sqs
      ? async (job) => {
        await sqs.send(new SendMessageCommand({ QueueUrl: env.QUEUE_URL, MessageBody: JSON.stringify(job) }));
      }
      : undefined,
  };
}
