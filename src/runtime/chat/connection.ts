/**
 * The connection lifecycle (`$connect`, `$disconnect`), served by its own function so that a flood of messages,
 * which occupies the chat function, cannot take the capacity connections need. `$connect` decides the
 * connection's identity once (./identity), refuses a user past the per-user connection cap, and stores both.
 * No CDK imports: runs inside Lambda.
 */
import { ChatLimitsConfig, IdentityKind, RoomAccessConfig } from './contract';
import { ChatResponse } from './handlers';
import { ConnectEventContext, identityOf } from './identity';
import { ConnectionStore } from './store';

export interface ConnectionDependencies {
  readonly store: ConnectionStore;
  readonly identity: IdentityKind;
  readonly roomAccess: RoomAccessConfig;
  readonly limits: Pick<ChatLimitsConfig, 'connectionsPerUser'>;
  readonly log: (message: string, fields: Record<string, unknown>) => void;
  readonly metric?: (name: string, value: number) => void;
}

/** The lifecycle events' fields the handlers read. */
export interface ConnectionEvent {
  readonly requestContext: ConnectEventContext & { readonly routeKey?: string };
}

/**
 * Stores the connection with its identity. A non-2xx answer refuses the WebSocket handshake
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-route-keys-connect-disconnect.html).
 */
export async function onConnect(deps: ConnectionDependencies, event: ConnectionEvent): Promise<ChatResponse> {
  const context = event.requestContext;
  const identity = identityOf(deps.identity, context, deps.roomAccess);
  if (!identity) {
    deps.log('connection refused', { code: 'NoIdentity' });
    return { statusCode: 403, body: 'NoIdentity' };
  }
  if (identity.userId !== undefined) {
    const cap = deps.limits.connectionsPerUser;
    if ((await deps.store.countUserConnections(identity.userId, cap)) >= cap) {
      deps.log('connection refused', { code: 'TooManyConnections' });
      deps.metric?.('ConnectionsRefused', 1);
      return { statusCode: 429, body: 'TooManyConnections' };
    }
  }
  await deps.store.connect(context.connectionId, identity);
  return { statusCode: 200 };
}

export async function onDisconnect(deps: ConnectionDependencies, event: ConnectionEvent): Promise<ChatResponse> {
  await deps.store.disconnect(event.requestContext.connectionId);
  return { statusCode: 200 };
}
