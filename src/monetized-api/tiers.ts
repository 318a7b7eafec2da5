/**
 * Tiers as usage plans. Internal to MonetizedApi.
 *
 * - Each tier is one `AWS::ApiGateway::UsagePlan` whose `ApiStages[].Stage` is a Ref to the stage: a literal name
 *   would let CloudFormation create the plan before the stage ("Invalid API Stage ... specified for usageplan",
 *   aws-cdk#6169), and a renamed (replaced) stage would leave the plan on the old name.
 * - Per-route throttles are keyed `/{resourcePath}/{HTTP_METHOD}` (`ThrottleSettings` map of `ApiStage.Throttle`,
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigateway-usageplan-apistage.html);
 *   0/0 is written as it is (aws-cdk#10071 dropped it); API Gateway refuses them without a plan-level throttle
 *   (aws-cdk#6411), so that is a synth error.
 * - Numbers follow docs/limits.md: rate >= 0, burst and quota integers >= 0, period DAY/WEEK/MONTH.
 * The stages and per-route throttles are rendered when the template is, so stages and routes added after the
 * tier are covered.
 */
import { Lazy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Construct, IConstruct } from 'constructs';
import { UsageTier } from './monetized-api-props';
import { checkCount, checkOneOf, checkPattern, checkRange, fail, warn } from '../core/private/validation';
import { validateThrottle } from '../core/throttle';
import { RestStage } from '../rest/rest-stage';
import { PRODUCT_CODE, TIER_NAME } from '../runtime/monetized/contract';

/** API Gateway's usage plans per account and region (docs/limits.md); the warning comes at 80 %. */
export const USAGE_PLANS_PER_REGION = 300;
export const USAGE_PLAN_WARNING = 240;

/** What a tier's plan needs from its API. */
export interface TierContext {
  readonly api: apigateway.RestApi;
  readonly stages: () => RestStage[];
  /** The API's routes as `METHOD /path`. */
  readonly routes: () => string[];
}

/** Checks a tier's own fields (stages and routes are checked once the API is complete). */
export function validateTier(scope: IConstruct, tier: UsageTier, existing: readonly string[]): void {
  checkPattern(scope, 'tiers.name', tier.name, TIER_NAME, 'must be 1-64 letters, digits, "-" or "_"');
  if (existing.includes(tier.name)) fail(scope, 'tiers.name', tier.name, 'must be unique among the API\'s tiers');
  const prop = `tier ${tier.name}`;
  validateThrottle(scope, `${prop} throttle`, tier.throttle);
  if (tier.quota) {
    checkRange(scope, `${prop} quota.limit`, tier.quota.limit, { min: 0, integer: true });
    checkOneOf(scope, `${prop} quota.period`, tier.quota.period, [apigateway.Period.DAY, apigateway.Period.WEEK, apigateway.Period.MONTH]);
    checkRange(scope, `${prop} quota.offset`, tier.quota.offset, { min: 0, integer: true });
  }
  const routeThrottles = Object.entries(tier.routeThrottles ?? {});
  if (routeThrottles.length && !tier.throttle) {
    fail(scope, `${prop} routeThrottles`, routeThrottles.map(([r]) => r).join(', '),
      'need a tier throttle too: API Gateway refuses per-method throttles without a plan-level one (aws-cdk#6411)');
  }
  for (const [route, throttle] of routeThrottles) {
    const parsed = parseRouteKey(route);
    if (!parsed) fail(scope, `${prop} routeThrottles`, route, 'keys must name a route as "METHOD /path", e.g. "GET /pets/{id}"');
    if (parsed.method === 'ANY') fail(scope, `${prop} routeThrottles`, route, 'cannot throttle an ANY route: API Gateway keys method throttles by HTTP method; add the route per method');
    validateThrottle(scope, `${prop} routeThrottles["${route}"]`, throttle);
  }
  if (tier.stages !== undefined) checkCount(scope, `${prop} stages`, tier.stages, { min: 1 });
  if (tier.productCode !== undefined) checkPattern(scope, `${prop} productCode`, tier.productCode, PRODUCT_CODE, 'must be an AWS Marketplace product code (1-255 letters, digits, "-" or "_")');
}

/** `'GET /pets'` as method and path. */
export function parseRouteKey(route: string): { method: string; path: string } | undefined {
  const m = /^([A-Za-z]+) (\/\S*)$/.exec(route.trim());
  return m ? { method: m[1].toUpperCase(), path: m[2] } : undefined;
}

/** API Gateway's per-method throttle key: `/{resourcePath}/{HTTP_METHOD}` (the root's is `//GET`). */
export function methodThrottleKey(method: string, path: string): string {
  return `${path}/${method.toUpperCase()}`;
}

/** A tier of a MonetizedApi: its usage plan, bound to the API's stages by reference. */
export interface ITierPlan extends IConstruct {
  /** The tier's name. */
  readonly tierName: string;
  /** The usage plan (escape hatch to the L1). */
  readonly usagePlan: apigateway.CfnUsagePlan;
  /** The usage plan's id. */
  readonly usagePlanId: string;
  /** The tier as declared. */
  readonly tier: UsageTier;
}

/** One tier: its usage plan, bound to the API's stages by reference. Internal (the API hands out ITierPlan). */
export class TierPlan extends Construct implements ITierPlan {
  /** The tier's name. */
  public readonly tierName: string;
  /** The usage plan. */
  public readonly usagePlan: apigateway.CfnUsagePlan;
  /** The usage plan's id. */
  public readonly usagePlanId: string;
  /** The tier as declared. */
  public readonly tier: UsageTier;

  constructor(scope: Construct, id: string, tier: UsageTier, context: TierContext) {
    super(scope, id);
    this.tier = tier;
    this.tierName = tier.name;
    this.usagePlan = new apigateway.CfnUsagePlan(this, 'UsagePlan', {
      description: tier.description ?? `Tier ${tier.name} of ${scope.node.path}`,
      // The plan-level throttle and quota are written as given, zeros included.
      throttle: tier.throttle ? { rateLimit: tier.throttle.rateLimit, burstLimit: tier.throttle.burstLimit } : undefined,
      quota: tier.quota ? { limit: tier.quota.limit, period: tier.quota.period, offset: tier.quota.offset } : undefined,
      apiStages: Lazy.any({ produce: () => this.renderStages(context) }, { omitEmptyArray: true }),
    });
    this.usagePlanId = this.usagePlan.ref;
    this.node.addValidation({ validate: () => this.check(context) });
  }

  /** The stages this tier covers. */
  public stagesOf(stages: RestStage[]): RestStage[] {
    const names = this.tier.stages;
    return names === undefined ? stages : stages.filter((s) => names.includes(s.stageName));
  }

  private renderStages(context: TierContext): apigateway.CfnUsagePlan.ApiStageProperty[] {
    const throttle = this.renderRouteThrottles();
    return this.stagesOf(context.stages()).map((s) => ({ apiId: context.api.restApiId, stage: s.stage.stageName, throttle }));
  }

  private renderRouteThrottles(): { [key: string]: apigateway.CfnUsagePlan.ThrottleSettingsProperty } | undefined {
    const entries = Object.entries(this.tier.routeThrottles ?? {});
    if (!entries.length) return undefined;
    return Object.fromEntries(entries.map(([route, t]) => {
      const { method, path } = parseRouteKey(route)!;
      return [methodThrottleKey(method, path), { rateLimit: t.rateLimit, burstLimit: t.burstLimit }];
    }));
  }

  private check(context: TierContext): string[] {
    const errors: string[] = [];
    const stageNames = context.stages().map((s) => s.stageName);
    for (const name of this.tier.stages ?? []) {
      if (!stageNames.includes(name)) errors.push(`${this.node.scope!.node.path}: invalid tier ${this.tierName} stages "${name}": names no stage of the API (${stageNames.join(', ')})`);
    }
    const routes = context.routes();
    for (const route of Object.keys(this.tier.routeThrottles ?? {})) {
      const { method, path } = parseRouteKey(route)!;
      if (!routes.includes(`${method} ${path}`)) errors.push(`${this.node.scope!.node.path}: invalid tier ${this.tierName} routeThrottles "${route}": names no route of the API`);
    }
    return errors;
  }
}

/** Warns when the app holds close to the region's 300 usage plans. */
export function warnNearPlanQuota(scope: IConstruct): void {
  const plans = scope.node.root.node.findAll().filter((c) => c instanceof apigateway.CfnUsagePlan).length;
  if (plans >= USAGE_PLAN_WARNING) {
    warn(scope, 'UsagePlanQuota', `the app declares ${plans} usage plans; an account has ${USAGE_PLANS_PER_REGION} per region (docs/limits.md): ` +
      'request a quota increase before deploying, or merge tiers');
  }
}
