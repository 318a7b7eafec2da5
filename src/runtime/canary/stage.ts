/**
 * The live stage as the canary handlers read and patch it: GetStage and UpdateStage through an injected AWS SDK v3
 * API Gateway client, paced and retried on throttling (429) and server faults (5xx) with jittered backoff
 * (src/runtime/monetized/retry.ts: the control plane's rates are fixed per account, about 10 requests per second).
 *
 * Patch operations follow the REST API form of the documentation
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html and the pages it links:
 * update, promote and delete a canary release): `/canarySettings/percentTraffic`, `/canarySettings`.
 * No CDK imports: runs inside Lambda.
 */
import { APIGatewayClient, GetStageCommand, PatchOperation, UpdateStageCommand } from '@aws-sdk/client-api-gateway';
import { errorName } from '../monetized/errors';
import { CallContext, paced, Pacer, systemClock } from '../monetized/retry';

/** A stage's canary, as API Gateway reports it. */
export interface LiveCanary {
  readonly deploymentId?: string;
  /** 0 when API Gateway omits it. */
  readonly percentTraffic: number;
}

/** What the canary handlers need to know of a live stage. */
export interface LiveStage {
  /** The base deployment: what the stage serves outside the canary. Never patched by these handlers. */
  readonly deploymentId?: string;
  readonly canary?: LiveCanary;
}

/** The stage operations the handlers use (the real client in Lambda, a mocked one in tests). */
export interface StageGateway {
  /** The stage, or undefined when API Gateway has no such stage (NotFoundException). */
  getStage(restApiId: string, stageName: string): Promise<LiveStage | undefined>;
  /** Applies the operations; answers the stage as it is afterwards. */
  updateStage(restApiId: string, stageName: string, patchOperations: readonly PatchOperation[]): Promise<LiveStage>;
}

/** Sets the canary's share of traffic to 0 and nothing else (the base deployment stays as it is). */
export const ZERO_CANARY_TRAFFIC: readonly PatchOperation[] = [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '0.0' }];

/** Removes the canary from the stage (what CloudFormation does not do when `CanarySetting` leaves the template). */
export const REMOVE_CANARY: readonly PatchOperation[] = [{ op: 'remove', path: '/canarySettings' }];

function toLiveStage(output: { deploymentId?: string; canarySettings?: { deploymentId?: string; percentTraffic?: number } }): LiveStage {
  const canary = output.canarySettings;
  return {
    deploymentId: output.deploymentId,
    canary: canary ? { deploymentId: canary.deploymentId, percentTraffic: canary.percentTraffic ?? 0 } : undefined,
  };
}

/** The gateway over a real (or mocked) API Gateway client. */
export function apiGatewayStages(client: APIGatewayClient, ctx: CallContext): StageGateway {
  return {
    getStage: async (restApiId, stageName) => {
      try {
        return toLiveStage(await paced(ctx, 'GetStage', () => client.send(new GetStageCommand({ restApiId, stageName }))));
      } catch (e) {
        if (errorName(e) === 'NotFoundException') return undefined;
        throw e;
      }
    },
    updateStage: async (restApiId, stageName, patchOperations) =>
      toLiveStage(await paced(ctx, 'UpdateStage', () => client.send(new UpdateStageCommand({ restApiId, stageName, patchOperations: [...patchOperations] })))),
  };
}

/** True when the stage serves some share of its traffic from a canary. */
export function canaryHasTraffic(stage: LiveStage | undefined): boolean {
  return (stage?.canary?.percentTraffic ?? 0) > 0;
}

/**
 * The gateway of a Lambda execution environment: a single-attempt client (the gateway paces and retries, so one
 * backoff policy applies instead of two stacked ones) on the system clock.
 */
export function lambdaStageGateway(): StageGateway {
  return apiGatewayStages(new APIGatewayClient({ maxAttempts: 1 }), { clock: systemClock, pacer: new Pacer(systemClock), random: Math.random });
}
