import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { build, environmentOf, logicalId, resources } from './support';
import { ApiAuthorization, ChatRoomAccess, ChatTokenSource, WebSocketChatApi, WebSocketChatApiProps } from '../../src';
import { parseChatEnvironment } from '../../src/runtime/chat/contract';
import { backendFunction, newStack } from '../support/fixtures';

describe('WebSocketChatApi', () => {
  test('routes by $request.body.action with the six chat routes; only $connect is authorized', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(['$connect', '$default', '$disconnect', 'joinroom', 'leaveroom', 'sendmessage']);
    for (const r of routes) expect(r.Properties.AuthorizationType).toBe(r.Properties.RouteKey === '$connect' ? 'CUSTOM' : 'NONE');
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST', IdentitySource: ['route.request.querystring.token'] });
  });

  test('$connect and $disconnect have their own function; the message routes another (issue 10 item 9)', () => {
    const { json } = build();
    const integrationTarget = Object.fromEntries(
      resources(json, 'AWS::ApiGatewayV2::Integration').map(([id, r]) => [id, r.Properties.IntegrationUri['Fn::Join'][1][5]['Fn::GetAtt'][0]]),
    );
    const served = Object.fromEntries(
      resources(json, 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey, integrationTarget[r.Properties.Target['Fn::Join'][1][1].Ref]]),
    );
    const connections = logicalId(json, 'AWS::Lambda::Function', 'ChatConnectionHandler');
    const chat = logicalId(json, 'AWS::Lambda::Function', 'ChatChatHandler');
    expect(served).toEqual({ $connect: connections, $disconnect: connections, $default: chat, joinroom: chat, leaveroom: chat, sendmessage: chat });
  });

  test('connection store: connectionId key, room and user indexes, TTL, on-demand, PITR, KMS', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'room-index' }), Match.objectLike({ IndexName: 'user-index' })],
    });
  });

  test('stage: JSON access logs, execution logging per route, default throttling, and a sendmessage throttle by default', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"connectionId":"\\$context.connectionId"') },
      DefaultRouteSettings: { LoggingLevel: 'ERROR', DataTraceEnabled: false, DetailedMetricsEnabled: true, ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
      RouteSettings: { sendmessage: Match.objectLike({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200, LoggingLevel: 'ERROR' }) },
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
  });

  test('routeThrottles override the defaults, and apply to a route added later', () => {
    const stack = newStack();
    const chat = new WebSocketChatApi(stack, 'Chat', { authorization: ApiAuthorization.iam(), routeThrottles: { sendmessage: { rateLimit: 20, burstLimit: 40 }, typing: { rateLimit: 5, burstLimit: 10 } } });
    chat.addRoute('typing', backendFunction(stack, 'Typing'));
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: {
        sendmessage: Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }),
        typing: Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 }),
      },
    });
  });

  test('a routeThrottles key that no route gets fails the synth (route settings must name existing routes)', () => {
    const stack = newStack();
    new WebSocketChatApi(stack, 'Chat', { authorization: ApiAuthorization.iam(), routeThrottles: { typing: { rateLimit: 5 } } });
    expect(() => Template.fromStack(stack)).toThrow('Test/Chat: routeThrottles names "typing", which no route has');
  });

  test('the functions are configured through the runtime contract: what the construct renders, the handlers parse', () => {
    const { json } = build({
      limits: { messagesPerWindow: 5, messageWindow: Duration.seconds(30), connectionsPerUser: 3, roomSize: 500 },
      roomAccess: ChatRoomAccess.fromClaim('scope', 'chat.room:'),
    });
    for (const fn of ['ChatConnectionHandler', 'ChatChatHandler', 'ChatFanOutHandler']) {
      const config = parseChatEnvironment(environmentOf(json, fn));
      expect(config).toMatchObject({
        identity: 'jwt',
        roomAccess: { mode: 'claim', claim: 'scope', prefix: 'chat.room:' },
        limits: { messagesPerWindow: 5, windowSeconds: 30, connectionsPerUser: 3, roomSize: 500 },
        callbackUrl: 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod',
      });
    }
  });

  test('defaults: 20 messages per 10 s, 10 connections per user, 10,000 members per room, open rooms', () => {
    const { json } = build({ authorization: ApiAuthorization.none() });
    expect(parseChatEnvironment(environmentOf(json, 'ChatChatHandler'))).toMatchObject({
      identity: 'none',
      roomAccess: { mode: 'open' },
      limits: { messagesPerWindow: 20, windowSeconds: 10, connectionsPerUser: 10, roomSize: 10_000 },
    });
  });

  test('an optional custom domain with TLS 1.2 is mapped to the stage', () => {
    const stack = newStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:111122223333:certificate/abc');
    new WebSocketChatApi(stack, 'Chat', { authorization: ApiAuthorization.iam(), domain: { domainName: 'chat.example.com', certificate } });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'chat.example.com',
      DomainNameConfigurations: [Match.objectLike({ SecurityPolicy: 'TLS_1_2' })],
    });
    t.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
  });

  test('reserved concurrency is opt-in, per function', () => {
    const none = build().template;
    expect(Object.values(none.findResources('AWS::Lambda::Function')).every((f) => f.Properties.ReservedConcurrentExecutions === undefined)).toBe(true);
    const { json } = build({ reservedConcurrency: { connections: 20, messages: 200, fanOut: 10 } });
    const reserved = (prefix: string) => json.Resources[logicalId(json, 'AWS::Lambda::Function', prefix)].Properties.ReservedConcurrentExecutions;
    expect([reserved('ChatConnectionHandler'), reserved('ChatChatHandler'), reserved('ChatFanOutHandler')]).toEqual([20, 200, 10]);
  });

  test.each([
    [{ domain: { domainName: 'Not A Domain', certificate: {} as never } }, 'Test/Chat: invalid domain.domainName "Not A Domain"'],
    [{ authorization: ApiAuthorization.lambdaToken(undefined as never) }, 'Test/Chat: invalid authorization "LAMBDA_TOKEN": must be JWT, LAMBDA_REQUEST, IAM or NONE'],
    [{ stageName: 'bad stage' }, 'Test/Chat: invalid stageName "bad stage"'],
    [{ throttle: { rateLimit: -1 } }, 'Test/Chat: invalid throttle.rateLimit -1'],
    [{ routeThrottles: { 'bad key!': { rateLimit: 1 } } }, 'Test/Chat: invalid routeThrottles key "bad key!"'],
    [{ tokenSource: ChatTokenSource.queryString('a b') }, 'Test/Chat: invalid tokenSource "a b"'],
    [{ tokenSource: ChatTokenSource.header('X-Token') }, 'Test/Chat: invalid tokenSource "X-Token": the JWT authorizer reads the header "Authorization"'],
    [{ authorization: ApiAuthorization.iam(), tokenSource: ChatTokenSource.header() }, 'Test/Chat: invalid tokenSource "header": applies to jwt() authorization only'],
    [{ authorization: ApiAuthorization.iam(), roomAccess: ChatRoomAccess.fromClaim('rooms') }, 'Test/Chat: invalid roomAccess "fromClaim(rooms)": needs an authorizer context'],
    [{ roomAccess: ChatRoomAccess.fromClaim('bad key') }, 'Test/Chat: invalid roomAccess contextKey "bad key"'],
    [{ limits: { messagesPerWindow: 0 } }, 'Test/Chat: invalid limits.messagesPerWindow 0: must be an integer between 1 and 10000'],
    [{ limits: { connectionsPerUser: 1.5 } }, 'Test/Chat: invalid limits.connectionsPerUser 1.5'],
    [{ limits: { roomSize: 20_000_000 } }, 'Test/Chat: invalid limits.roomSize 20000000'],
    [{ limits: { messageWindow: Duration.hours(2) } }, 'Test/Chat: invalid limits.messageWindow 2 hours: must be between 1 and 3600 seconds'],
    [{ limits: { messageWindow: Duration.millis(1500) } }, 'Test/Chat: invalid limits.messageWindow'],
    [{ reservedConcurrency: { connections: 0 } }, 'Test/Chat: invalid reservedConcurrency.connections 0'],
  ])('bad props fail clearly: %j', (props, message) => {
    expect(() => build(props as Partial<WebSocketChatApiProps>)).toThrow(message);
  });

  test('addRoute adds a user route; authorizers only on $connect', () => {
    const stack = newStack();
    const chat = new WebSocketChatApi(stack, 'Chat', { authorization: ApiAuthorization.iam() });
    const fn = backendFunction(stack, 'Typing');
    chat.addRoute('typing', fn);
    chat.addRoute('presence', fn);
    expect(() => chat.addRoute('other', fn, { authorizer: {} as never })).toThrow('Test/Chat: invalid authorizer "other": API Gateway authorizes WebSocket APIs only on $connect');
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'typing' });
    // One API-scoped permission for the function, however many routes it serves.
    expect(Object.values(t.findResources('AWS::Lambda::Permission', { Properties: { FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('Typing'), 'Arn'] } } }))).toHaveLength(1);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });
});
