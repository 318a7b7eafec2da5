/**
 * The MonetizedApi usage export, run daily by an EventBridge schedule (or with `{ from, to }` for a backfill):
 * every tier's GetUsage, per day, to S3 as JSON Lines. Logic in src/runtime/monetized/export.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { QUOTA_METRIC } from '../runtime/monetized/contract';
import { monetizedDependencies } from '../runtime/monetized/environment';
import { exportUsage, ExportResult } from '../runtime/monetized/export';

const logger = new Logger({ serviceName: 'monetized-usage-export' });
const metrics = new Metrics({ namespace: QUOTA_METRIC.namespace, serviceName: QUOTA_METRIC.service });
let deps: Parameters<typeof exportUsage>[0] | undefined;

export async function handler(event: unknown): Promise<ExportResult> {
  deps ??= { ...monetizedDependencies(process.env, (m, f) => logger.info(m, f)), s3: new S3Client({}) };
  try {
    const result = await exportUsage(deps, event);
    // One EMF line per plan: the quota left to its most active key (the construct's near-quota alarms read it).
    for (const [planId, value] of Object.entries(result.lowestRemaining)) {
      const metric = metrics.singleMetric();
      metric.addDimension(QUOTA_METRIC.dimension, planId);
      metric.addMetric(QUOTA_METRIC.name, MetricUnit.Count, value);
    }
    return result;
  } catch (e) {
    // Fails the invocation (the schedule's retry policy runs it again); only the error's name is logged.
    logger.error('usage export failed', { name: (e as Error)?.name, code: (e as { code?: string })?.code });
    throw e;
  }
}
