/**
 * Deploy readiness, ordering and naming: resources named by string that must be created first, API Gateway's
 * control-plane rates across nested stacks, retained resources with fixed names, reserved concurrency.
 */
import { Aws, CfnResource, Fn, NestedStack, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { findingsOf, stack } from './deploy-readiness/support';

function webSocketApi(s: Stack, routeKeys: string[]): { api: apigatewayv2.CfnApi; routes: apigatewayv2.CfnRoute[] } {
  const api = new apigatewayv2.CfnApi(s, 'Api', { name: 'chat', protocolType: 'WEBSOCKET', routeSelectionExpression: '$request.body.action' });
  const routes = routeKeys.map((routeKey, i) => new apigatewayv2.CfnRoute(s, `Route${i}`, { apiId: api.ref, routeKey }));
  return { api, routes };
}

function stageWithSettings(s: Stack, api: apigatewayv2.CfnApi, keys: string[]): apigatewayv2.CfnStage {
  return new apigatewayv2.CfnStage(s, 'Stage', {
    apiId: api.ref,
    stageName: 'prod',
    routeSettings: Object.fromEntries(keys.map((k) => [k, { throttlingRateLimit: 100, throttlingBurstLimit: 200 }])),
  });
}

describe('ByNameOrder: WebSocket stage RouteSettings', () => {
  // CreateStage fails with "Unable to find Route by key <key> within the provided RouteSettings" when a
  // RouteSettings key names a route that does not exist yet; CloudFormation orders only by references
  // (https://github.com/terraform-aws-modules/terraform-aws-apigateway-v2/pull/80; issue 9 item 1).
  test('a stage whose RouteSettings name a route it does not depend on is found', () => {
    const s = stack();
    const { api } = webSocketApi(s, ['sendmessage']);
    stageWithSettings(s, api, ['sendmessage']);
    expect(findingsOf(s, 'ByNameOrder')).toEqual([
      {
        rule: 'ByNameOrder',
        path: 'Test/Stage',
        message: 'Test/Stage: RouteSettings key "sendmessage" names route Test/Route0, which it does not depend on, so CloudFormation may create it first (Unable to find Route by key ... within the provided RouteSettings)',
      },
    ]);
  });

  test('a direct or a transitive dependency (stage -> deployment -> route) passes', () => {
    const direct = stack();
    const a = webSocketApi(direct, ['sendmessage']);
    stageWithSettings(direct, a.api, ['sendmessage']).addResourceDependency(a.routes[0]);
    expect(findingsOf(direct, 'ByNameOrder')).toEqual([]);

    const transitive = stack();
    const b = webSocketApi(transitive, ['sendmessage', '$connect']);
    const deployment = new apigatewayv2.CfnDeployment(transitive, 'Deployment', { apiId: b.api.ref });
    for (const r of b.routes) deployment.addResourceDependency(r);
    const stage = stageWithSettings(transitive, b.api, ['sendmessage', '$connect']);
    stage.deploymentId = deployment.ref;
    expect(findingsOf(transitive, 'ByNameOrder')).toEqual([]);
  });

  test('a key that names no route of the API is found, even when another API has it', () => {
    const s = stack();
    const { api } = webSocketApi(s, ['sendmessage']);
    const other = new apigatewayv2.CfnApi(s, 'Other', { name: 'other', protocolType: 'WEBSOCKET', routeSelectionExpression: '$request.body.action' });
    new apigatewayv2.CfnRoute(s, 'OtherRoute', { apiId: other.ref, routeKey: 'typing' });
    stageWithSettings(s, api, ['typing']);
    expect(findingsOf(s, 'ByNameOrder')).toEqual([expect.objectContaining({ message: expect.stringContaining('RouteSettings key "typing" names no route of the app') })]);
  });

  test('a route in a nested stack the stage depends on passes; one in a parallel nested stack is found', () => {
    const build = (ordered: boolean) => {
      const s = stack();
      const api = new apigatewayv2.CfnApi(s, 'Api', { name: 'chat', protocolType: 'WEBSOCKET', routeSelectionExpression: '$request.body.action' });
      const routes = new NestedStack(s, 'Routes');
      new apigatewayv2.CfnRoute(routes, 'Route', { apiId: api.ref, routeKey: 'sendmessage' });
      const stage = stageWithSettings(s, api, ['sendmessage']);
      if (ordered) stage.addResourceDependency(routes.nestedStackResource!);
      return s;
    };
    expect(findingsOf(build(true), 'ByNameOrder')).toEqual([]);
    expect(findingsOf(build(false), 'ByNameOrder')).toHaveLength(1);
  });
});

describe('ApiGatewayNestedStackOrder', () => {
  // API Gateway's control plane: about 10 requests/s per account, CreateResource 5/s, fixed
  // (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html). Parallel nested stacks of API
  // objects fail with 429 and fail their rollback too (aws-cdk#22229).
  const nestedWithModels = (s: Stack, id: string, count: number) => {
    const nested = new NestedStack(s, id);
    for (let i = 0; i < count; i++) new CfnResource(nested, `Model${i}`, { type: 'AWS::ApiGateway::Model', properties: { RestApiId: 'a1b2c3d4e5', ContentType: 'application/json', Schema: {} } });
    return nested;
  };

  test('two nested stacks of API Gateway objects with no order between them are found', () => {
    const s = stack();
    nestedWithModels(s, 'A', 3);
    nestedWithModels(s, 'B', 2);
    expect(findingsOf(s, 'ApiGatewayNestedStackOrder')).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^Test\/A\.NestedStack\/A\.NestedStackResource: this nested stack \(3 API Gateway objects\) and Test\/B\.NestedStack\/B\.NestedStackResource \(2\) may be created at the same time/) }),
    ]);
  });

  test('a chain passes, and nested stacks without API Gateway objects may run in parallel', () => {
    const s = stack();
    const a = nestedWithModels(s, 'A', 3);
    const b = nestedWithModels(s, 'B', 2);
    const c = nestedWithModels(s, 'C', 1);
    b.nestedStackResource!.addResourceDependency(a.nestedStackResource!);
    c.nestedStackResource!.addResourceDependency(b.nestedStackResource!);
    new CfnResource(new NestedStack(s, 'Other'), 'Queue', { type: 'AWS::SQS::Queue' });
    expect(findingsOf(s, 'ApiGatewayNestedStackOrder')).toEqual([]);
  });
});

describe('RetainedFixedName', () => {
  // DeletionPolicy Retain keeps the resource after `cdk destroy`; a literal name then collides on the next
  // deployment ("already exists") (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
  const group = (s: Stack, logGroupName: string | undefined, removalPolicy = RemovalPolicy.RETAIN) => new logs.LogGroup(s, 'Logs', { logGroupName, removalPolicy });

  test('a retained log group with a literal name, or a name from the stack name alone, is found (issue 9 item 5)', () => {
    const s = stack();
    group(s, 'aws-waf-logs-Test-Api-Firewall');
    expect(findingsOf(s, 'RetainedFixedName')).toEqual([
      {
        rule: 'RetainedFixedName',
        path: 'Test/Logs/Resource',
        message: 'Test/Logs/Resource: retained (DeletionPolicy Retain) with the fixed LogGroupName "aws-waf-logs-Test-Api-Firewall", so the next deployment after a destroy fails with "already exists"',
      },
    ]);
    const byStackName = stack();
    group(byStackName, `aws-waf-logs-${Aws.STACK_NAME}`);
    expect(findingsOf(byStackName, 'RetainedFixedName')).toHaveLength(1);
  });

  test('a name with a per-deployment part (a resource id, AWS::StackId), a generated name, or no retention passes', () => {
    const s = stack();
    const api = new apigatewayv2.CfnApi(s, 'Api', { name: 'chat', protocolType: 'WEBSOCKET', routeSelectionExpression: '$request.body.action' });
    new logs.LogGroup(s, 'ByApi', { logGroupName: `API-Gateway-Execution-Logs_${api.ref}/prod`, removalPolicy: RemovalPolicy.RETAIN });
    new logs.LogGroup(s, 'ByStackId', { logGroupName: `aws-waf-logs-${Fn.select(2, Fn.split('/', Aws.STACK_ID))}`, removalPolicy: RemovalPolicy.RETAIN });
    new logs.LogGroup(s, 'Generated', { removalPolicy: RemovalPolicy.RETAIN });
    new logs.LogGroup(s, 'Destroyed', { logGroupName: 'fixed', removalPolicy: RemovalPolicy.DESTROY });
    expect(findingsOf(s, 'RetainedFixedName')).toEqual([]);
  });
});

describe('ReservedConcurrency', () => {
  // Lambda keeps 100 unreserved concurrent executions per account and new accounts may have a quota of 10 or 50
  // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html): any reservation can fail.
  const fn = (s: Stack, reservedConcurrentExecutions?: number) =>
    new lambda.Function(s, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('x'), reservedConcurrentExecutions });

  test('any reservation is found; none passes', () => {
    const s = stack();
    fn(s, 5);
    expect(findingsOf(s, 'ReservedConcurrency')).toEqual([
      expect.objectContaining({ path: 'Test/Fn/Resource', message: expect.stringMatching(/^Test\/Fn\/Resource: reserves 5 concurrent executions/) }),
    ]);
    const none = stack();
    fn(none);
    expect(findingsOf(none, 'ReservedConcurrency')).toEqual([]);
  });
});
