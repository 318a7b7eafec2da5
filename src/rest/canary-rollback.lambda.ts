/**
 * Automatic canary rollback: invoked by the EventBridge rule on the guard alarms' state changes, sets the canary's
 * share of traffic to 0 % (UpdateStage `replace /canarySettings/percentTraffic 0.0`, never `/deploymentId`).
 * Logic in src/runtime/canary/rollback.ts; configuration (src/runtime/canary/contract.ts) read once per execution
 * environment. Logs what it did (ids, names, percentages), never the event. Publishes `CanaryRollback` (count) in
 * embedded metric format for every rollback it performs.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { parseCanaryRollbackEnvironment } from '../runtime/canary/contract';
import { RollbackOutcome, runRollback } from '../runtime/canary/rollback';
import { lambdaStageGateway } from '../runtime/canary/stage';

const logger = new Logger({ serviceName: 'api-canary-rollback' });
const metrics = new Metrics({ namespace: 'CdkApiGatewayPatterns/Canary', serviceName: 'api-canary-rollback' });
// A missing or invalid configuration fails every invocation loudly (and the event goes to the failure destination).
const config = parseCanaryRollbackEnvironment(process.env);
const stages = lambdaStageGateway();

export async function handler(event: unknown): Promise<RollbackOutcome> {
  try {
    const outcome = await runRollback(event, config, stages, (m, f) => logger.info(m, f));
    if (outcome.action === 'rolled-back') {
      metrics.addDimensions({ RestApiId: config.restApiId, Stage: config.stageName });
      metrics.addMetric('CanaryRollback', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    }
    return outcome;
  } catch (e) {
    logger.error('canary rollback failed', { restApiId: config.restApiId, stageName: config.stageName, code: (e as Error)?.name ?? 'Error' });
    throw e;
  }
}
