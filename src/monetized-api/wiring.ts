/**
 * What MonetizedApi builds around its tiers: the customer table, the bundled functions with their least-privilege
 * grants per tier (docs/monetized-runtime.md, "needs"), the report bucket and schedule, the AWS Marketplace parts,
 * the tier-cleanup custom resources and the internal routes. Internal to MonetizedApi.
 */
import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AdminFunction } from './admin-function';
import { CustomerContext } from './customers';
import {
  API_HANDLER_TIMEOUT, APIGATEWAY_PLAN_CLEANUP, APIGATEWAY_READ, CUSTOM_RESOURCE_TIMEOUT, MonetizedFunctions, TABLE_READ,
  acknowledgeRuntimeIds, allow, apiGatewayArn, integrateByName,
} from './handlers';
import { KeySecretFunction } from './key-secret-function';
import { acknowledgeResolveCustomer, consumeSubscriptionEvents, createMeteringRole, grantResolveCustomer, setProductCode, subscribeToMarketplace } from './marketplace';
import { MarketplaceEventsFunction } from './marketplace-events-function';
import { MarketplaceRegistrationFunction } from './marketplace-registration-function';
import { TABLE_KEY_ACTIONS, createCustomerTable, grantKeys, grantPlanKeys, grantTable } from './onboarding';
import { ProductCodeFunction } from './product-code-function';
import { createReportBucket, grantReportWrites, scheduleExport } from './reporting';
import { MonetizedSettings } from './settings';
import { TierCleanupFunction } from './tier-cleanup-function';
import { TierPlan } from './tiers';
import { UsageExportFunction } from './usage-export-function';
import { ApiAuthorization } from '../core/authorization';
import { ApiObservability } from '../core/observability';
import { acknowledge, nagResourceForm } from '../core/private/acknowledgements';
import { FunctionHardening, ManagedPolicyRole } from '../core/private/functions';
import { RouteOptions } from '../rest/routes';
import { ADMIN_ROUTES, MonetizedConfig } from '../runtime/monetized/contract';

/** A route the pattern adds itself. */
export interface InternalRoute {
  readonly method: string;
  readonly path: string;
  readonly integration: apigateway.Integration;
  readonly options: RouteOptions;
}

export interface WiringContext {
  readonly settings: MonetizedSettings;
  readonly dataKey: kms.Key;
  readonly hardening: () => FunctionHardening;
  readonly tiers: () => TierPlan[];
}

const NO_VPC = 'it calls only AWS APIs (API Gateway control plane, DynamoDB, S3, Secrets Manager, AWS Marketplace) through their public endpoints';

export class MonetizedWiring {
  public readonly table?: dynamodb.Table;
  public readonly adminFunction?: AdminFunction;
  public readonly exportFunction?: UsageExportFunction;
  public readonly reportBucket?: s3.Bucket;
  public readonly registrationFunction?: MarketplaceRegistrationFunction;
  public readonly eventsFunction?: MarketplaceEventsFunction;
  public readonly meteringRole?: iam.Role;
  private readonly cleanupFunction: TierCleanupFunction;
  private readonly productCodeFunction?: ProductCodeFunction;
  private keySecretFunction?: KeySecretFunction;
  private readonly functions: MonetizedFunctions;

  constructor(private readonly scope: Construct, private readonly ctx: WiringContext) {
    const s = ctx.settings;
    const key = ctx.dataKey;
    this.functions = new MonetizedFunctions(scope, ctx.hardening, () => this.config());
    const fns = this.functions;
    if (s.onboarding || s.reports) this.table = createCustomerTable(scope, key);
    if (s.onboarding) {
      this.adminFunction = fns.create('AdminFunction', AdminFunction, {
        purpose: `Onboards customers of ${scope.node.path} (admin routes: create, move, rotate, revoke, list, usage)`,
        noVpcReason: NO_VPC,
        timeout: API_HANDLER_TIMEOUT,
        memorySize: 512,
        configured: true,
        named: true,
      });
      grantTable(this.adminFunction, this.table!, key);
      grantKeys(this.adminFunction);
    }
    if (s.reports) {
      this.reportBucket = createReportBucket(scope, key, s.reportRetention);
      this.exportFunction = fns.create('UsageExportFunction', UsageExportFunction, {
        purpose: `Exports the daily usage of every tier of ${scope.node.path} to S3`,
        noVpcReason: NO_VPC,
        timeout: Duration.minutes(10),
        memorySize: 512,
        configured: true,
        asynchronous: true,
      });
      allow(this.exportFunction, TABLE_READ, [this.table!.tableArn]);
      allow(this.exportFunction, TABLE_KEY_ACTIONS, [key.keyArn]);
      allow(this.exportFunction, APIGATEWAY_READ, [apiGatewayArn('/apikeys/*')]);
      acknowledgeRuntimeIds(this.exportFunction, [apiGatewayArn('/apikeys/*')], 'The export reads the tags (customer id) of the keys in each tier, created at run time, so their ids cannot be named; GET only');
      grantReportWrites(this.exportFunction, this.reportBucket, key, s.reportPrefix);
      const policy = (this.exportFunction.role as ManagedPolicyRole).policy;
      acknowledge(policy, {
        id: `AwsSolutions-IAM5[Resource::${nagResourceForm(policy, this.reportBucket.arnForObjects(`${s.reportPrefix}*`))}]`,
        reason: 'The export writes one object per tier and day under the report prefix (tier=<name>/date=<day>.jsonl); PutObject only, under that prefix only',
      });
      scheduleExport(scope, this.exportFunction, s.schedule, key);
    }
    if (s.marketplace) {
      this.registrationFunction = fns.create('RegistrationFunction', MarketplaceRegistrationFunction, {
        purpose: `Registers AWS Marketplace buyers of ${scope.node.path} (ResolveCustomer, then a key in the product's tier)`,
        noVpcReason: NO_VPC,
        timeout: API_HANDLER_TIMEOUT,
        memorySize: 512,
        configured: true,
        named: true,
      });
      grantTable(this.registrationFunction, this.table!, key);
      grantKeys(this.registrationFunction);
      grantResolveCustomer(this.registrationFunction);
      acknowledgeResolveCustomer(this.registrationFunction);
      this.productCodeFunction = fns.create('ProductCodeFunction', ProductCodeFunction, {
        purpose: `Sets the AWS Marketplace product codes of the tiers of ${scope.node.path} on their usage plans`,
        noVpcReason: NO_VPC,
        timeout: CUSTOM_RESOURCE_TIMEOUT,
        memorySize: 128,
        asynchronous: true,
      });
      if (s.meteringRole) this.meteringRole = createMeteringRole(scope);
      if (s.topics.length) {
        const timeout = Duration.seconds(60);
        this.eventsFunction = fns.create('SubscriptionEventsFunction', MarketplaceEventsFunction, {
          purpose: `Attaches and detaches the keys of AWS Marketplace buyers of ${scope.node.path} on subscription events`,
          noVpcReason: NO_VPC,
          timeout,
          memorySize: 256,
          configured: true,
        });
        grantTable(this.eventsFunction, this.table!, key);
        consumeSubscriptionEvents(this.eventsFunction, subscribeToMarketplace(scope, key, s.topics, timeout));
      }
    }
    this.cleanupFunction = fns.create('TierCleanupFunction', TierCleanupFunction, {
      purpose: `Detaches the stages and keys of a removed tier of ${scope.node.path} before its usage plan is deleted`,
      noVpcReason: NO_VPC,
      timeout: CUSTOM_RESOURCE_TIMEOUT,
      memorySize: 128,
      asynchronous: true,
    });
  }

  /** The runtime configuration (rendered into the functions' environment when the template is). */
  public config(): MonetizedConfig {
    const s = this.ctx.settings;
    return {
      tableName: this.table?.tableName ?? '',
      tiers: this.ctx.tiers().map((t) => ({ name: t.tierName, usagePlanId: t.usagePlanId, productCode: t.tier.productCode })),
      keyNamePrefix: s.keyNamePrefix,
      keyLimit: s.keyLimit,
      retireMode: s.retirement,
      adminBasePath: s.adminBasePath,
      reportBucket: this.reportBucket?.bucketName,
      reportPrefix: s.reportPrefix,
      reportKmsKeyId: this.reportBucket ? this.ctx.dataKey.keyArn : undefined,
      marketplaceTopicArns: s.topics,
    };
  }

  /** A new tier: every function's grants on its plan, its cleanup and, when sold, its product code. */
  public bindTier(plan: TierPlan): void {
    const id = plan.usagePlanId;
    for (const fn of [this.adminFunction, this.registrationFunction]) if (fn) grantPlanKeys(fn, id);
    if (this.eventsFunction) grantPlanKeys(this.eventsFunction, id, ['apigateway:GET', 'apigateway:POST', 'apigateway:DELETE']);
    if (this.exportFunction) grantPlanKeys(this.exportFunction, id, APIGATEWAY_READ);
    grantPlanKeys(this.cleanupFunction, id, APIGATEWAY_PLAN_CLEANUP);
    const cleanup = new CustomResource(plan, 'Cleanup', {
      serviceToken: this.cleanupFunction.functionArn,
      resourceType: 'Custom::UsagePlanCleanup',
      // CloudFormation deletes the plan itself, once this resource (deleted first: it depends on the plan) has
      // detached the plan's stages and keys.
      properties: { UsagePlanId: id, DeletePlan: 'false' },
    });
    cleanup.node.addDependency(this.cleanupFunction.role!);
    if (plan.tier.productCode !== undefined) setProductCode(plan, this.productCodeFunction!, id, plan.tier.productCode);
  }

  /** What the static customers need. */
  public customerContext(planOf: (tier: string) => apigateway.CfnUsagePlan): CustomerContext {
    return {
      planOf,
      keyNamePrefix: this.ctx.settings.keyNamePrefix,
      encryptionKey: this.ctx.dataKey,
      keySecretFunction: () => {
        this.keySecretFunction ??= this.functions.create('KeySecretFunction', KeySecretFunction, {
          purpose: `Publishes the generated API keys of the static customers of ${this.scope.node.path} to Secrets Manager`,
          noVpcReason: NO_VPC,
          timeout: Duration.minutes(1),
          memorySize: 128,
          asynchronous: true,
        });
        return this.keySecretFunction;
      },
    };
  }

  /** The admin routes and the Marketplace registration route. */
  public internalRoutes(api: apigateway.RestApi): InternalRoute[] {
    const s = this.ctx.settings;
    const routes: InternalRoute[] = [];
    if (this.adminFunction) {
      const integration = integrateByName(api, this.adminFunction, `${s.adminBasePath}/*`);
      for (const r of ADMIN_ROUTES) {
        routes.push({
          method: r.method,
          path: `${s.adminBasePath}${r.path}`,
          integration,
          options: { authorization: ApiAuthorization.iam(), apiKeyRequired: false, operationName: `admin${r.operation[0].toUpperCase()}${r.operation.slice(1)}` },
        });
      }
    }
    if (this.registrationFunction) {
      routes.push({
        method: 'POST',
        path: s.registrationPath,
        integration: integrateByName(api, this.registrationFunction, s.registrationPath),
        options: { authorization: ApiAuthorization.none(), apiKeyRequired: false, operationName: 'marketplaceRegister' },
      });
    }
    return routes;
  }

  /** Acknowledges the registration route's missing authorizer, on that method only. */
  public acknowledgeRegistration(method: apigateway.Method): void {
    const reason = 'AWS Marketplace redirects the buyer\'s browser to this fulfilment URL with a form POST carrying x-amzn-marketplace-token, which can carry no credentials; the handler accepts only tokens AWS Marketplace ResolveCustomer resolves';
    for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) acknowledge(method, { id, reason });
  }

  /** The access-log group of a stage added with `addStage(id)` (created by the REST base under the observability bundle). */
  public accessLogGroupOf(observability: ApiObservability, stageId: string): logs.ILogGroup {
    const group = observability.node.tryFindChild(`${stageId}AccessLogs`);
    if (!(group instanceof logs.LogGroup)) throw new Error(`${Stack.of(this.scope).stackName}: no access-log group for stage ${stageId}`);
    return group;
  }
}
