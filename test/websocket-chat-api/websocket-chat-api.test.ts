import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { ApiAuthorization, WebSocketChatApi, WebSocketChatApiProps } from '../../src';
import { complianceFindings, formatFindings } from '../support/compliance';
import { backendFunction, newStack } from '../support/fixtures';

function build(props: Partial<WebSocketChatApiProps> = {}, stack = newStack()) {
  const chat = new WebSocketChatApi(stack, 'Chat', {
    authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['chat'] }),
    ...props,
  });
  return { stack, chat, template: Template.fromStack(stack) };
}

describe('WebSocketChatApi', () => {
  test('routes by $request.body.action with the six chat routes; only $connect is authorized', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(['$connect', '$default', '$disconnect', 'joinroom', 'leaveroom', 'sendmessage']);
    for (const r of routes) expect(r.Properties.AuthorizationType).toBe(r.Properties.RouteKey === '$connect' ? 'CUSTOM' : 'NONE');
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST', IdentitySource: ['route.request.querystring.token'] });
  });

  test('every route gets its own Lambda permission even though one function serves them all (aws-cdk#38148)', () => {
    const { template } = build();
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).map((p) => JSON.stringify(p.Properties.SourceArn));
    for (const key of ['$connect', '$disconnect', '$default', 'joinroom', 'leaveroom', 'sendmessage']) {
      expect(permissions.some((arn) => arn.includes(`/*${key}`))).toBe(true);
    }
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

  test('stage: JSON access logs, execution logging per route, default and per-route throttling', () => {
    const { template } = build({ routeThrottles: { sendmessage: { rateLimit: 20, burstLimit: 40 } } });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"connectionId":"\\$context.connectionId"') },
      DefaultRouteSettings: { LoggingLevel: 'ERROR', DataTraceEnabled: false, DetailedMetricsEnabled: true, ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
      RouteSettings: { sendmessage: Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40, LoggingLevel: 'ERROR' }) },
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
  });

  test('handlers may only post to this stage\'s connections, use the room index, and enqueue fan-out', () => {
    const { template } = build();
    const docs = JSON.stringify(Object.values(template.findResources('AWS::IAM::ManagedPolicy')).map((p) => p.Properties.PolicyDocument));
    expect(docs).toContain('execute-api:ManageConnections');
    expect(docs).toContain('/prod/POST/@connections/*');
    expect(docs).toContain('/index/room-index');
    expect(docs).not.toMatch(/"Action":"dynamodb:\*"/);
    template.resourceCountIs('AWS::IAM::Policy', 0);
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

  test.each([
    [{ domain: { domainName: 'Not A Domain', certificate: {} as never } }, 'Test/Chat: invalid domain.domainName "Not A Domain"'],
    [{ authorization: ApiAuthorization.lambdaToken(undefined as never) }, 'Test/Chat: invalid authorization "LAMBDA_TOKEN": must be JWT, LAMBDA_REQUEST, IAM or NONE'],
    [{ stageName: 'bad stage' }, 'Test/Chat: invalid stageName "bad stage"'],
    [{ throttle: { rateLimit: -1 } }, 'Test/Chat: invalid throttle.rateLimit -1'],
    [{ routeThrottles: { 'bad key!': { rateLimit: 1 } } }, 'Test/Chat: invalid routeThrottles key "bad key!"'],
    [{ tokenQueryParameter: 'a b' }, 'Test/Chat: invalid tokenQueryParameter "a b"'],
  ])('bad props fail clearly: %j', (props, message) => {
    expect(() => build(props as Partial<WebSocketChatApiProps>)).toThrow(message);
  });

  test('addRoute adds a user route with its own permission; authorizers only on $connect', () => {
    const stack = newStack();
    const chat = new WebSocketChatApi(stack, 'Chat', { authorization: ApiAuthorization.iam() });
    const fn = backendFunction(stack, 'Typing');
    chat.addRoute('typing', fn);
    expect(() => chat.addRoute('other', fn, { authorizer: {} as never })).toThrow('Test/Chat: invalid authorizer "other": API Gateway authorizes WebSocket APIs only on $connect');
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'typing' });
    t.hasResourceProperties('AWS::Lambda::Permission', { FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('Typing'), 'Arn'] } });
  });
});

describe('WebSocketChatApi compliance', () => {
  test.each([
    ['JWT', ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['chat'] })],
    ['IAM', ApiAuthorization.iam()],
  ])('with %s on $connect: only the documented, acknowledged findings', (_name, authorization) => {
    const stack = newStack();
    new WebSocketChatApi(stack, 'Chat', { authorization });
    expect(formatFindings(complianceFindings(stack))).toEqual([]);
  });
});
