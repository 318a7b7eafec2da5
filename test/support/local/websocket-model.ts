/**
 * The model of one WebSocket API of the assembly, read from its `AWS::ApiGatewayV2::*` resources: route
 * selection expression, routes and their keys, the `$connect` authorizer (type, identity sources, function),
 * each route's Lambda proxy integration and function, and the stages with their default and per-route
 * throttles. What the local front does not model makes `webSocketModel` throw NotModelled.
 *
 * Sources: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-route.html,
 * .../aws-resource-apigatewayv2-integration.html, .../aws-resource-apigatewayv2-authorizer.html,
 * .../aws-properties-apigatewayv2-stage-routesettings.html.
 */
import { TemplateResource, allResources, CloudAssembly } from './assembly';
import { NotModelled, Resolver } from './intrinsics';

export interface ThrottleSetting {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface WebSocketAuthorizerModel {
  readonly resource: TemplateResource;
  readonly id: string;
  /** `route.request.header.X` / `route.request.querystring.X`. */
  readonly identitySources: string[];
  /** ARN of the authorizer function. */
  readonly functionArn: string;
}

export interface WebSocketRouteModel {
  readonly resource: TemplateResource;
  readonly routeKey: string;
  readonly authorizationType: 'NONE' | 'CUSTOM';
  readonly authorizer?: WebSocketAuthorizerModel;
  /** ARN of the function behind the route's AWS_PROXY integration. */
  readonly functionArn: string;
}

export interface WebSocketStageModel {
  readonly name: string;
  readonly defaultThrottle?: ThrottleSetting;
  readonly routeThrottles: Record<string, ThrottleSetting>;
}

export interface WebSocketApiModel {
  readonly resource: TemplateResource;
  readonly apiId: string;
  /** Property path of `$request.body.<path>`. */
  readonly selectionPath: string[];
  readonly routes: Map<string, WebSocketRouteModel>;
  readonly stages: WebSocketStageModel[];
}

const LAMBDA_URI = /^arn:[a-z-]+:apigateway:[a-z0-9-]+:lambda:path\/2015-03-31\/functions\/(arn:[^/]+)\/invocations$/;

/** The function ARN of a Lambda proxy integration or authorizer URI. */
export function functionArnOfUri(uri: string, where: string): string {
  const m = LAMBDA_URI.exec(uri);
  if (!m) throw new NotModelled(where, `the integration URI ${uri} (only Lambda functions)`);
  return m[1];
}

function throttleOf(settings: any): ThrottleSetting | undefined {
  if (!settings || (settings.ThrottlingRateLimit === undefined && settings.ThrottlingBurstLimit === undefined)) return undefined;
  return { rateLimit: Number(settings.ThrottlingRateLimit ?? 10_000), burstLimit: Number(settings.ThrottlingBurstLimit ?? 5_000) };
}

const byApi = (resolver: Resolver, r: TemplateResource, apiId: string, where: string) =>
  resolver.resolveString(r.stack, r.properties.ApiId, where) === apiId;

/** The models of every WebSocket API in the assembly. */
export function webSocketModels(assembly: CloudAssembly, resolver: Resolver): WebSocketApiModel[] {
  return allResources(assembly, 'AWS::ApiGatewayV2::Api')
    .filter((r) => r.properties.ProtocolType === 'WEBSOCKET')
    .map((api) => webSocketModel(assembly, resolver, api));
}

export function webSocketModel(assembly: CloudAssembly, resolver: Resolver, api: TemplateResource): WebSocketApiModel {
  const where = `${api.stack.path}/${api.logicalId}`;
  const apiId = resolver.physicalOf(api).ref;
  const expression = String(resolver.resolve(api.stack, api.properties.RouteSelectionExpression, where));
  const m = /^\$\{?request\.body\.([A-Za-z0-9_$.-]+?)\}?$/.exec(expression);
  if (!m) throw new NotModelled(where, `the route selection expression ${expression}`);
  for (const p of ['Body', 'BodyS3Location']) if (api.properties[p] !== undefined) throw new NotModelled(where, `an API defined by ${p}`);
  const of = (type: string) => allResources(assembly, type).filter((r) => byApi(resolver, r, apiId, `${r.stack.path}/${r.logicalId}`));
  for (const type of ['AWS::ApiGatewayV2::RouteResponse', 'AWS::ApiGatewayV2::IntegrationResponse', 'AWS::ApiGatewayV2::Model']) {
    const found = of(type)[0];
    if (found) throw new NotModelled(`${found.stack.path}/${found.logicalId}`, `${type} (two-way routes and models)`);
  }
  const integrations = new Map(of('AWS::ApiGatewayV2::Integration').map((i) => [resolver.physicalOf(i).ref, i]));
  const authorizers = new Map(of('AWS::ApiGatewayV2::Authorizer').map((a) => [resolver.physicalOf(a).ref, a]));
  const routes = new Map<string, WebSocketRouteModel>();
  for (const route of of('AWS::ApiGatewayV2::Route')) {
    const rw = `${route.stack.path}/${route.logicalId}`;
    const p = resolver.resolve(route.stack, route.properties, rw);
    if (p.ApiKeyRequired) throw new NotModelled(rw, 'ApiKeyRequired on a WebSocket route');
    if (p.RouteResponseSelectionExpression) throw new NotModelled(rw, 'RouteResponseSelectionExpression (two-way routes)');
    if (p.RequestModels || p.ModelSelectionExpression) throw new NotModelled(rw, 'request models');
    const target = /^integrations\/(.+)$/.exec(String(p.Target ?? ''));
    const integration = target ? integrations.get(target[1]) : undefined;
    if (!integration) throw new NotModelled(rw, `the target ${JSON.stringify(p.Target)} (a route without an integration of this API)`);
    const iw = `${integration.stack.path}/${integration.logicalId}`;
    const ip = resolver.resolve(integration.stack, integration.properties, iw);
    if (ip.IntegrationType !== 'AWS_PROXY') throw new NotModelled(iw, `the integration type ${ip.IntegrationType}`);
    const authorizationType = String(p.AuthorizationType ?? 'NONE');
    if (authorizationType !== 'NONE' && authorizationType !== 'CUSTOM') throw new NotModelled(rw, `the authorization type ${authorizationType}`);
    let authorizer: WebSocketAuthorizerModel | undefined;
    if (authorizationType === 'CUSTOM') {
      if (p.RouteKey !== '$connect') throw new NotModelled(rw, 'an authorizer on a route other than $connect (API Gateway refuses it)');
      const a = authorizers.get(String(p.AuthorizerId));
      if (!a) throw new NotModelled(rw, `the authorizer ${p.AuthorizerId}, which is not one of this API`);
      const aw = `${a.stack.path}/${a.logicalId}`;
      const ap = resolver.resolve(a.stack, a.properties, aw);
      if (ap.AuthorizerType !== 'REQUEST') throw new NotModelled(aw, `the authorizer type ${ap.AuthorizerType}`);
      const sources = (ap.IdentitySource ?? []) as string[];
      for (const s of sources) {
        if (!/^route\.request\.(?:header|querystring)\.[^.]+$/.test(s)) throw new NotModelled(aw, `the identity source ${s}`);
      }
      const functionArn = functionArnOfUri(String(ap.AuthorizerUri), aw);
      authorizer = { resource: a, id: resolver.physicalOf(a).ref, identitySources: sources, functionArn };
    }
    const functionArn = functionArnOfUri(String(ip.IntegrationUri), iw);
    routes.set(String(p.RouteKey), { resource: route, routeKey: String(p.RouteKey), authorizationType, authorizer, functionArn });
  }
  const stages = of('AWS::ApiGatewayV2::Stage').map((s) => {
    const sw = `${s.stack.path}/${s.logicalId}`;
    const p = resolver.resolve(s.stack, s.properties, sw);
    const routeThrottles: Record<string, ThrottleSetting> = {};
    for (const [key, settings] of Object.entries<any>(p.RouteSettings ?? {})) {
      // API Gateway refuses route settings for routes that do not exist ("Unable to find Route by key").
      if (!routes.has(key)) throw new NotModelled(sw, `RouteSettings for the route ${key}, which the API does not have (the deployment would fail)`);
      const t = throttleOf(settings);
      if (t) routeThrottles[key] = t;
    }
    return { name: String(p.StageName), defaultThrottle: throttleOf(p.DefaultRouteSettings), routeThrottles };
  });
  if (stages.length === 0) throw new NotModelled(where, 'a WebSocket API without a stage');
  return { resource: api, apiId, selectionPath: m[1].split('.'), routes, stages };
}
