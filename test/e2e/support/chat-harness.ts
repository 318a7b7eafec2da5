/**
 * Shared set-up of the chat end-to-end tests: the BUILT JWT authorizer bundle in a child process trusting a local
 * HTTPS JWKS, the BUILT connection and chat bundles behind one handler that dispatches on the route key (as API
 * Gateway's integrations do), and the chat functions' environment rendered through the construct's own contract.
 */
import { ChildProcess, fork } from 'node:child_process';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Authorizer, Handler } from './chat-front';
import { ChatLimitsConfig, CHAT_DEFAULTS, renderChatEnvironment } from '../../../src/runtime/chat/contract';
import { AUDIENCE, ISSUER, KeyMaterial } from '../../handlers/support/jwt';
import { LoopbackCertificate, loopbackCertificate } from '../../support/tls';

const ROOT = path.join(__dirname, '..', '..', '..');
export const BUNDLES = {
  chat: path.join(ROOT, 'assets', 'websocket-chat-api', 'chat.lambda', 'index.js'),
  connection: path.join(ROOT, 'assets', 'websocket-chat-api', 'connection.lambda', 'index.js'),
  fanOut: path.join(ROOT, 'assets', 'websocket-chat-api', 'fan-out.lambda', 'index.js'),
  authorizer: path.join(ROOT, 'assets', 'authorizers', 'jwt-authorizer.lambda', 'index.js'),
};

export interface LocalAuthorizer {
  readonly invoke: Authorizer;
  close(): Promise<void>;
}

/** The bundled JWT authorizer, configured as the construct configures it for the token's location. */
export async function startAuthorizer(key: KeyMaterial, transport: { readonly query?: string; readonly header?: string }): Promise<LocalAuthorizer> {
  const tls: LoopbackCertificate = loopbackCertificate();
  const jwks = https.createServer({ key: tls.key, cert: tls.cert }, (_q, res) => res.writeHead(200).end(JSON.stringify({ keys: [key.jwk] })));
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const child: ChildProcess = fork(path.join(__dirname, 'authorizer-worker.js'), {
    env: {
      PATH: process.env.PATH ?? '',
      AUTHORIZER_BUNDLE: BUNDLES.authorizer,
      NODE_EXTRA_CA_CERTS: tls.certFile,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_JWKS_URI: `https://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
      JWT_TOKEN_HEADER: transport.header ?? 'Authorization',
      ...(transport.query ? { JWT_TOKEN_QUERY: transport.query } : {}),
    },
  });
  const pending = new Map<number, (r: any) => void>();
  let nextId = 0;
  await new Promise<void>((resolve) => {
    child.on('message', (m: any) => {
      if (m.ready) resolve();
      else pending.get(m.id)?.(m);
    });
  });
  return {
    invoke: (event) => new Promise((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      child.send({ id, event });
    }),
    close: async () => {
      child.kill();
      jwks.closeAllConnections();
      await new Promise<void>((r) => jwks.close(() => r()));
      tls.dispose();
    },
  };
}

/** The chat functions' environment, rendered by the contract the construct uses, plus local SDK settings. */
export function chatEnvironment(options: {
  readonly table: string;
  readonly callbackUrl: string;
  readonly dynamoEndpoint: string;
  readonly queueUrl?: string;
  readonly sqsEndpoint?: string;
  readonly limits?: Partial<ChatLimitsConfig>;
}): Record<string, string> {
  return {
    ...renderChatEnvironment({
      tableName: options.table,
      roomIndex: CHAT_DEFAULTS.roomIndex,
      userIndex: CHAT_DEFAULTS.userIndex,
      queueUrl: options.queueUrl,
      callbackUrl: options.callbackUrl,
      concurrency: CHAT_DEFAULTS.concurrency,
      identity: 'jwt',
      roomAccess: { mode: 'open' },
      limits: {
        messagesPerWindow: CHAT_DEFAULTS.messagesPerWindow,
        windowSeconds: CHAT_DEFAULTS.windowSeconds,
        connectionsPerUser: CHAT_DEFAULTS.connectionsPerUser,
        roomSize: CHAT_DEFAULTS.roomSize,
        ...options.limits,
      },
    }),
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint,
    ...(options.sqsEndpoint ? { AWS_ENDPOINT_URL_SQS: options.sqsEndpoint } : {}),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}

/** The built connection and chat bundles behind one handler: $connect/$disconnect to the first, the rest to the second. */
export function chatHandler(): Handler {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const connection = require(BUNDLES.connection);
  const chat = require(BUNDLES.chat);
  /* eslint-enable @typescript-eslint/no-require-imports */
  return (event, context) => {
    const lifecycle = ['$connect', '$disconnect'].includes(event?.requestContext?.routeKey);
    return lifecycle ? connection.handler(event, context) : chat.handler(event, context);
  };
}
