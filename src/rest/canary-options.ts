/**
 * The canary release of a REST stage: its options, their checks, and the stage's `CanarySetting` they render to.
 *
 * The whole release lives on the `AWS::ApiGateway::Stage` (docs/mechanics.md, canary section): `DeploymentId` stays on
 * the base deployment and `CanarySetting.DeploymentId` names the candidate, always explicitly (when omitted, API
 * Gateway fills in the stage's deployment and the template drifts). No deployment ever sets `StageName`: API Gateway
 * refuses a non-canary deployment on a stage with a canary ("Non canary deployment not supported on stage ...",
 * serverless#11518), and `DeploymentCanarySettings` would replace the deployment on every change.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { IConstruct } from 'constructs';
import { checkDuration, checkPattern, checkRange, fail } from '../core/private/validation';

/**
 * Automatic rollback of a canary: alarms on the canary's own traffic (its 5XX rate and p99 latency, from metric
 * filters on the canary's access logs), whose ALARM state sets the canary's share of traffic to 0 % within about a
 * minute (alarm period 60 s, EventBridge rule, rollback function). The base deployment is never touched.
 */
export interface CanaryRollbackOptions {
  /**
   * Roll the canary back automatically.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The canary's 5XX rate, in percent of its requests per minute, above which it is rolled back (0-100).
   * @default 5
   */
  readonly serverErrorRatePercent?: number;
  /**
   * The p99 latency of canary requests per minute above which it is rolled back (1 ms to 300 s).
   * @default Duration.seconds(3)
   */
  readonly latencyP99?: Duration;
  /**
   * How long a threshold must be breached before the rollback: whole minutes, 1 to 60 (each minute is one alarm
   * period, all of them must breach).
   * @default Duration.minutes(1)
   */
  readonly window?: Duration;
  /**
   * Canary requests a minute needs before its 5XX rate counts (fewer: the minute does not breach), so that one error
   * among three requests does not roll a release back.
   * @default 10
   */
  readonly minimumRequests?: number;
}

/**
 * A canary release on a stage: a share of the stage's requests is served by the deployment of the current API model
 * (the candidate), the rest by the stage's base deployment (`StageSettings.baseDeployment`).
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html
 */
export interface CanaryOptions {
  /**
   * The share of the stage's requests the candidate serves, 0.0-100.0. `0` parks the canary: it then points at the
   * stage's base deployment, with no variable overrides (the state after a promotion or a rollback).
   */
  readonly percentTraffic: number;
  /**
   * Stage variables that take other values for canary requests (a backend canary: a variable naming the Lambda
   * alias, see `LambdaAliasIntegration`). Every key must be one of the stage's own `variables`.
   * @default - none
   */
  readonly stageVariableOverrides?: Record<string, string>;
  /**
   * Whether canary requests use the stage cache (the stage must have one).
   * @default false
   */
  readonly useStageCache?: boolean;
  /**
   * Automatic rollback on the canary's own 5XX rate and p99 latency.
   * @default - on, with the `CanaryRollbackOptions` defaults
   */
  readonly autoRollback?: CanaryRollbackOptions;
}

/** The resolved rollback thresholds. */
export interface ResolvedRollback {
  readonly serverErrorRatePercent: number;
  readonly latencyP99: Duration;
  readonly periods: number;
  readonly minimumRequests: number;
}

const VARIABLE_VALUE = /^[A-Za-z0-9\-._~:/?#&=,]{1,512}$/;

/** The rollback options with their defaults, or undefined when automatic rollback is off (pure). */
export function resolveRollback(options: CanaryRollbackOptions | undefined): ResolvedRollback | undefined {
  if (options?.enabled === false) return undefined;
  const window = options?.window ?? Duration.minutes(1);
  return {
    serverErrorRatePercent: options?.serverErrorRatePercent ?? 5,
    latencyP99: options?.latencyP99 ?? Duration.seconds(3),
    periods: window.isUnresolved() ? 1 : Math.round(window.toSeconds() / 60),
    minimumRequests: options?.minimumRequests ?? 10,
  };
}

/**
 * Checks a stage's canary settings (docs/limits.md: percentTraffic 0.0-100.0; overrides only of the stage's own
 * variables, with the values stage variables allow).
 */
export function validateCanary(
  scope: IConstruct,
  prefix: string,
  settings: {
    readonly canary?: CanaryOptions;
    readonly variables?: Record<string, string>;
    readonly cache?: unknown;
    readonly removeCanary?: boolean;
  },
): void {
  const canary = settings.canary;
  if (!canary) return;
  if (settings.removeCanary) fail(scope, `${prefix}.removeCanary`, true, 'must not be set together with canary: remove the canary prop to remove the canary');
  checkRange(scope, `${prefix}.canary.percentTraffic`, canary.percentTraffic, { min: 0, max: 100, unit: 'percent' });
  const known = Object.keys(settings.variables ?? {});
  for (const [key, value] of Object.entries(canary.stageVariableOverrides ?? {})) {
    if (!Token.isUnresolved(key) && !known.includes(key)) {
      fail(scope, `${prefix}.canary.stageVariableOverrides key`, key, known.length === 0
        ? 'must be one of the stage\'s variables, and the stage has none: declare it in variables first'
        : `must be one of the stage's variables (${known.join(', ')})`);
    }
    checkPattern(scope, `${prefix}.canary.stageVariableOverrides.${key}`, value, VARIABLE_VALUE, 'must be 1-512 characters of A-Za-z0-9-._~:/?#&=,');
  }
  if (canary.useStageCache && settings.cache === undefined) {
    fail(scope, `${prefix}.canary.useStageCache`, true, 'needs a stage cache (stage.cache)');
  }
  const rollback = canary.autoRollback;
  if (rollback) {
    checkRange(scope, `${prefix}.canary.autoRollback.serverErrorRatePercent`, rollback.serverErrorRatePercent, { min: 0, max: 100, unit: 'percent' });
    checkDuration(scope, `${prefix}.canary.autoRollback.latencyP99`, rollback.latencyP99, { minSeconds: 0.001, maxSeconds: 300 });
    checkDuration(scope, `${prefix}.canary.autoRollback.window`, rollback.window, { minSeconds: 60, maxSeconds: 3600 });
    const window = rollback.window;
    if (window && !window.isUnresolved() && window.toSeconds() % 60 !== 0) {
      fail(scope, `${prefix}.canary.autoRollback.window`, window, 'must be a whole number of minutes (each minute is one alarm period)');
    }
    checkRange(scope, `${prefix}.canary.autoRollback.minimumRequests`, rollback.minimumRequests, { min: 1, integer: true });
  }
}

/** The two deployments a canary setting may name. */
export interface CanaryDeployments {
  /** The stage's base deployment id (`StageSettings.baseDeployment`, or the current model's). */
  readonly base: string;
  /** The current model's deployment id. */
  readonly candidate: string;
  /** The share of traffic, when it comes from the guard (`Fn::GetAtt`). @default - the literal percentTraffic */
  readonly percentTraffic?: number;
}

/**
 * The stage's `CanarySetting` (pure). With traffic, the canary serves the candidate with its overrides; at 0 % it is
 * parked on the base deployment without overrides, so a promoted or rolled-back canary holds no other snapshot and no
 * stale variable.
 */
export function renderCanarySetting(canary: CanaryOptions, deployments: CanaryDeployments): apigateway.CfnStage.CanarySettingProperty {
  if (canary.percentTraffic === 0) {
    return { deploymentId: deployments.base, percentTraffic: 0, useStageCache: canary.useStageCache ?? false };
  }
  return {
    deploymentId: deployments.candidate,
    percentTraffic: deployments.percentTraffic ?? canary.percentTraffic,
    stageVariableOverrides: canary.stageVariableOverrides,
    useStageCache: canary.useStageCache ?? false,
  };
}
