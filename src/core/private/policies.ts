/**
 * The IAM action lists and service principals the library's policies name, each written once (aws-cdk's idiom:
 * module constants, as `readPermissions` in aws-apigateway/lib/api-key.ts). The lists are frozen: they are shared
 * by every instance, so no caller may change them; spread them where a mutable array is needed.
 *
 * Internal: never exported from the package.
 */

/** The service principal that publishes alarm notifications. */
export const CLOUDWATCH_PRINCIPAL = 'cloudwatch.amazonaws.com';

/** The service principal that delivers notifications, to the dead-letter queue among others. */
export const SNS_PRINCIPAL = 'sns.amazonaws.com';

/**
 * What API Gateway's account-level CloudWatch role needs to write execution and access logs: the actions of the AWS
 * managed policy `AmazonAPIGatewayPushToCloudWatchLogs`, granted by a customer-managed policy scoped to the
 * account's log groups instead.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
 */
export const PUSH_TO_CLOUDWATCH_LOGS_ACTIONS: readonly string[] = Object.freeze([
  'logs:CreateLogGroup',
  'logs:CreateLogStream',
  'logs:DescribeLogGroups',
  'logs:DescribeLogStreams',
  'logs:PutLogEvents',
  'logs:GetLogEvents',
  'logs:FilterLogEvents',
]);

/**
 * What a Lambda function's role needs on the customer-managed key of its encrypted SQS dead-letter queue: Lambda
 * sends to the queue with the function's own role (aws-cdk#33153).
 * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
export const DLQ_KEY_ACTIONS: readonly string[] = Object.freeze(['kms:GenerateDataKey', 'kms:Decrypt']);

/**
 * What a function in a VPC needs to manage its network interfaces, with Resource "*" (`ec2:DescribeNetworkInterfaces`
 * works only on all resources). The Lambda guide requires the first three; the assign/unassign pair is in
 * `AWSLambdaVPCAccessExecutionRole`, whose version 3 (January 2024) also lists `ec2:DescribeSubnets`, granted too.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
 * @see https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html
 */
export const VPC_ENI_ACTIONS: readonly string[] = Object.freeze([
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
]);

/**
 * What active X-Ray tracing needs; Lambda adds them to the function's role itself. X-Ray supports no resource-level
 * permissions for them, so they take Resource "*".
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
 */
export const XRAY_ACTIONS: readonly string[] = Object.freeze(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);

/**
 * What CloudWatch needs on an alarm topic to deliver an alarm action.
 * @see https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger
 */
export const ALARM_PUBLISH_ACTIONS: readonly string[] = Object.freeze(['sns:Publish']);

/**
 * What a service (CloudWatch publishing to an encrypted topic, SNS sending to an encrypted queue) needs on the key.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export const SERVICE_KEY_ACTIONS: readonly string[] = Object.freeze(['kms:Decrypt', 'kms:GenerateDataKey*']);
