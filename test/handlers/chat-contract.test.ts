/**
 * The environment contract between WebSocketChatApi and the chat handlers (src/runtime/chat/contract.ts), and the
 * identity decided at $connect (src/runtime/chat/identity.ts).
 */
import { CHAT_ENV, ChatConfig, ChatConfigError, parseCallbackUrl, parseChatEnvironment, renderChatEnvironment } from '../../src/runtime/chat/contract';
import { MAX_ROOM_CLAIMS, anonymousAlias, identityOf, roomsFromClaim } from '../../src/runtime/chat/identity';

const config: ChatConfig = {
  tableName: 'chat-connections',
  roomIndex: 'room-index',
  userIndex: 'user-index',
  queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/chat-fanout',
  callbackUrl: 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod',
  concurrency: 750,
  identity: 'jwt',
  roomAccess: { mode: 'claim', claim: 'custom:rooms', prefix: 'chat:room/' },
  limits: { messagesPerWindow: 7, windowSeconds: 30, connectionsPerUser: 3, roomSize: 250 },
};

describe('environment contract', () => {
  test('parse(render(config)) is config, for claim and open room access', () => {
    expect(parseChatEnvironment(renderChatEnvironment(config))).toEqual(config);
    const open: ChatConfig = { ...config, roomAccess: { mode: 'open' }, queueUrl: undefined, identity: 'none' };
    expect(parseChatEnvironment(renderChatEnvironment(open))).toEqual(open);
  });

  test('every rendered value is a non-empty string, and the whole environment stays far under Lambda\'s 4 KB', () => {
    const env = renderChatEnvironment({ ...config, roomAccess: { mode: 'claim', claim: 'rooms', prefix: '' } });
    expect(Object.values(env).every((v) => typeof v === 'string' && v.length > 0)).toBe(true);
    expect(env[CHAT_ENV.roomClaimPrefix]).toBeUndefined();
    expect(Buffer.byteLength(Object.entries(env).map(([k, v]) => k + v).join(''))).toBeLessThan(1024);
  });

  test.each([
    [{ TABLE_NAME: undefined }, 'TABLE_NAME'],
    [{ CALLBACK_URL: undefined }, 'CALLBACK_URL is not set'],
    [{ CALLBACK_URL: 'http://evil.example.com/prod' }, 'CALLBACK_URL must be https'],
    [{ CALLBACK_URL: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod?x=1' }, 'CALLBACK_URL must be https'],
    [{ CALLBACK_URL: 'https://abc.execute-api.eu-west-1.amazonaws.com/' }, 'CALLBACK_URL must be https'],
    [{ CONCURRENCY: '0' }, 'CONCURRENCY must be between 1 and 5000'],
    [{ CONCURRENCY: '1e3' }, 'CONCURRENCY must be a whole number'],
    [{ MESSAGES_PER_WINDOW: '-1' }, 'MESSAGES_PER_WINDOW must be a whole number'],
    [{ ROOM_SIZE: '20000000' }, 'ROOM_SIZE must be between'],
    [{ IDENTITY: 'cognito' }, 'IDENTITY must be one of'],
    [{ ROOM_ACCESS: 'closed' }, 'ROOM_ACCESS must be "open" or "claim"'],
    [{ ROOM_CLAIM: 'bad claim' }, 'ROOM_CLAIM must be an authorizer context key'],
  ])('invalid %j is refused naming the variable', (override, message) => {
    const env = { ...renderChatEnvironment(config), ...override };
    expect(() => parseChatEnvironment(env)).toThrow(ChatConfigError);
    expect(() => parseChatEnvironment(env)).toThrow(message);
  });

  test('the callback URL may be http only on the loopback interface (local stand-ins)', () => {
    expect(parseCallbackUrl('http://127.0.0.1:4567/prod/')).toBe('http://127.0.0.1:4567/prod');
    expect(() => parseCallbackUrl('http://10.0.0.1/prod')).toThrow(ChatConfigError);
  });
});

describe('identity at $connect (issue 10 item 14)', () => {
  const open = { mode: 'open' } as const;

  test('jwt and lambda: the authorizer principal; iam: the caller ARN; the connection id is never used', () => {
    const ctx = { connectionId: 'L0SM9cOFvHcCIhw=', authorizer: { principalId: 'user-123', sub: 'user-123' } };
    expect(identityOf('jwt', ctx, open)).toEqual({ userId: 'user-123', from: 'user-123' });
    expect(identityOf('lambda', ctx, open)).toEqual({ userId: 'user-123', from: 'user-123' });
    const arn = 'arn:aws:sts::123456789012:assumed-role/ChatClient/session-1';
    expect(identityOf('iam', { connectionId: 'c', identity: { userArn: arn } }, open)).toEqual({ userId: arn, from: arn });
  });

  test('a kind that promises an identity the event lacks gives none (the connection is refused)', () => {
    expect(identityOf('jwt', { connectionId: 'c', authorizer: {} }, open)).toBeUndefined();
    expect(identityOf('iam', { connectionId: 'c', identity: { userArn: 'not-an-arn' } }, open)).toBeUndefined();
    expect(identityOf('lambda', { connectionId: 'c', authorizer: { principalId: 'x'.repeat(300) } }, open)).toBeUndefined();
  });

  test('anonymous connections get a random alias that does not reveal the connection id, and no user id', () => {
    const a = identityOf('none', { connectionId: 'L0SM9cOFvHcCIhw=' }, open)!;
    const b = identityOf('none', { connectionId: 'L0SM9cOFvHcCIhw=' }, open)!;
    expect(a.from).toMatch(/^anon-[a-z2-7]{16}$/);
    expect(a.from).not.toBe(b.from);
    expect(a.from).not.toContain('L0SM9cOFvHcCIhw');
    expect(a.userId).toBeUndefined();
    expect(anonymousAlias(() => Buffer.alloc(16, 0))).toBe('anon-aaaaaaaaaaaaaaaa');
  });

  test('room claims: entries with the prefix, valid room names or *, at most 100', () => {
    expect(roomsFromClaim('openid chat:room/general chat:room/staff,chat:room/../etc other', 'chat:room/')).toEqual(['general', 'staff']);
    expect(roomsFromClaim('chat:room/*', 'chat:room/')).toEqual(['*']);
    expect(roomsFromClaim(undefined, '')).toEqual([]);
    expect(roomsFromClaim(Array.from({ length: 150 }, (_, i) => `r${i}`).join(' '), '')).toHaveLength(MAX_ROOM_CLAIMS);
    const access = { mode: 'claim', claim: 'scope', prefix: 'chat:room/' } as const;
    expect(identityOf('jwt', { connectionId: 'c', authorizer: { principalId: 'u', scope: 'chat:room/general' } }, access)).toEqual({ userId: 'u', from: 'u', rooms: ['general'] });
    expect(identityOf('jwt', { connectionId: 'c', authorizer: { principalId: 'u' } }, access)).toEqual({ userId: 'u', from: 'u', rooms: [] });
  });
});
