/**
 * Who may invalidate a cached REST stage's entries with `Cache-Control: max-age=0`. Internal to the REST base.
 *
 * API Gateway counts an invalidation request as authorized only when it is SigV4-signed by a principal allowed
 * `execute-api:InvalidateCache` on the method
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html#invalidate-method-caching).
 * Cognito, JWT and Lambda-authorized callers never are, and browsers send `Cache-Control: max-age=0` on their own
 * (a reload, `fetch(url, { cache: 'no-cache' })`): `FAIL_WITH_403` would refuse those ordinary requests. The stage
 * therefore requires authorization and, for unauthorized requests, ignores the header and answers normally with a
 * warning header (`SUCCEED_WITH_RESPONSE_HEADER`). Only principals granted with `grantInvalidateCache` can refresh
 * an entry.
 *
 * `AWS::ApiGateway::Stage` cannot express these two settings, so a small custom resource PATCHes them onto the
 * stage-wide setting and onto every method setting of its own (each keeps its own values otherwise). Its properties
 * carry the method-setting keys, a fingerprint of the settings and the deployment id, so CloudFormation sends an
 * Update (and the settings are applied again) whenever the stage's method settings or deployment change.
 */
import { createHash } from 'node:crypto';
import { CustomResource, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CacheControlFunction } from './cache-control-function';
import { FunctionHardening, acknowledgeFunctionFindings, hardenedFunctionOptions } from '../core/private/functions';
import { methodSettingKey } from '../rest/stage-settings';
import { UNAUTHORIZED_STRATEGY } from '../runtime/cache-control/logic';

/** The IAM action that makes a `Cache-Control: max-age=0` request an authorized invalidation. */
export const INVALIDATE_CACHE_ACTIONS = ['execute-api:InvalidateCache'];

export interface CacheControlOptions {
  readonly api: apigateway.RestApi;
  readonly stage: apigateway.Stage;
  readonly hardening: FunctionHardening;
  /**
   * Prefix of the custom resource's construct id (stages other than the first).
   * @default ''
   */
  readonly idPrefix?: string;
}

/** The API's one cache-control function, created with its first cached stage. */
function cacheControlFunction(scope: Construct, hardening: FunctionHardening): CacheControlFunction {
  const existing = scope.node.tryFindChild('CacheControlFunction');
  if (existing instanceof CacheControlFunction) return existing;
  const spec = {
    purpose: `Applies the cache-invalidation settings (authorization required, ${UNAUTHORIZED_STRATEGY}) to the method settings of the stages of ${scope.node.path}`,
    noVpcReason: 'it runs only during deployments and calls the API Gateway control plane and the CloudFormation response URL',
    memorySize: 128,
    // Large APIs need one UpdateStage call per 50 method settings, paced under API Gateway's control-plane rate.
    timeout: Duration.minutes(5),
    // CloudFormation invokes custom-resource functions asynchronously: a failed invocation lands in the DLQ.
    asynchronous: true,
  };
  const fn = new CacheControlFunction(scope, 'CacheControlFunction', hardenedFunctionOptions(scope, 'CacheControlFunction', hardening, spec));
  acknowledgeFunctionFindings(fn, hardening, spec);
  return fn;
}

/** Adds the custom resource of one stage (the function is shared by the API's stages); returns it. */
export function requireAuthorizedCacheInvalidation(scope: Construct, options: CacheControlOptions): CustomResource {
  const fn = cacheControlFunction(scope, options.hardening);
  const stageArn = Stack.of(scope).formatArn({
    service: 'apigateway',
    account: '',
    resource: '/restapis',
    resourceName: `${options.api.restApiId}/stages/${options.stage.stageName}`,
  });
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['apigateway:PATCH'], resources: [stageArn] }));

  const cfnStage = options.stage.node.defaultChild as apigateway.CfnStage;
  const settings = (): apigateway.CfnStage.MethodSettingProperty[] =>
    (Stack.of(scope).resolve(cfnStage.methodSettings) as apigateway.CfnStage.MethodSettingProperty[] | undefined) ?? [];
  const resource = new CustomResource(scope, `${options.idPrefix ?? ''}CacheControl`, {
    serviceToken: fn.functionArn,
    resourceType: 'Custom::StageCacheControl',
    properties: {
      RestApiId: options.api.restApiId,
      StageName: options.stage.stageName,
      MethodSettingKeys: Lazy.list({ produce: () => methodSettingKeys(settings()) }),
      MethodSettingsFingerprint: Lazy.string({ produce: () => fingerprint(JSON.stringify(settings())) }),
      DeploymentId: options.api.latestDeployment?.deploymentId,
    },
  });
  resource.node.addDependency(options.stage);
  return resource;
}

/** `execute-api:InvalidateCache` on a method of the stage, for SigV4-signed `Cache-Control: max-age=0` requests. */
export function grantInvalidateCache(grantee: iam.IGrantable, api: apigateway.RestApi, stageName: string, method: string, path: string): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: INVALIDATE_CACHE_ACTIONS,
    resourceArns: [api.arnForExecuteApi(method, path, stageName)],
  });
}

/** The UpdateStage keys of the stage's method settings, stage-wide `*` `/` `*` first, without duplicates. */
export function methodSettingKeys(settings: apigateway.CfnStage.MethodSettingProperty[]): string[] {
  const keys = settings.map((s) => methodSettingKey(s.resourcePath ?? '/*', s.httpMethod ?? '*'));
  return [...new Set(['*/*', ...keys])];
}

/** A short, stable fingerprint of a string: it changes whenever the string does. */
function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
