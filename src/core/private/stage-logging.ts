/**
 * The logging every stage of the library needs before it starts, REST and WebSocket alike:
 * - its execution-log group, under the exact name API Gateway writes to (`API-Gateway-Execution-Logs_{apiId}/{stage}`,
 *   for REST and WebSocket APIs), pre-created KMS-encrypted with retention; otherwise API Gateway creates it itself,
 *   unencrypted and never expiring (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html);
 * - the account-level CloudWatch Logs role (ApiGatewayAccountLogging), without which the stage cannot log.
 * The stage depends on both. Internal.
 */
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { ApiGatewayAccountLogging } from '../account-logging';

/** What the block needs of the pattern's observability bundle. */
export interface ExecutionLogSource {
  executionLogGroup(apiId: string, stageName: string): logs.ILogGroup;
}

/** Makes `stage` wait for its execution-log group and, unless switched off, the account logging role. */
export function prepareStageLogging(
  stage: IConstruct,
  options: { readonly observability: ExecutionLogSource; readonly apiId: string; readonly stageName: string; readonly accountLogging: boolean },
): logs.ILogGroup {
  const group = options.observability.executionLogGroup(options.apiId, options.stageName);
  stage.node.addDependency(group);
  if (options.accountLogging) ApiGatewayAccountLogging.of(stage).addDependent(stage);
  return group;
}
