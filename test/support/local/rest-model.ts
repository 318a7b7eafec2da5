/**
 * The model of one REST API of the assembly, from its `AWS::ApiGateway::*` resources in every stack (nested route
 * stacks included): the resource tree (Resource ParentId / PathPart from the root), the methods with their
 * authorization, request parameters, request validator and JSON-schema models, integration and cache key
 * parameters; the authorizers (type, identity sources, result TTL); gateway responses; the stages with their
 * method settings (throttling, caching). What the front does not model throws NotModelled, unless the caller
 * lets such methods answer 501 (`tolerate`), in which case each is listed in `unmodelled`.
 *
 * Sources: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-method.html,
 * .../aws-resource-apigateway-resource.html, .../aws-resource-apigateway-authorizer.html,
 * .../aws-properties-apigateway-stage-methodsetting.html.
 */
import { CloudAssembly, TemplateResource, allResources } from './assembly';
import { NotModelled, Resolver } from './intrinsics';
import { ThrottleSetting, functionArnOfUri } from './websocket-model';

export interface RestAuthorizerModel {
  readonly resource: TemplateResource;
  readonly id: string;
  readonly type: 'TOKEN' | 'REQUEST' | 'COGNITO_USER_POOLS';
  readonly identitySources: string[];
  readonly ttlSeconds: number;
  readonly validationExpression?: string;
  readonly functionArn?: string;
  readonly providerArns: string[];
}

export type RestIntegrationModel =
  | { readonly type: 'AWS_PROXY'; readonly functionArn: string }
  | { readonly type: 'MOCK'; readonly statusCode: number; readonly headers: Record<string, string> }
  | { readonly type: 'HTTP_PROXY'; readonly uri: string; readonly httpMethod: string; readonly requestParameters: Record<string, string> };

export interface RestMethodModel {
  readonly resource: TemplateResource;
  readonly httpMethod: string;
  /** `/orders/{id}`. */
  readonly path: string;
  readonly authorizationType: string;
  readonly authorizer?: RestAuthorizerModel;
  readonly scopes: string[];
  readonly apiKeyRequired: boolean;
  readonly requestParameters: Record<string, boolean>;
  readonly validateBody: boolean;
  readonly validateParameters: boolean;
  /** Content type -> JSON schema (draft 4). */
  readonly models: Record<string, any>;
  readonly integration?: RestIntegrationModel;
  readonly cacheKeyParameters: string[];
  /** Why this method answers 501 (only with `tolerate`). */
  readonly unmodelled?: string;
}

export interface RestMethodSetting {
  readonly resourcePath: string;
  readonly httpMethod: string;
  readonly throttle?: ThrottleSetting;
  readonly cachingEnabled?: boolean;
  readonly cacheTtlSeconds?: number;
  /** Set by UpdateStage (the control-plane stand-in), as CloudFormation cannot. */
  requireAuthorizationForCacheControl?: boolean;
  unauthorizedCacheControlHeaderStrategy?: string;
}

export interface RestStageModel {
  readonly name: string;
  readonly cacheClusterEnabled: boolean;
  readonly methodSettings: RestMethodSetting[];
  readonly variables: Record<string, string>;
  /** Why the stage's canary is not modelled (only with `tolerate`: every request goes to the synthesized model). */
  readonly canary?: string;
}

export interface RestApiModel {
  readonly resource: TemplateResource;
  readonly apiId: string;
  readonly methods: RestMethodModel[];
  readonly stages: RestStageModel[];
  /** Response type -> status, headers, templates. */
  readonly gatewayResponses: Record<string, { statusCode?: number; headers: Record<string, string>; templates: Record<string, string> }>;
}

const where = (r: TemplateResource) => `${r.stack.path}/${r.logicalId}`;
/** A static mapping value `'text'` (anything else is a mapping expression the front does not model). */
const literal = (value: string, at: string) => {
  const m = /^'(.*)'$/.exec(value);
  if (!m) throw new NotModelled(at, `the mapping expression ${value}`);
  return m[1];
};

function authorizerModel(resolver: Resolver, a: TemplateResource): RestAuthorizerModel {
  const p = resolver.resolve(a.stack, a.properties, where(a));
  const type = String(p.Type);
  if (type !== 'TOKEN' && type !== 'REQUEST' && type !== 'COGNITO_USER_POOLS') throw new NotModelled(where(a), `the authorizer type ${type}`);
  const identitySources = String(p.IdentitySource ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of identitySources) {
    if (!/^(?:method\.request\.(?:header|querystring)\.[^.]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$/.test(s)) {
      throw new NotModelled(where(a), `the identity source ${s}`);
    }
  }
  return {
    resource: a,
    id: resolver.physicalOf(a).ref,
    type,
    identitySources,
    ttlSeconds: Number(p.AuthorizerResultTtlInSeconds ?? 300),
    validationExpression: p.IdentityValidationExpression,
    functionArn: p.AuthorizerUri ? functionArnOfUri(String(p.AuthorizerUri), where(a)) : undefined,
    providerArns: (p.ProviderARNs ?? []) as string[],
  };
}

function integrationModel(i: any, at: string): RestIntegrationModel {
  switch (i?.Type) {
    case 'AWS_PROXY':
      return { type: 'AWS_PROXY', functionArn: functionArnOfUri(String(i.Uri), at) };
    case 'HTTP_PROXY':
      return { type: 'HTTP_PROXY', uri: String(i.Uri), httpMethod: String(i.IntegrationHttpMethod ?? 'ANY'), requestParameters: i.RequestParameters ?? {} };
    case 'MOCK': {
      const template = i.RequestTemplates?.['application/json'] ?? '{"statusCode": 200}';
      const status = /"?statusCode"?\s*:\s*(\d{3})/.exec(template);
      if (!status || Object.keys(i.RequestTemplates ?? {}).some((k) => k !== 'application/json')) throw new NotModelled(at, `the MOCK request template ${JSON.stringify(i.RequestTemplates)}`);
      const response = ((i.IntegrationResponses ?? []) as any[]).find((r) => String(r.StatusCode) === status[1]);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries<string>(response?.ResponseParameters ?? {})) {
        headers[k.replace(/^method\.response\.header\./, '')] = literal(v, at);
      }
      return { type: 'MOCK', statusCode: Number(status[1]), headers };
    }
    default:
      throw new NotModelled(at, `the integration type ${i?.Type}`);
  }
}

/** The models of every REST API of the assembly; `tolerate` turns unmodelled methods into 501 answers. */
export function restModels(assembly: CloudAssembly, resolver: Resolver, tolerate: boolean = false): RestApiModel[] {
  return allResources(assembly, 'AWS::ApiGateway::RestApi').map((api) => restModel(assembly, resolver, api, tolerate));
}

export function restModel(assembly: CloudAssembly, resolver: Resolver, api: TemplateResource, tolerate: boolean): RestApiModel {
  const apiId = resolver.physicalOf(api).ref;
  const root = resolver.physicalOf(api).attributes.RootResourceId;
  for (const p of ['Body', 'BodyS3Location']) if (api.properties[p] !== undefined) throw new NotModelled(where(api), `an API defined by ${p}`);
  const of = (type: string) =>
    allResources(assembly, type).filter((r) => resolver.resolveString(r.stack, r.properties.RestApiId, where(r)) === apiId);
  const tree = new Map<string, { parent: string; part: string }>();
  for (const r of of('AWS::ApiGateway::Resource')) {
    const parent = resolver.resolveString(r.stack, r.properties.ParentId, where(r));
    tree.set(resolver.physicalOf(r).ref, { parent, part: resolver.resolveString(r.stack, r.properties.PathPart, where(r)) });
  }
  const pathOf = (id: string, at: string): string => {
    if (id === root) return '';
    const node = tree.get(id);
    if (!node) throw new NotModelled(at, `the resource ${id}, which is not in the API's tree`);
    return `${pathOf(node.parent, at)}/${node.part}`;
  };
  const authorizers = new Map(of('AWS::ApiGateway::Authorizer').map((a) => [resolver.physicalOf(a).ref, a]));
  const validators = new Map(of('AWS::ApiGateway::RequestValidator').map((v) => [resolver.physicalOf(v).ref, v.properties]));
  const models = new Map(of('AWS::ApiGateway::Model').map((m) => [resolver.physicalOf(m).ref, resolver.resolve(m.stack, m.properties.Schema, where(m))]));
  const methods: RestMethodModel[] = of('AWS::ApiGateway::Method').map((m) => {
    const at = where(m);
    const p = resolver.resolve(m.stack, m.properties, at);
    const path = pathOf(String(p.ResourceId), at) || '/';
    const base = { resource: m, httpMethod: String(p.HttpMethod), path, authorizationType: String(p.AuthorizationType ?? 'NONE') };
    try {
      const validator = p.RequestValidatorId ? validators.get(String(p.RequestValidatorId)) : undefined;
      const requestModels: Record<string, any> = {};
      for (const [contentType, name] of Object.entries<string>(p.RequestModels ?? {})) {
        if (!models.has(name)) throw new NotModelled(at, `the model ${name}, which is not a model of the API`);
        requestModels[contentType] = models.get(name);
      }
      if (!['NONE', 'CUSTOM', 'COGNITO_USER_POOLS'].includes(base.authorizationType)) throw new NotModelled(at, `${base.authorizationType} authorization`);
      const authorizer = p.AuthorizerId ? authorizerModel(resolver, authorizers.get(String(p.AuthorizerId)) ?? (() => { throw new NotModelled(at, `the authorizer ${p.AuthorizerId}`); })()) : undefined;
      if (p.ApiKeyRequired) throw new NotModelled(at, 'API keys and usage plans');
      return {
        ...base,
        authorizer,
        scopes: (p.AuthorizationScopes ?? []) as string[],
        apiKeyRequired: false,
        requestParameters: p.RequestParameters ?? {},
        validateBody: Boolean(validator?.ValidateRequestBody),
        validateParameters: Boolean(validator?.ValidateRequestParameters),
        models: requestModels,
        integration: integrationModel(p.Integration, at),
        cacheKeyParameters: (p.Integration?.CacheKeyParameters ?? []) as string[],
      };
    } catch (e) {
      if (!tolerate || !(e instanceof NotModelled)) throw e;
      const none = { scopes: [], requestParameters: {}, models: {}, cacheKeyParameters: [] };
      return { ...base, ...none, apiKeyRequired: false, validateBody: false, validateParameters: false, unmodelled: e.message };
    }
  });
  const gatewayResponses: RestApiModel['gatewayResponses'] = {};
  for (const g of of('AWS::ApiGateway::GatewayResponse')) {
    const p = resolver.resolve(g.stack, g.properties, where(g));
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries<string>(p.ResponseParameters ?? {})) headers[k.replace(/^gatewayresponse\.header\./, '')] = literal(v, where(g));
    const statusCode = p.StatusCode ? Number(p.StatusCode) : undefined;
    gatewayResponses[String(p.ResponseType)] = { statusCode, headers, templates: p.ResponseTemplates ?? {} };
  }
  const stages: RestStageModel[] = of('AWS::ApiGateway::Stage').map((s) => {
    // A canary splits a stage's traffic between two deployments; the fronts serve one model (the synthesized one),
    // so CanarySetting is not even resolved (its values may come from deploy-time custom resources).
    const { CanarySetting: canarySetting, ...properties } = s.properties;
    const p = resolver.resolve(s.stack, properties, where(s));
    const canaryWhat = `the canary (CanarySetting) of stage ${String(p.StageName)}`;
    if (canarySetting !== undefined && !tolerate) throw new NotModelled(where(s), canaryWhat);
    const canary = canarySetting !== undefined
      ? `${canaryWhat} is not modelled: every request is served by the synthesized deployment, with the stage's own variables`
      : undefined;
    const methodSettings = ((p.MethodSettings ?? []) as any[]).map((ms) => ({
      resourcePath: String(ms.ResourcePath ?? '/*'),
      httpMethod: String(ms.HttpMethod ?? '*'),
      throttle: ms.ThrottlingRateLimit !== undefined || ms.ThrottlingBurstLimit !== undefined
        ? { rateLimit: Number(ms.ThrottlingRateLimit ?? 10_000), burstLimit: Number(ms.ThrottlingBurstLimit ?? 5_000) }
        : undefined,
      cachingEnabled: ms.CachingEnabled,
      cacheTtlSeconds: ms.CacheTtlInSeconds !== undefined ? Number(ms.CacheTtlInSeconds) : undefined,
    }));
    return { name: String(p.StageName), cacheClusterEnabled: Boolean(p.CacheClusterEnabled), methodSettings, variables: p.Variables ?? {}, canary };
  });
  if (stages.length === 0) throw new NotModelled(where(api), 'a REST API without a stage');
  return { resource: api, apiId, methods, stages, gatewayResponses };
}
