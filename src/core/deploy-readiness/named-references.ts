/**
 * Properties that name other resources by a plain string, which CloudFormation does not read as a dependency:
 * the named resource must nevertheless exist when the referring one is created. Each entry says how to find the
 * named resources; the rule in by-name-order.ts checks they exist and are created first.
 *
 * To add one, append an entry (`stageReference` covers resources that name a stage of an API).
 * Internal.
 */
import { render, sameResource, targetOf } from './intrinsics';
import { ResourceRef, TemplateSet } from './model';
import { CANARY_REMOVAL_RESOURCE_TYPE } from '../../runtime/canary/contract';

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

/** How a resource names a stage of an API: which properties, and which resources count as that stage. */
interface StageNaming {
  readonly type: string;
  readonly what: string;
  readonly error: string;
  readonly source: string;
  /** The properties holding the API and the stage name. */
  readonly apiProperty: string;
  readonly stageProperty: string;
  /** Whether a Deployment with `StageName` counts as the stage (it creates one); false where the stage must pre-exist. */
  readonly deploymentsCreateStages: boolean;
  /** Only resources whose properties pass this are checked. */
  readonly applies?: (props: Record<string, any>) => boolean;
}

/** A reference from one resource to a stage of an API (REST or V2), named by `Ref` or by string. */
function stageReference(naming: StageNaming): NamedReference {
  return {
    type: naming.type,
    what: naming.what,
    targetKind: 'stage',
    error: naming.error,
    source: naming.source,
    names: (templates, ref) => {
      const props = ref.resource.Properties ?? {};
      if (props[naming.stageProperty] === undefined || (naming.applies && !naming.applies(props))) return [];
      const api = targetOf(templates, ref.file, props[naming.apiProperty]);
      if (!api) return undefined;
      const apiOf = (r: ResourceRef) => r.resource.Properties?.RestApiId ?? r.resource.Properties?.ApiId;
      const ofApi = (r: ResourceRef) => sameResource(targetOf(templates, r.file, apiOf(r)), api);
      const types = ['AWS::ApiGateway::Stage', 'AWS::ApiGatewayV2::Stage', ...(naming.deploymentsCreateStages ? ['AWS::ApiGateway::Deployment'] : [])];
      const stages = types.flatMap((t) => templates.resources(t))
        .filter((r) => !sameResource(r, ref) && ofApi(r) && r.resource.Properties?.StageName !== undefined);
      const referenced = targetOf(templates, ref.file, props[naming.stageProperty]);
      const name = referenced ? `${referenced.ref.logicalId} (Ref)` : render(templates, ref.file, props[naming.stageProperty]).text;
      return [{
        name,
        location: `Properties/${naming.stageProperty}`,
        candidates: referenced
          ? stages.filter((r) => sameResource(r, referenced))
          : stages.filter((r) => render(templates, r.file, r.resource.Properties?.StageName).text === name),
      }];
    },
  };
}

const MAPPING_ERROR = 'Invalid stage identifier specified';
const MAPPING_SOURCE = 'https://github.com/aws/aws-cdk/issues/8983; https://github.com/aws/serverless-application-model/issues/192';

/**
 * A custom domain's base path mapping (REST v1, private v2, or an ApiGatewayV2 API mapping, which also maps REST
 * stages for multi-level base paths) names a stage: creating it before the stage fails with "Invalid stage identifier
 * specified" (aws-cdk#8983 / #9078, SAM#192, serverless#4029).
 */
const domainMappingStages: NamedReference[] = [
  { type: 'AWS::ApiGateway::BasePathMapping', apiProperty: 'RestApiId' },
  { type: 'AWS::ApiGateway::BasePathMappingV2', apiProperty: 'RestApiId' },
  { type: 'AWS::ApiGatewayV2::ApiMapping', apiProperty: 'ApiId' },
].map(({ type, apiProperty }) => stageReference({
  type, what: 'mapping stage', error: MAPPING_ERROR, source: MAPPING_SOURCE, apiProperty, stageProperty: 'Stage', deploymentsCreateStages: true,
}));

/**
 * A canary release deployment (`AWS::ApiGateway::Deployment` with `DeploymentCanarySettings`) must name a stage that
 * already exists: "you cannot specify any non-existing stage name when creating a canary release deployment"; the
 * deployment itself does not create it (unlike a plain deployment with `StageName`).
 */
const canaryDeploymentStage = stageReference({
  type: 'AWS::ApiGateway::Deployment',
  what: 'canary deployment StageName',
  error: 'Stage ... must already be created before making a canary release deployment',
  source: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/create-canary-deployment.html; https://github.com/hashicorp/terraform-provider-aws/pull/39929',
  apiProperty: 'RestApiId',
  stageProperty: 'StageName',
  deploymentsCreateStages: false,
  applies: (props) => props.DeploymentCanarySettings !== undefined,
});

/**
 * The library's canary-removal custom resource PATCHes `remove /canarySettings` on a stage it names by string (the
 * removal CloudFormation never does, aws-cdk#33901): run before the stage exists, or before the stage's update, it
 * reads nothing to remove ("NotFoundException: Invalid stage identifier specified") or acts on the old stage.
 */
const canaryRemovalStage = stageReference({
  type: CANARY_REMOVAL_RESOURCE_TYPE,
  what: 'canary removal StageName',
  error: 'Invalid stage identifier specified',
  source: 'https://github.com/aws/aws-cdk/issues/33901; https://docs.aws.amazon.com/apigateway/latest/developerguide/delete-canary-deployment.html',
  apiProperty: 'RestApiId',
  stageProperty: 'StageName',
  deploymentsCreateStages: false,
});

/** Every by-name reference the deploy-readiness check knows. */
export const NAMED_REFERENCES: readonly NamedReference[] = [
  stageRouteSettings, usagePlanStages, ...domainMappingStages, canaryDeploymentStage, canaryRemovalStage,
];
