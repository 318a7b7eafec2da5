/**
 * Makes a cached REST stage refuse cache invalidation (`Cache-Control: max-age=0`) from unauthorized callers with
 * 403, through a small custom resource (CloudFormation's Stage cannot express these settings). Internal.
 */
import { CustomResource, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CacheControlFunction } from './cache-control-function';
import { FunctionHardening, acknowledgeFunctionFindings, hardenedFunctionOptions } from '../core/private/functions';

export interface CacheControlOptions {
  readonly api: apigateway.RestApi;
  readonly stage: apigateway.Stage;
  readonly hardening: FunctionHardening;
}

/** Adds the custom resource; returns it. */
export function requireAuthorizedCacheInvalidation(scope: Construct, options: CacheControlOptions): CustomResource {
  const spec = {
    purpose: `Refuses unauthorized cache invalidation on the stage of ${scope.node.path}`,
    noVpcReason: 'it runs only during deployments and calls the API Gateway control plane and the CloudFormation response URL',
    memorySize: 128,
    // CloudFormation invokes custom-resource functions asynchronously: a failed invocation lands in the DLQ.
    asynchronous: true,
  };
  const fn = new CacheControlFunction(scope, 'CacheControlFunction', hardenedFunctionOptions(scope, 'CacheControlFunction', options.hardening, spec));
  acknowledgeFunctionFindings(fn, options.hardening, spec);
  const stageArn = Stack.of(scope).formatArn({
    service: 'apigateway',
    account: '',
    resource: '/restapis',
    resourceName: `${options.api.restApiId}/stages/${options.stage.stageName}`,
  });
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['apigateway:PATCH'], resources: [stageArn] }));
  const resource = new CustomResource(scope, 'CacheControl', {
    serviceToken: fn.functionArn,
    resourceType: 'Custom::StageCacheControl',
    properties: { RestApiId: options.api.restApiId, StageName: options.stage.stageName },
  });
  resource.node.addDependency(options.stage);
  return resource;
}
