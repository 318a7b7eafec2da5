/**
 * The canary custom resources of a REST stage: `Custom::ApiCanaryRemoval` removes the live stage's canary
 * (aws-cdk#33901) and `Custom::ApiCanaryGuard` keeps a rollback done outside CloudFormation in force; logic in
 * src/runtime/canary/custom-resources.ts. Answers CloudFormation through src/runtime/monetized/custom-resource.ts.
 * Never logs the ResponseURL or the event.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CanaryCfnEvent, canaryCustomResource } from '../runtime/canary/custom-resources';
import { lambdaStageGateway } from '../runtime/canary/stage';
import { putResponse, runCustomResource } from '../runtime/monetized/custom-resource';

const logger = new Logger({ serviceName: 'api-canary-custom-resources' });
const log = (m: string, f: Record<string, unknown>) => logger.info(m, f);
const stages = lambdaStageGateway();

export async function handler(event: CanaryCfnEvent): Promise<void> {
  await runCustomResource(event, { respond: putResponse, log }, 'canary', (e) => canaryCustomResource(stages, log, e));
}
