/**
 * Properties that name other resources by a plain string, which CloudFormation does not read as a dependency:
 * the named resource must nevertheless exist when the referring one is created. Each entry says how to find the
 * named resources; the rule in by-name-order.ts checks they exist and are created first.
 *
 * To add one (usage plan stages, base path mappings, canary deployments -> their stage), append an entry.
 * Internal.
 */
import { render, sameResource, targetOf } from './intrinsics';
import { ResourceRef, TemplateSet } from './model';

/** One name a resource uses, and the resources in the templates that carry it. */
export interface NamedTarget {
  readonly name: string;
  readonly location: string;
  readonly candidates: readonly ResourceRef[];
}

/** A property of one resource type that names other resources by string. */
export interface NamedReference {
  /** The referring resource type. */
  readonly type: string;
  /** What the name is, for messages (e.g. `RouteSettings key`). */
  readonly what: string;
  /** What the named resource is, for messages (e.g. `route`). */
  readonly targetKind: string;
  /** The API error when the order is wrong. */
  readonly error: string;
  /** The source of the fact. */
  readonly source: string;
  /** The names a referring resource uses; undefined when its scope (e.g. an imported API) is not in the templates. */
  names(templates: TemplateSet, ref: ResourceRef): NamedTarget[] | undefined;
}

/**
 * A WebSocket (or HTTP) stage's `RouteSettings` are keyed by route key; CreateStage fails with "Unable to find
 * Route by key <key> within the provided RouteSettings" unless those routes exist.
 */
const stageRouteSettings: NamedReference = {
  type: 'AWS::ApiGatewayV2::Stage',
  what: 'RouteSettings key',
  targetKind: 'route',
  error: 'Unable to find Route by key ... within the provided RouteSettings',
  source: 'https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename-routesettings-routekey.html; https://github.com/terraform-aws-modules/terraform-aws-apigateway-v2/pull/80',
  names: (templates, stage) => {
    const props = stage.resource.Properties ?? {};
    const api = targetOf(templates, stage.file, props.ApiId);
    const settings = props.RouteSettings;
    if (!api || typeof settings !== 'object' || settings === null || Array.isArray(settings)) return api ? [] : undefined;
    const routes = templates
      .resources('AWS::ApiGatewayV2::Route')
      .filter((r) => sameResource(targetOf(templates, r.file, r.resource.Properties?.ApiId), api));
    return Object.keys(settings).map((name) => ({
      name,
      location: `Properties/RouteSettings/${name}`,
      candidates: routes.filter((r) => render(templates, r.file, r.resource.Properties?.RouteKey).text === name),
    }));
  },
};

/**
 * A REST usage plan's `ApiStages[].Stage` names a stage of the API: CreateUsagePlan fails with "Invalid API Stage
 * {api: ..., stage: ...} specified for usageplan" (or "API Stage not found") while that stage does not exist.
 * A Ref to the stage orders them; a literal name does not (aws-cdk#6169, serverless#2831, SAM#32).
 */
const usagePlanStages: NamedReference = {
  type: 'AWS::ApiGateway::UsagePlan',
  what: 'ApiStages stage',
  targetKind: 'stage',
  error: 'Invalid API Stage {api: ..., stage: ...} specified for usageplan',
  source: 'https://github.com/aws/aws-cdk/issues/6169; https://github.com/serverless/serverless/issues/2831; https://github.com/aws/serverless-application-model/issues/32',
  names: (templates, plan) => {
    const apiStages = plan.resource.Properties?.ApiStages;
    if (!Array.isArray(apiStages)) return [];
    const named: NamedTarget[] = [];
    apiStages.forEach((entry, i) => {
      const api = targetOf(templates, plan.file, entry?.ApiId);
      if (!api) return;
      const referenced = targetOf(templates, plan.file, entry?.Stage);
      const name = referenced ? `${referenced.ref.logicalId} (Ref)` : render(templates, plan.file, entry?.Stage).text;
      const ofApi = (r: ResourceRef) => sameResource(targetOf(templates, r.file, r.resource.Properties?.RestApiId), api);
      const stages = [...templates.resources('AWS::ApiGateway::Stage'), ...templates.resources('AWS::ApiGateway::Deployment')]
        .filter((r) => ofApi(r) && r.resource.Properties?.StageName !== undefined);
      named.push({
        name,
        location: `Properties/ApiStages/${i}/Stage`,
        candidates: referenced
          ? stages.filter((r) => sameResource(r, referenced))
          : stages.filter((r) => render(templates, r.file, r.resource.Properties?.StageName).text === name),
      });
    });
    return named;
  },
};

/** Every by-name reference the deploy-readiness check knows. */
export const NAMED_REFERENCES: readonly NamedReference[] = [stageRouteSettings, usagePlanStages];
