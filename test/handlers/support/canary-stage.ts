/**
 * A stand-in for one API Gateway REST stage with a canary, driven through aws-sdk-client-mock: GetStage answers its
 * state; UpdateStage applies only the patch operations the canary handlers may send (`replace
 * /canarySettings/percentTraffic`, `remove /canarySettings`) and refuses every other one with BadRequest, so a test
 * fails if a handler ever patches something else (the base `/deploymentId` above all). Replacing a canary field on a
 * stage without canary is refused too (there is nothing to patch). Failures can be queued per operation.
 */
import { APIGatewayClient, BadRequestException, GetStageCommand, NotFoundException, UpdateStageCommand } from '@aws-sdk/client-api-gateway';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { FakeClock } from './monetized-fakes';
import { apiGatewayStages, StageGateway } from '../../../src/runtime/canary/stage';
import { Pacer } from '../../../src/runtime/monetized/retry';

export const API_ID = 'abcde12345';
export const STAGE = 'prod';
export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';
export const ERRORS_ALARM_ARN = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:orders-prod-canary-5xx`;
export const LATENCY_ALARM_ARN = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:orders-prod-canary-p99:latency`;

export interface StageState {
  deploymentId: string;
  variables?: Record<string, string>;
  canarySettings?: { deploymentId: string; percentTraffic?: number; stageVariableOverrides?: Record<string, string>; useStageCache?: boolean };
}

const meta = { $metadata: {} };

export class FakeStage {
  public readonly calls: Array<{ op: 'GetStage' | 'UpdateStage'; input: any; at: number }> = [];
  public state: StageState | undefined;
  private readonly failures: Record<string, unknown[]> = { GetStage: [], UpdateStage: [] };

  constructor(private readonly clock: FakeClock, state?: StageState) {
    this.state = state ?? { deploymentId: 'base01', variables: { lambdaAlias: 'live' }, canarySettings: { deploymentId: 'cand02', percentTraffic: 10, stageVariableOverrides: { lambdaAlias: 'candidate' } } };
  }

  /** The next calls of `op` fail with these errors, in order. */
  public failNext(op: 'GetStage' | 'UpdateStage', ...errors: unknown[]): void {
    this.failures[op].push(...errors);
  }

  public getStage(input: any): StageState {
    this.record('GetStage', input);
    return structuredClone(this.find(input));
  }

  public updateStage(input: any): StageState {
    this.record('UpdateStage', input);
    const stage = this.find(input);
    for (const op of input.patchOperations ?? []) {
      if (op.op === 'replace' && op.path === '/canarySettings/percentTraffic' && stage.canarySettings) {
        stage.canarySettings.percentTraffic = Number(op.value);
      } else if (op.op === 'remove' && op.path === '/canarySettings' && stage.canarySettings) {
        delete stage.canarySettings;
      } else {
        throw new BadRequestException({ message: `Invalid patch operation ${JSON.stringify(op)}`, ...meta });
      }
    }
    return structuredClone(stage);
  }

  private record(op: 'GetStage' | 'UpdateStage', input: any): void {
    this.calls.push({ op, input: structuredClone(input), at: this.clock.now() });
    const failure = this.failures[op].shift();
    if (failure) throw failure;
  }

  private find(input: any): StageState {
    if (!this.state || input.restApiId !== API_ID || input.stageName !== STAGE) throw new NotFoundException({ message: 'Invalid stage identifier specified', ...meta });
    return this.state;
  }
}

/** A fresh client mock, stage and gateway on a fake clock. */
export function stageSetup(state?: StageState): { clock: FakeClock; stage: FakeStage; stages: StageGateway; mock: AwsClientStub<APIGatewayClient> } {
  const clock = new FakeClock();
  const stage = new FakeStage(clock, state);
  const client = new APIGatewayClient({ region: REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(client);
  mock.on(GetStageCommand).callsFake(async (input) => stage.getStage(input));
  mock.on(UpdateStageCommand).callsFake(async (input) => stage.updateStage(input));
  return { clock, stage, mock, stages: apiGatewayStages(client, { clock, pacer: new Pacer(clock), random: () => 0.5 }) };
}
