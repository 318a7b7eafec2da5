/**
 * Issue 9 for the chat: AWS behaviours the template relies on, each tested as the rule itself over the template,
 * with its source.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Built, JWT, build, createdBefore, environmentOf, logicalId, resources } from './support';
import { ApiAuthorization, ChatTokenSource, WebSocketChatApi } from '../../src';
import { parseChatEnvironment } from '../../src/runtime/chat/contract';
import { parseConfig } from '../../src/runtime/jwt/config';
import { readinessFindings } from '../core/deploy-readiness/support';
import { backendFunction, newStack } from '../support/fixtures';

/**
 * CreateStage refuses RouteSettings whose key is not the RouteKey of an existing route ("Unable to find Route by
 * key ... within the provided RouteSettings"; docs/limits.md): every key must name a route of the stage's API that
 * CloudFormation creates before the stage. Returns the keys that break the rule.
 */
function routeSettingsViolations(json: Built['json']): string[] {
  const problems: string[] = [];
  for (const [stageId, stage] of resources(json, 'AWS::ApiGatewayV2::Stage')) {
    for (const key of Object.keys(stage.Properties.RouteSettings ?? {})) {
      const routes = resources(json, 'AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.RouteKey === key && r.Properties.ApiId.Ref === stage.Properties.ApiId.Ref);
      if (routes.length === 0) problems.push(`${stageId}: ${key} names no route`);
      else if (!routes.some(([routeId]) => createdBefore(json, routeId, stageId))) problems.push(`${stageId}: ${key} is not created before the stage`);
    }
  }
  return problems;
}

describe('stage route settings name routes created first (issue 9 item 1)', () => {
  test('the default sendmessage throttle, every throttled built-in route and a route added later with a throttle', () => {
    const stack = newStack();
    const chat = new WebSocketChatApi(stack, 'Chat', {
      authorization: JWT(),
      routeThrottles: { $connect: { rateLimit: 50 }, $disconnect: { rateLimit: 50 }, joinroom: { rateLimit: 10 }, $default: { rateLimit: 5 } },
    });
    chat.addRoute('typing', backendFunction(stack, 'Typing'), { throttle: { rateLimit: 2, burstLimit: 4 } });
    const json = Template.fromStack(stack).toJSON() as Built['json'];
    const stage = json.Resources[logicalId(json, 'AWS::ApiGatewayV2::Stage', 'ChatStage')];
    expect(Object.keys(stage.Properties.RouteSettings).sort()).toEqual(['$connect', '$default', '$disconnect', 'joinroom', 'sendmessage', 'typing']);
    expect(routeSettingsViolations(json)).toEqual([]);
    expect(readinessFindings(stack).filter((f) => f.rule === 'ByNameOrder')).toEqual([]);
  });

  test('the rule check catches a stage that does not depend on its routes (the template before the fix)', () => {
    const { json } = build();
    const stageId = logicalId(json, 'AWS::ApiGatewayV2::Stage', 'ChatStage');
    json.Resources[stageId].DependsOn = [json.Resources[stageId].DependsOn].flat().filter((d: string) => !d.includes('sendmessageRoute'));
    expect(routeSettingsViolations(json)).toEqual([`${stageId}: sendmessage is not created before the stage`]);
  });
});

describe('execution logs go to a pre-created, encrypted group of the exact name (issue 9 item 9)', () => {
  // API Gateway writes WebSocket execution logs to API-Gateway-Execution-Logs_{apiId}/{stage} and creates that group
  // itself, unencrypted and never expiring, if it is absent
  // (https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-logging.html).
  test.each(['prod', 'live'])('stage %s', (stageName) => {
    const { json, stack } = build({ stageName });
    const apiId = logicalId(json, 'AWS::ApiGatewayV2::Api', 'ChatApi');
    const groups = resources(json, 'AWS::Logs::LogGroup').filter(([, g]) => g.Properties.LogGroupName !== undefined);
    expect(groups).toHaveLength(1);
    const [groupId, group] = groups[0];
    expect(group.Properties.LogGroupName).toEqual({ 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: apiId }, `/${stageName}`]] });
    expect(group.Properties.KmsKeyId).toBeDefined();
    expect(group.Properties.RetentionInDays).toBeGreaterThanOrEqual(365);
    expect(createdBefore(json, groupId, logicalId(json, 'AWS::ApiGatewayV2::Stage', 'ChatStage'))).toBe(true);
    expect(JSON.stringify(json)).not.toContain('/aws/apigateway/');
    expect(readinessFindings(stack).filter((f) => f.rule === 'ExecutionLogGroup')).toEqual([]);
  });
});

/**
 * API Gateway invokes a WebSocket REQUEST authorizer only when every identity source is present and non-empty;
 * otherwise it answers 401 without calling it
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html,
 * AWS::ApiGatewayV2::Authorizer IdentitySource). A model of that check, over a handshake request.
 */
function authorizerInvoked(identitySources: string[], request: { headers?: Record<string, string>; query?: Record<string, string> }): boolean {
  return identitySources.every((source) => {
    const [, , where, name] = source.split('.');
    const value = where === 'header'
      ? Object.entries(request.headers ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1]
      : request.query?.[name];
    return typeof value === 'string' && value.length > 0;
  });
}

describe('token transport: identity sources, authorizer and docs agree (issue 9 item 10)', () => {
  const jwtConfig = (json: Built['json']) => parseConfig(environmentOf(json, 'ChatJwtAuthorizerFunction'));
  const sources = (json: Built['json']) => resources(json, 'AWS::ApiGatewayV2::Authorizer')[0][1].Properties.IdentitySource as string[];

  test('default: the query-string parameter `token`, the one transport browsers have; a header token never reaches the authorizer', () => {
    const { json } = build();
    expect(sources(json)).toEqual(['route.request.querystring.token']);
    expect(jwtConfig(json).tokenQuery).toBe('token');
    expect(authorizerInvoked(sources(json), { query: { token: 'jwt' } })).toBe(true);
    expect(authorizerInvoked(sources(json), { headers: { Authorization: 'Bearer jwt' } })).toBe(false);
  });

  test('a named query parameter', () => {
    const { json } = build({ tokenSource: ChatTokenSource.queryString('access_token') });
    expect(sources(json)).toEqual(['route.request.querystring.access_token']);
    expect(jwtConfig(json).tokenQuery).toBe('access_token');
  });

  test('header: the authorizer\'s header, its only identity source, and the authorizer reads no query string', () => {
    const { json } = build({ tokenSource: ChatTokenSource.header() });
    expect(sources(json)).toEqual(['route.request.header.Authorization']);
    expect(jwtConfig(json)).toMatchObject({ tokenHeader: 'Authorization', tokenQuery: undefined });
    expect(authorizerInvoked(sources(json), { headers: { authorization: 'Bearer jwt' } })).toBe(true);
    expect(authorizerInvoked(sources(json), { query: { token: 'jwt' } })).toBe(false);
  });

  test('header with a custom JWT header name', () => {
    const { json } = build({
      authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['chat'], headerName: 'X-Chat-Token' }),
      tokenSource: ChatTokenSource.header(),
    });
    expect(sources(json)).toEqual(['route.request.header.X-Chat-Token']);
    expect(jwtConfig(json).tokenHeader).toBe('X-Chat-Token');
  });
});

describe('posts go to the API\'s own execute-api endpoint (issue 9 item 11)', () => {
  test('with a custom domain, CALLBACK_URL is https://{apiId}.execute-api.{region}.{urlSuffix}/{stage} for every function', () => {
    const stack = newStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:111122223333:certificate/abc');
    new WebSocketChatApi(stack, 'Chat', { authorization: JWT(), domain: { domainName: 'chat.example.com', certificate }, stageName: 'live' });
    const json = Template.fromStack(stack).toJSON() as Built['json'];
    const apiId = logicalId(json, 'AWS::ApiGatewayV2::Api', 'ChatApi');
    for (const fn of ['ChatConnectionHandler', 'ChatChatHandler', 'ChatFanOutHandler']) {
      const variables = json.Resources[logicalId(json, 'AWS::Lambda::Function', fn)].Properties.Environment.Variables;
      expect(variables.CALLBACK_URL).toEqual({ 'Fn::Join': ['', ['https://', { Ref: apiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/live']] });
      expect(parseChatEnvironment(environmentOf(json, fn)).callbackUrl).toBe('https://abc123defg.execute-api.eu-west-1.amazonaws.com/live');
    }
    expect(JSON.stringify(json)).not.toMatch(/"CALLBACK_URL":"[^"]*chat\.example\.com/);
  });
});

describe('grantManageConnections (issue 9 item 12)', () => {
  // @connections: POST posts, GET reads a connection's status, DELETE disconnects; each is execute-api:ManageConnections
  // on {apiId}/{stage}/{METHOD}/@connections/{id}
  // (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html).
  test('POST, GET and DELETE on this stage\'s @connections, nothing else', () => {
    const stack = newStack();
    const chat = new WebSocketChatApi(stack, 'Chat', { authorization: ApiAuthorization.iam() });
    const role = new iam.Role(stack, 'Notifier', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    chat.grantManageConnections(role);
    const json = Template.fromStack(stack).toJSON() as Built['json'];
    const statements = resources(json, 'AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('execute-api:ManageConnections');
    const arns = statements[0].Resource.map((r: any) => r['Fn::Join'][1].slice(-1)[0]);
    expect(arns).toEqual(['/prod/POST/@connections/*', '/prod/GET/@connections/*', '/prod/DELETE/@connections/*']);
  });
});

describe('hardening', () => {
  test('one Lambda permission per function per API, scoped to the API (not six per-route permissions)', () => {
    const { json } = build();
    const apiId = logicalId(json, 'AWS::ApiGatewayV2::Api', 'ChatApi');
    const byFunction: Record<string, string[]> = {};
    for (const [, p] of resources(json, 'AWS::Lambda::Permission')) (byFunction[p.Properties.FunctionName['Fn::GetAtt'][0]] ??= []).push(JSON.stringify(p.Properties.SourceArn));
    expect(Object.values(byFunction).map((list) => list.length)).toEqual(Object.keys(byFunction).map(() => 1));
    for (const fn of ['ChatConnectionHandler', 'ChatChatHandler']) {
      const [arn] = byFunction[logicalId(json, 'AWS::Lambda::Function', fn)];
      expect(arn).toContain(`{"Ref":"${apiId}"},"/*"`);
    }
    expect(Object.keys(byFunction)).toHaveLength(3); // connections, messages, JWT authorizer
  });

  test('every route still reaches a function API Gateway may invoke (aws-cdk#38148: shared integrations once lost permissions)', () => {
    const { json } = build();
    const allowed = new Set(resources(json, 'AWS::Lambda::Permission').map(([, p]) => p.Properties.FunctionName['Fn::GetAtt'][0]));
    for (const [, route] of resources(json, 'AWS::ApiGatewayV2::Route')) {
      const integration = json.Resources[route.Properties.Target['Fn::Join'][1][1].Ref];
      expect(allowed.has(integration.Properties.IntegrationUri['Fn::Join'][1][5]['Fn::GetAtt'][0])).toBe(true);
    }
  });

  test('the fan-out queue\'s visibility timeout is at least six times its worker\'s timeout', () => {
    // "set the source queue's visibility timeout to at least six times the timeout that you configure on your
    // function" (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
    const { json } = build();
    const mappings = resources(json, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    for (const [, m] of mappings) {
      const queue = json.Resources[m.Properties.EventSourceArn['Fn::GetAtt'][0]];
      const fn = json.Resources[m.Properties.FunctionName.Ref];
      expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Properties.Timeout);
    }
  });

  test.each([
    ['JWT', {}],
    ['JWT in a header', { tokenSource: ChatTokenSource.header() }],
    ['IAM', { authorization: ApiAuthorization.iam() }],
    ['none', { authorization: ApiAuthorization.none(), stageName: 'dev' }],
  ])('the deploy-readiness check finds nothing: %s', (_name, props) => {
    expect(readinessFindings(build(props).stack)).toEqual([]);
  });
});
