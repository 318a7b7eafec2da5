/**
 * The connection lifecycle handler ($connect, $disconnect): its own function, so that the capacity connections
 * need is not the message routes' (logic in src/runtime/chat/connection.ts). Never logs tokens or identities.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ConnectionEvent, onConnect, onDisconnect } from '../runtime/chat/connection';
import { connectionDependencies } from '../runtime/chat/environment';
import { ChatResponse } from '../runtime/chat/handlers';

const logger = new Logger({ serviceName: 'websocket-chat-connections' });
let deps: ReturnType<typeof connectionDependencies> | undefined;

export async function handler(event: ConnectionEvent): Promise<ChatResponse> {
  deps ??= connectionDependencies(process.env, (m, f) => logger.info(m, f));
  const routeKey = event?.requestContext?.routeKey;
  if (typeof event?.requestContext?.connectionId !== 'string') return { statusCode: 400, body: 'InvalidEvent' };
  try {
    return routeKey === '$disconnect' ? await onDisconnect(deps, event) : await onConnect(deps, event);
  } catch (e) {
    logger.error('lifecycle route failed', { routeKey, name: (e as Error)?.name });
    throw e;
  }
}
