/**
 * The WebSocket probe (test/integ/probes/ws.ts), run for real against the chat API served locally from its
 * synthesized assembly (the same local cloud as test/e2e/assembly-chat.test.ts: the bundled authorizer, connection
 * and message functions, dynalite, the WebSocket front that enforces API Gateway's identity-source rule), with a
 * local Cognito stand-in (test/integ/support/aws-local.ts) whose access tokens the local issuer signs. The probe uses `ws`'s
 * WebSocket here (Node.js 20 has no global one) and node:http for the handshakes that must be refused.
 */
import { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { checkEvent, parseFrame, probe, SocketFactory, subjectOf, withToken, WsProbeOptions } from './probes/ws';
import { ChatAssembly, chatJwt, synthesizeChat } from '../e2e/support/chat-assembly';
import { LocalCognito, startLocalCognito } from '../support/cognito-local';
import { LocalIssuer, startLocalIssuer } from '../support/local/issuer';
import { LocalCloud, startLocalCloud } from '../support/local/local-cloud';
import { WebSocketFront } from '../support/local/websocket-front';

let issuer: LocalIssuer;
let chat: ChatAssembly;
let cloud: LocalCloud;
let front: WebSocketFront;
let cognito: LocalCognito;
/** Access tokens the Cognito stand-in answered (to check that none is in a result). */
const issued: string[] = [];
/** The local issuer signs the stand-in's access tokens, with `sub` the user name and `aud` the chat's audience. */
const tokenFor = (aud: string) => (username: string) => {
  const token = issuer.token(username, { aud });
  issued.push(token);
  return token;
};
/**
 * The WebSocket the probe opens clients with: the runtime's global one where it has one (Node.js 22+: the WHATWG
 * WebSocket the probe uses in Lambda, when this file runs on Node.js 24), else `ws`'s, whose addEventListener API
 * is the same. Which one ran is in the first test's name.
 */
const globalWebSocket = (globalThis as { WebSocket?: SocketFactory }).WebSocket;
const webSocket = globalWebSocket ?? (WebSocket as unknown as SocketFactory);
const socketKind = globalWebSocket ? `the global WebSocket of Node.js ${process.versions.node}` : '`ws` (no global WebSocket on this Node.js)';

beforeAll(async () => {
  issuer = await startLocalIssuer();
  chat = synthesizeChat('WsProbeChat', { authorization: chatJwt(issuer) });
  cloud = await startLocalCloud(chat.dir, { extraCaCerts: issuer.certFile });
  front = cloud.webSockets[0];
  cognito = await startLocalCognito({ tokenFor: tokenFor('chat') });
}, 120_000);

afterAll(async () => {
  await cognito?.close();
  await cloud?.close();
  await issuer?.close();
});

const options = (extra: Partial<WsProbeOptions> = {}): WsProbeOptions => ({ webSocket, cognito: cognito.cognito, retryDelayMs: 50, ...extra });
const signIn = { userPoolId: 'us-east-1_local', clientId: 'chat' };
const event = (extra: Record<string, unknown> = {}) => ({ url: front.url(), signIn, ...extra });

describe('the ws probe against the local chat front', () => {
  test(`with ${socketKind}: GIVEN 3 clients WHEN they join a room and one sends THEN the 2 others and the sender get it, from the token's sub; no token and a bad token are refused with 401`, async () => {
    const calls = cognito.calls.length;
    const authorizerRuns = front.authorizerInvocations;
    const result = await probe(event({ clients: 3, room: 'lobby', timeoutMs: 5000 }), options());
    expect(result).toEqual({
      clients: 3, connected: 3, joined: 3, received: 2, senderGotEcho: true, fromSender: true, unauthenticated: 401, invalidToken: 401, errors: [],
    });
    // API Gateway rule (README "Security model"; test/e2e/assembly-chat.test.ts): a handshake without the identity
    // source is refused before the authorizer runs; the 3 clients and the bad token reach it.
    expect(front.authorizerInvocations - authorizerRuns).toBe(4);
    // One throwaway user: created, given a password, signed in once, deleted; its token is in no result.
    expect(cognito.calls.slice(calls)).toEqual(['AdminCreateUser', 'AdminSetUserPassword', 'AdminInitiateAuth', 'AdminDeleteUser']);
    expect(cognito.users.size).toBe(0);
    expect(JSON.stringify(result)).not.toContain(issued[issued.length - 1]);
    expect(JSON.stringify(result)).not.toMatch(/eyJ/);
  }, 30_000);

  test('GIVEN every post after the joined reply to the non-senders answers 410 WHEN the sender broadcasts THEN the probe reports the missing copies after its timeout, without hanging', async () => {
    // Each phase is given 5 s: the local $connect runs the bundled authorizer in a sandbox, which a loaded CI machine
    // slows past 1.5 s (seen: one client "not open"). A hang would overrun the test's own 30 s timeout, and the errors
    // below say the probe gave up on the broadcast by its timeout.
    const get = front.faults.get.bind(front.faults);
    let sender: string | undefined;
    const earlierConnections = new Set(front.connections.keys());
    // The first connection the front accepts now is the probe's client 0 (it opens the others once client 0 is open).
    front.faults.get = (id: string) => {
      sender ??= [...front.connections.keys()].find((c) => !earlierConnections.has(c));
      const earlier = front.posts.filter((p) => p.connectionId === id).length;
      return id !== sender && earlier >= 1 ? [410] : get(id);
    };
    try {
      const result = await probe(event({ clients: 3, timeoutMs: 5000 }), options());
      expect(result).toMatchObject({ connected: 3, joined: 3, received: 0, senderGotEcho: true, unauthenticated: 401, invalidToken: 401 });
      expect(result.errors).toEqual(['client 1: no broadcast within 5000 ms', 'client 2: no broadcast within 5000 ms']);
      expect(front.posts.filter((p) => p.status === 410).length).toBeGreaterThanOrEqual(2);
    } finally {
      front.faults.get = get;
    }
    expect(cognito.users.size).toBe(0);
  }, 30_000);

  test('GIVEN a sign-in token the API does not accept (wrong audience) THEN no client connects, nothing is sent, the user is still deleted', async () => {
    const foreign = await startLocalCognito({ tokenFor: tokenFor('someone-else') });
    try {
      const result = await probe(event({ timeoutMs: 5000 }), options({ cognito: foreign.cognito }));
      expect(result).toMatchObject({ connected: 0, joined: 0, received: 0, senderGotEcho: false, fromSender: false });
      expect(result).toMatchObject({ unauthenticated: 401, invalidToken: 401 });
      expect(result.errors).toEqual([
        'client 0: the connection failed (refused or unreachable)',
        'client 1: the connection failed (refused or unreachable)',
        'client 0 did not join: no message sent',
      ]);
      expect(foreign.users.size).toBe(0);
    } finally {
      await foreign.close();
    }
  }, 30_000);

  test('GIVEN retrySeconds WHEN the first handshakes fail THEN client 0 is retried until the time is up, and the failure reported once', async () => {
    const foreign = await startLocalCognito({ tokenFor: tokenFor('someone-else') });
    const authorizerRuns = front.authorizerInvocations;
    try {
      const result = await probe(event({ retrySeconds: 3, timeoutMs: 5000 }), options({ cognito: foreign.cognito, retryDelayMs: 200 }));
      expect(result.errors.filter((e) => e.startsWith('client 0:'))).toHaveLength(1);
      // client 0 tried at least twice (every 200 ms for 3 s: a refused handshake takes far less, even on a loaded
      // machine), client 1 once, the bad-token handshake once.
      expect(front.authorizerInvocations - authorizerRuns).toBeGreaterThanOrEqual(4);
    } finally {
      await foreign.close();
    }
  }, 30_000);
});

describe('the ws probe against an API that accepts anyone and speaks no chat', () => {
  let server: WebSocketServer;
  let url: string;
  beforeAll(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
  });
  afterAll(async () => {
    for (const c of server.clients) c.terminate();
    await new Promise((r) => server.close(r));
  });

  test('THEN the handshakes that must be refused are reported as accepted (101), and no join happens', async () => {
    const result = await probe(event({ url, timeoutMs: 2000 }), options());
    expect(result).toMatchObject({ connected: 2, joined: 0, received: 0, unauthenticated: 101, invalidToken: 101 });
    expect(result.errors).toEqual(['client 0: no joined reply within 2000 ms', 'client 1: no joined reply within 2000 ms', 'client 0 did not join: no message sent']);
  }, 15_000);

  test('THEN a client the server closes is reported as closed at once, not after the timeout', async () => {
    const onConnection = (ws: WebSocket) => ws.on('message', () => ws.close(1011));
    server.on('connection', onConnection);
    try {
      // Given 15 s per phase, a probe that waited for the timeout instead of seeing the close would take 15 s or more.
      const started = Date.now();
      const result = await probe(event({ url, timeoutMs: 15_000 }), options());
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(result.errors).toEqual(['client 0: closed before joined reply', 'client 1: closed before joined reply', 'client 0 did not join: no message sent']);
    } finally {
      server.off('connection', onConnection);
    }
  }, 40_000);

  test('THEN error frames are reported by code, never by body', async () => {
    const onConnection = (ws: WebSocket) => ws.on('message', () => ws.send(JSON.stringify({ type: 'error', code: 'RoomForbidden', message: 'secret detail' })));
    server.on('connection', onConnection);
    try {
      const result = await probe(event({ url, timeoutMs: 2000 }), options());
      expect(result.errors).toContain('client 0: server error RoomForbidden');
      expect(JSON.stringify(result)).not.toContain('secret detail');
    } finally {
      server.off('connection', onConnection);
    }
  }, 15_000);
});

describe('bad events are refused before anyone signs in', () => {
  test.each<[string, unknown, string]>([
    ['not an object', 'wss://x', 'the event must be an object'],
    ['no url', { signIn }, 'url must be a wss:// URL'],
    ['https url', { url: 'https://a.example.com/prod', signIn }, 'url must be wss:// (ws:// only on loopback)'],
    ['ws off loopback', { url: 'ws://a.example.com/prod', signIn }, 'url must be wss:// (ws:// only on loopback)'],
    ['a query', { url: 'wss://a.example.com/prod?token=x', signIn }, 'url must have no query, fragment or credentials'],
    ['no signIn', { url: 'wss://a.example.com/prod' }, 'signIn must be { userPoolId, clientId }'],
    ['a bad pool id', { url: 'wss://a.example.com/prod', signIn: { userPoolId: 'a b', clientId: 'c' } }, 'signIn.userPoolId must be an id'],
    ['a bad room', { url: 'wss://a.example.com/prod', signIn, room: 'a/b' }, 'room must be 1-64 letters'],
    ['1 client', { url: 'wss://a.example.com/prod', signIn, clients: 1 }, 'clients must be an integer from 2 to 10'],
    ['11 clients', { url: 'wss://a.example.com/prod', signIn, clients: 11 }, 'clients must be an integer from 2 to 10'],
    ['2.5 clients', { url: 'wss://a.example.com/prod', signIn, clients: 2.5 }, 'clients must be an integer from 2 to 10'],
    ['a long timeout', { url: 'wss://a.example.com/prod', signIn, timeoutMs: 60_000 }, 'timeoutMs must be an integer from 1000 to 15000'],
    ['a long retry', { url: 'wss://a.example.com/prod', signIn, retrySeconds: 31 }, 'retrySeconds must be an integer from 0 to 30'],
    ['a bad token parameter', { url: 'wss://a.example.com/prod', signIn, tokenParameter: 'a&b' }, 'tokenParameter must be a query parameter name'],
    ['a typo', { url: 'wss://a.example.com/prod', signIn, client: 3 }, 'unknown field(s) client'],
  ])('%s', async (_name, bad, message) => {
    expect(() => checkEvent(bad)).toThrow(message);
    const calls = cognito.calls.length;
    await expect(probe(bad, options())).rejects.toThrow(message);
    expect(cognito.calls.length).toBe(calls);
  });

  test('a good event passes', () => {
    expect(() => checkEvent({ url: 'wss://a.execute-api.eu-west-1.amazonaws.com/prod', signIn, room: 'r', clients: 10, timeoutMs: 15000, retrySeconds: 30, tokenParameter: 'token' })).not.toThrow();
  });
});

describe('pure pieces', () => {
  test('withToken sets the query parameter, URL-encoded', () => {
    expect(withToken('wss://a.example.com/prod', 'token', 'a.b+c')).toBe('wss://a.example.com/prod?token=a.b%2Bc');
  });

  test('subjectOf reads the sub claim of a JWT, undefined otherwise', () => {
    expect(subjectOf(issuer.token('user-1'))).toBe('user-1');
    expect(subjectOf('not-a-jwt')).toBeUndefined();
    expect(subjectOf(`x.${Buffer.from('{"sub":7}').toString('base64url')}.y`)).toBeUndefined();
  });

  test('parseFrame reads text and binary JSON objects, nothing else', () => {
    const bytes = Buffer.from('{"type":"joined","room":"r"}');
    expect(parseFrame('{"type":"joined","room":"r"}')).toEqual({ type: 'joined', room: 'r' });
    expect(parseFrame(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))).toEqual({ type: 'joined', room: 'r' });
    expect(parseFrame(new Uint8Array(bytes))).toEqual({ type: 'joined', room: 'r' });
    expect(parseFrame('[1]')).toBeUndefined();
    expect(parseFrame('nope')).toBeUndefined();
    expect(parseFrame(42)).toBeUndefined();
  });
});
