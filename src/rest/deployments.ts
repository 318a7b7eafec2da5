/**
 * The deployments of a REST pattern's API. A deployment is a snapshot of the API model taken when it is created; a
 * stage serves one deployment (and its canary another). Internal to the REST base.
 *
 * - The current deployment (`api.latestDeployment`) has a logical id that is a pure function of the API model: the
 *   L2 hashes the methods it builds and the RestApi's own properties; this module adds a fingerprint of every model
 *   resource as it is rendered into the templates (property overrides such as `CacheKeyParameters` included, nested
 *   stacks included) and of the custom resources they read. Any change of the model gives a new deployment, so no
 *   stage silently serves a stale snapshot (aws-cdk#8024, #8159, #33719).
 * - A stage can be pinned to an earlier deployment (`StageSettings.baseDeployment`, the `CurrentDeployment` output of
 *   an earlier deploy): that deployment is declared again with the same logical id and properties, so CloudFormation
 *   leaves the snapshot alone while the canary serves the current one. A deployment some stage or canary still
 *   names is therefore always in the template: CloudFormation never deletes it under a stage ("Active stages
 *   pointing to this deployment must be moved or deleted"). Deployments nothing names any more are deleted in the
 *   cleanup phase, after the stages moved away.
 * - Values only known at deploy time (`Fn::ImportValue`, parameters, dynamic references, custom-resource attributes
 *   whose inputs did not change) cannot change a synth-time fingerprint: they raise the warning
 *   `cdk-apigateway-patterns:DeploymentIgnoresDeployTimeValue`.
 */
import { createHash } from 'node:crypto';
import { AspectPriority, Aspects, CfnOutput, CfnParameter, CfnResource, IAspect, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Construct, IConstruct } from 'constructs';
import { renderedResource } from '../core/private/cdk-internals';
import { checkPattern, warn } from '../core/private/validation';

/** The resource types whose configuration a deployment snapshots. */
export const MODEL_TYPES: ReadonlySet<string> = new Set([
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::Model',
  'AWS::ApiGateway::Authorizer',
  'AWS::ApiGateway::RequestValidator',
  'AWS::ApiGateway::GatewayResponse',
  'AWS::ApiGateway::DocumentationPart',
]);

const CUSTOM_RESOURCE = /^(Custom::|AWS::CloudFormation::CustomResource$)/;

/**
 * The deployments of one API: the current one and those stages are pinned to.
 */
export class RestDeployments {
  /** The deployment of the current API model. */
  public readonly current: apigateway.Deployment;
  private readonly currentResource: apigateway.CfnDeployment;
  private readonly pins = new Set<string>();
  private readonly bases = new Map<string, apigateway.CfnDeployment>();
  /** The current logical id, as the aspect saw it (the model is complete then). */
  private frozenId?: string;

  constructor(private readonly owner: Construct, private readonly api: apigateway.RestApi) {
    if (!api.latestDeployment) throw new Error(`${owner.node.path}: internal: the RestApi has no deployment`);
    this.current = api.latestDeployment;
    this.currentResource = this.current.node.defaultChild as apigateway.CfnDeployment;
    this.current.addToLogicalId(Lazy.any({ produce: () => this.scan().fingerprint }));

    new CfnOutput(owner, 'CurrentDeployment', {
      description:
        `Logical id of the deployment of ${owner.node.path}'s current API model. Pass it as a stage's baseDeployment in the ` +
        'next synth to keep the stage on this snapshot while a canary serves the next one.',
      value: Lazy.string({ produce: () => this.currentLogicalId() }),
    });

    const aspect: IAspect = { visit: (node) => { if (node === owner) this.materialize(); } };
    Aspects.of(owner).add(aspect, { priority: AspectPriority.READONLY });
    owner.node.addValidation({ validate: () => this.validate() });
  }

  /** The prefix every deployment logical id of this API starts with (the L2's id before its hash). */
  public get logicalIdPrefix(): string {
    return Stack.of(this.currentResource).getLogicalId(this.currentResource);
  }

  /**
   * The deployment id a stage serves: its pinned deployment, or the current one.
   *
   * @param prop the prop the pin came from, for messages
   * @param pin a deployment logical id of this API (the `CurrentDeployment` output of an earlier deploy)
   */
  public deploymentIdFor(prop: string, pin: string | undefined): string {
    if (pin === undefined) return this.current.deploymentId;
    const prefix = this.logicalIdPrefix;
    checkPattern(this.owner, prop, pin, new RegExp(`^${prefix}[0-9a-f]{32}$`),
      `must be a deployment of this API: the CurrentDeployment output of an earlier deploy (${prefix} and 32 hex digits)`);
    if (Token.isUnresolved(pin)) return pin;
    this.pins.add(pin);
    return Lazy.string({
      produce: () => {
        const current = this.frozenId ?? this.currentLogicalId();
        if (pin === current) return this.current.deploymentId;
        const base = this.bases.get(pin);
        if (!base) throw new Error(`${this.owner.node.path}: internal: the base deployment ${pin} was not declared (synthesize the app)`);
        return base.ref;
      },
    });
  }

  /** The current deployment's logical id as rendered. */
  private currentLogicalId(): string {
    return Stack.of(this.currentResource).resolve(this.currentResource.logicalId);
  }

  /** Once the model is complete: declares the pinned deployments other than the current one, and warns. */
  private materialize(): void {
    if (this.frozenId !== undefined) return;
    this.frozenId = this.currentLogicalId();
    for (const pin of this.pins) {
      if (pin === this.frozenId || this.bases.has(pin)) continue;
      const base = new apigateway.CfnDeployment(this.owner, `BaseDeployment${pin.slice(-32)}`, {
        restApiId: this.api.restApiId,
        description: this.currentResource.description,
      });
      // The same logical id and properties as when it was the current deployment: CloudFormation leaves it alone.
      base.overrideLogicalId(pin);
      base.node.addDependency(this.currentResource);
      this.bases.set(pin, base);
    }
    const values = this.scan().deployTimeValues;
    if (values.length > 0) {
      warn(this.owner, 'DeploymentIgnoresDeployTimeValue',
        `the API model reads values known only at deploy time (${values.slice(0, 3).join(', ')}${values.length > 3 ? ', ...' : ''}): when ` +
        'such a value changes while the templates do not, the stages keep serving the old snapshot (aws-cdk#33719). Redeploy ' +
        'with api.api.latestDeployment?.addToLogicalId(<a value that changes with it>)');
    }
  }

  private validate(): string[] {
    if (this.frozenId === undefined || this.pins.size === 0) return [];
    const now = this.currentLogicalId();
    return now === this.frozenId ? [] : [
      `${this.owner.node.path}: the API model changed after the deployments were planned (${this.frozenId} -> ${now}): ` +
      'an aspect with a priority above AspectPriority.READONLY changed a model resource; give it a lower priority',
    ];
  }

  /**
   * One pass over the model resources as rendered: a hash of each and of the custom resources it reads, and what it
   * reads that only the deployment knows.
   */
  private scan(): { readonly fingerprint: string; readonly deployTimeValues: string[] } {
    const hash = createHash('sha256');
    const found = new Set<string>();
    const indexes = new Map<Stack, Map<string, IConstruct>>();
    const resources = this.owner.node.findAll()
      .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && MODEL_TYPES.has(c.cfnResourceType))
      .sort((a, b) => a.node.path.localeCompare(b.node.path));
    for (const resource of resources) {
      const stack = Stack.of(resource);
      const rendered = stack.resolve(renderedResource(resource));
      const text = JSON.stringify(rendered);
      hash.update(resource.node.path).update(text);
      if (text.includes('"Fn::ImportValue"')) found.add('Fn::ImportValue');
      if (text.includes('{{resolve:')) found.add('a dynamic reference');
      let index = indexes.get(stack);
      if (!index) indexes.set(stack, index = deployTimeElements(stack));
      for (const id of namedIds(rendered)) {
        const target = index.get(id);
        if (!target) continue;
        if (target instanceof CfnParameter) {
          found.add(`parameter ${target.node.path}`);
        } else {
          // A custom resource's attributes are known at deploy time only; its inputs are the best synth-time proxy.
          found.add(`custom resource ${target.node.path}`);
          hash.update(JSON.stringify(stack.resolve(renderedResource(target as CfnResource))));
        }
      }
    }
    return { fingerprint: hash.digest('hex'), deployTimeValues: [...found].sort() };
  }
}

/** The custom resources and parameters of a stack, by logical id. */
function deployTimeElements(stack: Stack): Map<string, IConstruct> {
  const index = new Map<string, IConstruct>();
  for (const c of stack.node.findAll()) {
    if (Stack.of(c) !== stack) continue;
    if ((CfnResource.isCfnResource(c) && CUSTOM_RESOURCE.test(c.cfnResourceType)) || c instanceof CfnParameter) {
      index.set(stack.resolve((c as CfnResource).logicalId), c);
    }
  }
  return index;
}

/** Logical ids a rendered resource names through Ref and Fn::GetAtt. */
function namedIds(rendered: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(rendered)) {
    for (const v of rendered) namedIds(v, out);
  } else if (rendered && typeof rendered === 'object') {
    for (const [key, v] of Object.entries(rendered)) {
      if (key === 'Ref' && typeof v === 'string') out.add(v);
      else if (key === 'Fn::GetAtt' && Array.isArray(v) && typeof v[0] === 'string') out.add(v[0]);
      else if (key === 'Fn::GetAtt' && typeof v === 'string') out.add(v.split('.')[0]);
      else namedIds(v, out);
    }
  }
  return out;
}
