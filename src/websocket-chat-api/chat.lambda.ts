/**
 * The chat handler of every WebSocket route ($connect, $disconnect, $default, joinroom, leaveroom, sendmessage),
 * dispatched on the route key; logic in src/runtime/chat/handlers.ts. One function keeps one warm pool of
 * clients; each route still gets its own integration and Lambda permission. Never logs message bodies or tokens.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { dependenciesFromEnvironment } from '../runtime/chat/environment';
import { ChatEvent, ChatResponse, onConnect, onDefault, onDisconnect, onJoinRoom, onLeaveRoom, onSendMessage } from '../runtime/chat/handlers';

const logger = new Logger({ serviceName: 'websocket-chat' });
const metrics = new Metrics({ namespace: 'CdkApiGatewayPatterns/Chat', serviceName: 'websocket-chat' });
let deps: ReturnType<typeof dependenciesFromEnvironment> | undefined;
let context: Context | undefined;
let recorded = false;

const ROUTES: Record<string, typeof onConnect> = {
  $connect: onConnect,
  $disconnect: onDisconnect,
  $default: onDefault,
  joinroom: onJoinRoom,
  leaveroom: onLeaveRoom,
  sendmessage: onSendMessage,
};

export async function handler(event: ChatEvent, ctx: Context): Promise<ChatResponse> {
  context = ctx;
  deps ??= {
    ...dependenciesFromEnvironment(process.env, (m, f) => logger.info(m, f), () => context?.getRemainingTimeInMillis() ?? 10_000),
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
    // Only routes that recorded something publish (connect/disconnect record nothing).
    if (recorded) metrics.publishStoredMetrics();
    recorded = false;
  }
}
