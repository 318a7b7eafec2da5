/**
 * The chat handler of the message routes ($default, joinroom, leaveroom, sendmessage), dispatched on the route
 * key; logic in src/runtime/chat/handlers.ts. `$connect` and `$disconnect` have their own function
 * (connection.lambda.ts), so a message flood cannot take their capacity. Never logs message bodies or tokens.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { chatDependencies } from '../runtime/chat/environment';
import { ChatEvent, ChatResponse, onDefault, onJoinRoom, onLeaveRoom, onSendMessage } from '../runtime/chat/handlers';

const logger = new Logger({ serviceName: 'websocket-chat' });
const metrics = new Metrics({ namespace: 'CdkApiGatewayPatterns/Chat', serviceName: 'websocket-chat' });
let deps: ReturnType<typeof chatDependencies> | undefined;
let context: Context | undefined;
let recorded = false;

const ROUTES: Record<string, typeof onDefault> = {
  $default: onDefault,
  joinroom: onJoinRoom,
  leaveroom: onLeaveRoom,
  sendmessage: onSendMessage,
};

export async function handler(event: ChatEvent, ctx: Context): Promise<ChatResponse> {
  context = ctx;
  deps ??= {
    ...chatDependencies(process.env, (m, f) => logger.info(m, f), () => context?.getRemainingTimeInMillis() ?? 10_000),
    metric: (name, value) => {
      metrics.addMetric(name, MetricUnit.Count, value);
      recorded = true;
    },
  };
  const route = ROUTES[event?.requestContext?.routeKey ?? ''] ?? onDefault;
  try {
    return await route(deps, event);
  } catch (e) {
    logger.error('route failed', { routeKey: event?.requestContext?.routeKey, name: (e as Error)?.name });
    throw e;
  } finally {
    // Only routes that recorded something publish.
    if (recorded) metrics.publishStoredMetrics();
    recorded = false;
  }
}
