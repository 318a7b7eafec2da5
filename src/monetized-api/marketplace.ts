/**
 * Selling tiers through AWS Marketplace (https://docs.aws.amazon.com/apigateway/latest/developerguide/sell-api-as-saas-on-aws-marketplace.html).
 * Internal to MonetizedApi.
 *
 * - Product code: `AWS::ApiGateway::UsagePlan` has no ProductCode property; a custom resource per sold tier sends
 *   `UpdateUsagePlan replace /productCode` (src/runtime/monetized/plan-resources.ts).
 * - Metering role: API Gateway meters a sold plan's requests with the account's `ApiGatewayMarketplaceMeteringRole`,
 *   which trusts `apigateway.amazonaws.com` and allows `aws-marketplace:BatchMeterUsage` and `ResolveCustomer`.
 * - Registration: AWS Marketplace POSTs the buyer's browser to the fulfilment URL with `x-amzn-marketplace-token`, so
 *   that route carries no authorizer (a browser form post has no credentials); the handler accepts only tokens
 *   `ResolveCustomer` resolves.
 * - Subscription notifications: Marketplace publishes them to its SNS topic (one per product, in its own account);
 *   an encrypted queue subscribed to the topics feeds the event handler. SNS of another account encrypts with our
 *   key only when the key policy names the topics (aws:SourceArn), not our account.
 */
import { createHash } from 'node:crypto';
import { CustomResource, Duration, Names } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { APIGATEWAY_PLAN_UPDATE, allow, apiGatewayArn } from './handlers';
import { acknowledge } from '../core/private/acknowledgements';
import { ManagedPolicyRole, createDeadLetterQueue } from '../core/private/functions';
import { SERVICE_KEY_ACTIONS, SNS_PRINCIPAL } from '../core/private/policies';
import { checkPattern } from '../core/private/validation';

/** The metering role's name and grants, as the API Gateway developer guide gives them. */
export const METERING_ROLE_NAME = 'ApiGatewayMarketplaceMeteringRole';
export const METERING_ACTIONS = Object.freeze(['aws-marketplace:BatchMeterUsage', 'aws-marketplace:ResolveCustomer']);
export const RESOLVE_CUSTOMER_ACTIONS = Object.freeze(['aws-marketplace:ResolveCustomer']);
/** AWS Marketplace Metering actions support no resource-level permissions (Service Authorization Reference). */
const NO_RESOURCE_TYPES = 'AWS Marketplace Metering Service actions (BatchMeterUsage, ResolveCustomer) support no resource types in IAM (Service Authorization Reference, list_awsmarketplacemeteringservice): Resource "*" is the only form AWS documents';

/** Marketplace subscription notifications are SNS topics. */
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

export function validateTopics(scope: Construct, topics: readonly string[]): void {
  for (const t of topics) checkPattern(scope, 'marketplace.subscriptionTopicArns', t, TOPIC_ARN, 'entries must be SNS topic ARNs');
}

/** The account's metering role. */
export function createMeteringRole(scope: Construct): iam.Role {
  const role = new ManagedPolicyRole(scope, 'MeteringRole', {
    roleName: METERING_ROLE_NAME,
    assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
    description: 'Lets API Gateway meter requests to usage plans sold through AWS Marketplace',
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...METERING_ACTIONS], resources: ['*'] }));
  acknowledge(role.policy, { id: 'AwsSolutions-IAM5[Resource::*]', reason: NO_RESOURCE_TYPES });
  return role;
}

/** The registration function may resolve buyers' tokens. */
export function grantResolveCustomer(fn: lambda.Function): void {
  allow(fn, RESOLVE_CUSTOMER_ACTIONS, ['*']);
}

/** Acknowledges the Resource "*" of ResolveCustomer on a function's policy. */
export function acknowledgeResolveCustomer(fn: lambda.Function): void {
  acknowledge((fn.role as ManagedPolicyRole).policy, { id: 'AwsSolutions-IAM5[Resource::*]', reason: NO_RESOURCE_TYPES });
}

/** The product code of one sold tier, set on its plan. */
export function setProductCode(scope: Construct, fn: lambda.Function, planId: string, productCode: string): CustomResource {
  allow(fn, APIGATEWAY_PLAN_UPDATE, [apiGatewayArn(`/usageplans/${planId}`)]);
  const resource = new CustomResource(scope, 'ProductCode', {
    serviceToken: fn.functionArn,
    resourceType: 'Custom::UsagePlanProductCode',
    properties: { UsagePlanId: planId, ProductCode: productCode },
  });
  if (fn.role) resource.node.addDependency(fn.role);
  return resource;
}

/** The queue the Marketplace topics deliver to, its dead-letter queue and the subscriptions. */
export function subscribeToMarketplace(scope: Construct, key: kms.Key, topics: readonly string[], workerTimeout: Duration): sqs.Queue {
  const deadLetterQueue = createDeadLetterQueue(scope, 'SubscriptionEventsDlq', key, 'of the AWS Marketplace subscription events');
  const queue = new sqs.Queue(scope, 'SubscriptionEvents', {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    // Lambda's SQS guidance: at least six times the function's timeout.
    visibilityTimeout: Duration.seconds(workerTimeout.toSeconds() * 6),
    retentionPeriod: Duration.days(14),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
  });
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowMarketplaceTopics',
    principals: [new iam.ServicePrincipal(SNS_PRINCIPAL)],
    actions: [...SERVICE_KEY_ACTIONS],
    resources: ['*'],
    conditions: { ArnEquals: { 'aws:SourceArn': [...topics] } },
  }));
  for (const arn of topics) {
    // Ids from the ARN: reordering the topics never re-creates a subscription.
    const id = `MarketplaceTopic${createHash('sha256').update(arn).digest('hex').slice(0, 8)}`;
    // Notifications SNS cannot deliver go to the dead-letter queue too (SNS redrive policy).
    sns.Topic.fromTopicArn(scope, id, arn).addSubscription(new subscriptions.SqsSubscription(queue, { rawMessageDelivery: false, deadLetterQueue }));
  }
  return queue;
}

/** The event handler reads the queue, reporting per-message failures. */
export function consumeSubscriptionEvents(fn: lambda.Function, queue: sqs.IQueue): void {
  fn.addEventSource(new eventSources.SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));
  acknowledge(fn.node.findChild(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`), {
    id: 'Serverless-LambdaEventSourceMappingDestination',
    reason: 'SQS event sources take no on-failure destination; failed records return to the queue and move to its KMS-encrypted dead-letter queue after 5 receives',
  });
}
