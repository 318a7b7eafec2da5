/**
 * Route sharding: where the API Gateway resources (path nodes) and methods of a REST pattern live, in the API's
 * own stack or in nested stacks, so that APIs of 1,000+ routes deploy with one `cdk deploy` while every method
 * stays a real `AWS::ApiGateway::Method` (see docs/mechanics.md). Internal to the REST base, except the
 * options interface.
 */
import { createHash } from 'node:crypto';
import { CfnResource, Lazy, Names, NestedStack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { compareShards, countElements, NestedStackChain } from './shard-stacks';
import { lambdaIntegrationParts, renderedResource } from '../core/private/cdk-internals';
import { checkRange, warn } from '../core/private/validation';

/**
 * How routes are spread over nested stacks when an API outgrows its own stack.
 */
export interface RouteShardingOptions {
  /**
   * Routes whose methods live in the API's own stack. Routes added after these go into nested stacks, chosen
   * by a hash of the first two segments of their path, so a route's stack does not depend on routes added after
   * it. At least 1 (the API's own stack must hold a method).
   * @default 100
   */
  readonly routesInParent?: number;
  /**
   * Number of nested stacks routes past `routesInParent` are hashed into (each created on first use). Changing it
   * moves routes between nested stacks, which API Gateway refuses in one deployment: choose it once.
   * @default 10
   */
  readonly shards?: number;
}

/** Nested stacks for top-level path nodes (each holds at most 200 outputs, the referenced node ids). */
const PATH_SHARDS = 2;
/** CloudFormation's limits per template. */
const MAX_RESOURCES_PER_STACK = 500;
const MAX_PARAMETERS_OR_OUTPUTS = 200;
/** API Gateway's default quota of resources (path nodes) per REST API. */
const API_RESOURCE_QUOTA = 300;
/** The resource types whose configuration a deployment snapshots. */
const MODEL_TYPES = new Set([
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::Model',
  'AWS::ApiGateway::Authorizer',
  'AWS::ApiGateway::RequestValidator',
  'AWS::ApiGateway::GatewayResponse',
]);

/** One nested stack of routes or of top-level path nodes. */
export interface Shard {
  /** `Routes<i>` or `Paths<i>`: the construct id of the nested stack. */
  readonly name: string;
  readonly stack: NestedStack;
  /** The API as seen from the nested stack (same `restApiId` token as the parent's). */
  readonly api: apigateway.IRestApi;
  /** Functions imported into this stack without permissions, by the original function. */
  readonly functions: Map<lambda.IFunction, lambda.IFunction>;
}

/** Where a route's method goes. */
export interface RoutePlacement {
  /** The resource (path node) to add the method to, in the stack the method belongs to. */
  readonly resource: apigateway.IResource;
  /** The nested stack, or undefined for the API's own stack. */
  readonly shard?: Shard;
}

/**
 * The path-node tree of one REST API across its own stack and its shards. Every path node is created exactly
 * once (API Gateway refuses two resources with the same path); a stack that needs a node created elsewhere gets
 * a reference to it.
 */
export class RouteShards {
  private readonly routesInParent: number;
  private readonly shardCount: number;
  /** path -> the node, wherever it was created, and that stack (home undefined: the API's own stack). */
  private readonly nodes = new Map<string, { readonly node: apigateway.IResource; readonly home?: Shard }>();
  /** `${shard index}|${path}` -> a reference to a node of another stack. */
  private readonly references = new Map<string, apigateway.IResource>();
  private readonly shardsByName = new Map<string, Shard>();
  /** One nested stack created at a time: path stacks first (route stacks reference their nodes), then routes. */
  private readonly chain = new NestedStackChain(compareShards);
  private parentRoutes = 0;
  private quotaWarned = false;

  constructor(
    private readonly owner: Construct,
    private readonly api: apigateway.RestApi,
    private readonly cors: apigateway.CorsOptions | undefined,
    private readonly onNode: (node: apigateway.IResource) => void,
    options: RouteShardingOptions = {},
  ) {
    checkRange(owner, 'routeSharding.routesInParent', options.routesInParent, { min: 1, integer: true });
    checkRange(owner, 'routeSharding.shards', options.shards, { min: 1, max: 100, integer: true });
    this.routesInParent = options.routesInParent ?? 100;
    this.shardCount = options.shards ?? 10;
    this.nodes.set('/', { node: api.root });

    owner.node.addValidation({ validate: () => this.validate() });
  }

  /** The nested stacks created so far. */
  public get stacks(): NestedStack[] {
    return [...this.shardsByName.values()].map((s) => s.stack);
  }

  /** Decides the stack of a new route and returns the resource its method goes on (created as needed). */
  public place(path: string): RoutePlacement {
    const inParent = path === '/' || this.parentRoutes < this.routesInParent;
    let shard: Shard | undefined;
    if (inParent) {
      this.parentRoutes++;
    } else {
      shard = this.routeShard(path);
    }
    const resource = this.ensure(path, shard, !inParent);
    this.warnPastQuota();
    return { resource, shard };
  }

  /**
   * The integration a method in `shard` binds: Lambda integrations get the function imported without
   * permissions, and one API-scoped permission in the API's own stack (the one the L2 would add there), so a
   * function has one permission per API however many stacks its routes span.
   */
  public integrationFor(integration: apigateway.Integration, shard: Shard | undefined): apigateway.Integration {
    const parts = lambdaIntegrationParts(integration);
    if (!shard || !parts) return integration;
    // The same integration rebuilt around the imported function.
    const { handler, options } = parts;
    this.addParentPermission(handler);
    let imported = shard.functions.get(handler);
    if (!imported) {
      imported = lambda.Function.fromFunctionAttributes(shard.stack, `Function${shard.functions.size}`, {
        functionArn: handler.functionArn,
        // No permission from the nested stack: the one API-scoped permission lives in the API's stack.
        sameEnvironment: false,
        skipPermissions: true,
      });
      shard.functions.set(handler, imported);
    }
    return new apigateway.LambdaIntegration(imported, { ...options, scopePermissionToMethod: false, allowTestInvoke: true });
  }

  /** The permission the L2 adds for API-scoped Lambda integrations, under the same id so it is added once. */
  private addParentPermission(handler: lambda.IFunction): void {
    const id = `ApiPermission.ApiScoped.${Names.nodeUniqueId(handler.node)}.${Names.nodeUniqueId(this.api.node)}`;
    if (this.api.node.tryFindChild(id)) return;
    handler.addPermission(id, {
      principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      scope: this.api,
      sourceArn: Lazy.string({ produce: () => this.api.arnForExecuteApi() }),
    });
  }

  /** The nested stack of a route's method and of the path nodes below its first segment. */
  private routeShard(path: string): Shard {
    const index = bucketOf(anchorOf(path), this.shardCount);
    return this.shard(`Routes${index}`, `Routes of ${this.owner.node.path} (shard ${index} of ${this.shardCount})`);
  }

  /**
   * The nested stack of a top-level path node (`/orders`). Route stacks reference these nodes, and these stacks
   * reference only the API's own stack, so references between nested stacks never form a cycle (a top-level
   * node in one route stack and its children in another could otherwise make two stacks depend on each other).
   */
  private pathShard(path: string): Shard {
    const index = bucketOf(path, PATH_SHARDS);
    return this.shard(`Paths${index}`, `Top-level paths of ${this.owner.node.path} (shard ${index} of ${PATH_SHARDS})`);
  }

  private shard(name: string, description: string): Shard {
    let shard = this.shardsByName.get(name);
    if (!shard) {
      const stack = new NestedStack(this.owner, name, { description });
      const api = apigateway.RestApi.fromRestApiAttributes(stack, 'Api', {
        restApiId: this.api.restApiId,
        rootResourceId: this.api.restApiRootResourceId,
        restApiName: this.api.restApiName,
      });
      shard = { name, stack, api, functions: new Map() };
      if (this.shardsByName.size === 0) {
        // A deployment snapshots the whole API model: its logical id must change when anything in a shard
        // changes. The L2 hashes only the methods of the API's own stack; the nested ones are fed in here.
        this.api.latestDeployment?.addToLogicalId(Lazy.any({ produce: () => this.fingerprint() }));
      }
      this.shardsByName.set(name, shard);
      this.api.latestDeployment?.node.addDependency(stack);
      this.chain.add(stack);
    }
    return shard;
  }

  /**
   * The node for `path` as seen from `target` (a shard, or undefined for the API's own stack), created where
   * it belongs when missing: in the API's own stack for parent routes, else in the shard its anchor hashes to.
   */
  private ensure(path: string, target: Shard | undefined, sharded: boolean): apigateway.IResource {
    const existing = this.nodes.get(path);
    if (existing) return this.visibleIn(path, existing.node, existing.home, target);
    const parentPath = path.slice(0, path.lastIndexOf('/')) || '/';
    const segment = path.slice(path.lastIndexOf('/') + 1);
    const home = !sharded ? undefined : parentPath === '/' ? this.pathShard(path) : this.routeShard(path);
    const parent = this.ensure(parentPath, home, sharded);
    const node = parent.addResource(segment, this.cors ? { defaultCorsPreflightOptions: this.cors } : undefined);
    this.nodes.set(path, { node, home });
    this.onNode(node);
    return this.visibleIn(path, node, home, target);
  }

  /**
   * `node` as seen from `target`. Only nested stacks ever see a node of another stack: the API's own stack
   * creates its routes' nodes itself, and all its routes come before the first nested one.
   */
  private visibleIn(path: string, node: apigateway.IResource, home: Shard | undefined, target: Shard | undefined): apigateway.IResource {
    if (home === target) return node;
    if (!target) throw new Error(`${this.owner.node.path}: internal: ${path} is in a nested stack but needed in the API's stack`);
    if (path === '/') return target.api.root;
    const key = `${target.name}|${path}`;
    let reference = this.references.get(key);
    if (!reference) {
      reference = apigateway.Resource.fromResourceAttributes(target.api, `Node${hashOf(path)}`, { restApi: target.api, resourceId: node.resourceId, path });
      this.references.set(key, reference);
    }
    return reference;
  }

  private warnPastQuota(): void {
    const apiResources = this.nodes.size - 1;
    if (!this.quotaWarned && apiResources > API_RESOURCE_QUOTA) {
      this.quotaWarned = true;
      warn(
        this.owner,
        'apiResourceQuota',
        `${this.owner.node.path}: the API has ${apiResources} resources (paths), more than API Gateway's default quota of ` +
          `${API_RESOURCE_QUOTA} per REST API; request an increase of "Resources per API" in Service Quotas before deploying`,
      );
    }
  }

  /** Every API-model resource of the shards, rendered. */
  private fingerprint(): string {
    const hash = createHash('sha256');
    for (const shard of [...this.shardsByName.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      for (const c of shard.stack.node.findAll()) {
        if (CfnResource.isCfnResource(c) && MODEL_TYPES.has(c.cfnResourceType)) {
          // The rendered resource, references included (the same rendering the template gets).
          hash.update(JSON.stringify(shard.stack.resolve(renderedResource(c))));
        }
      }
    }
    return hash.digest('hex');
  }

  private validate(): string[] {
    const errors: string[] = [];
    for (const shard of this.shardsByName.values()) {
      const counts = countElements(shard.stack);
      const over = (what: string, count: number, max: number) =>
        errors.push(
          shard.name.startsWith('Paths')
            ? `${shard.stack.node.path}: invalid routes: the nested stack of top-level paths would hold ${count} ${what}, more than ` +
                `CloudFormation's ${max} per stack; group the routes under fewer first path segments ` +
                `(at most ${PATH_SHARDS * MAX_PARAMETERS_OR_OUTPUTS} of them can have routes below them)`
            : `${shard.stack.node.path}: invalid routeSharding.shards ${this.shardCount}: this nested stack would hold ${count} ${what}, ` +
                `more than CloudFormation's ${max} per stack; raise routeSharding.shards before the first deployment`,
        );
      if (counts.resources > MAX_RESOURCES_PER_STACK) over('resources', counts.resources, MAX_RESOURCES_PER_STACK);
      if (counts.parameters > MAX_PARAMETERS_OR_OUTPUTS) over('parameters', counts.parameters, MAX_PARAMETERS_OR_OUTPUTS);
      if (counts.outputs > MAX_PARAMETERS_OR_OUTPUTS) over('outputs', counts.outputs, MAX_PARAMETERS_OR_OUTPUTS);
    }
    return errors;
  }
}

/** A stable bucket in [0, buckets) for a string. */
function bucketOf(text: string, buckets: number): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) % buckets;
}

/** The part of a path that picks its shard: its first two segments, so a subtree stays together. */
function anchorOf(path: string): string {
  return '/' + path.split('/').filter(Boolean).slice(0, 2).join('/');
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
