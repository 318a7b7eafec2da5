/**
 * The contract between the REST stage construct (which renders it) and the canary handlers (which parse it): the
 * rollback function's environment, the EventBridge rule that invokes it, and the properties and attributes of the two
 * canary custom resources. One pure module both import, so a name, a format and a limit exist in one place.
 * docs/canary.md describes what the construct wires with it. No CDK imports: runs inside Lambda.
 *
 * The render functions accept unresolved CDK tokens inside their strings (the API id, alarm ARNs, a deployment id)
 * and do not validate them; the parse functions validate every value and throw `CanaryConfigError` naming it.
 */

/** Everything the rollback function is configured with: one canary stage and the alarms that guard it. */
export interface CanaryRollbackConfig {
  readonly restApiId: string;
  readonly stageName: string;
  /** ARNs of the guard alarms (5XX rate, p99 latency, ...) on the canary's own traffic. */
  readonly guardAlarmArns: readonly string[];
}

/** The rollback function's environment variable names (the contract). */
export const CANARY_ROLLBACK_ENV = {
  restApiId: 'CANARY_REST_API_ID',
  stageName: 'CANARY_STAGE_NAME',
  guardAlarmArns: 'CANARY_GUARD_ALARM_ARNS',
} as const;

/** At most this many guard alarms per stage (their ARNs share Lambda's 4 KB environment budget). */
export const MAX_GUARD_ALARMS = 10;

/** The custom resource that removes a stage's canary for real (aws-cdk#33901). */
export const CANARY_REMOVAL_RESOURCE_TYPE = 'Custom::ApiCanaryRemoval';
/** The custom resource that keeps an out-of-band rollback in force across stack updates (docs/canary.md). */
export const CANARY_GUARD_RESOURCE_TYPE = 'Custom::ApiCanaryGuard';
/** The guard's attribute that the stage's `CanarySetting.PercentTraffic` reads (`Fn::GetAtt`). */
export const CANARY_GUARD_PERCENT_ATTRIBUTE = 'PercentTraffic';

/** The removal custom resource's properties, as CloudFormation sends them. */
export interface CanaryRemovalProperties {
  readonly restApiId: string;
  readonly stageName: string;
  /** True: remove `/canarySettings` from the live stage (when it has one). False: do nothing. */
  readonly removeCanary: boolean;
}

/** The guard custom resource's properties, as CloudFormation sends them. */
export interface CanaryGuardProperties {
  readonly restApiId: string;
  readonly stageName: string;
  /** The deployment the template's canary points at (`Ref` of its `AWS::ApiGateway::Deployment`). */
  readonly candidateDeploymentId: string;
  /** The canary's share of traffic in the template (0-100). */
  readonly percentTraffic: number;
  /**
   * Any string that changes whenever the stage's other properties change (a hash of them), so that CloudFormation
   * asks the guard again before every update of the stage.
   */
  readonly stageFingerprint: string;
}

/** A configuration value the handlers refuse. */
export class CanaryConfigError extends Error {
  constructor(public readonly variable: string, reason: string) {
    super(`${variable}: ${reason}`);
    this.name = 'CanaryConfigError';
  }
}

/** A REST API id (API Gateway answers ids of 10 lowercase letters and digits). */
export const REST_API_ID_PATTERN = /^[a-z0-9]{10}$/;
/** A REST stage name (docs/limits.md: 1-128 letters, digits, `-`, `_`). */
export const STAGE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** A deployment id (API Gateway answers short lowercase ids such as `eh1sby`). */
export const DEPLOYMENT_ID_PATTERN = /^[A-Za-z0-9]{1,64}$/;
/** A CloudWatch alarm ARN; the name (1-255 characters, no control characters) is the last part. */
export const ALARM_ARN_PATTERN = /^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:([^\u0000-\u001f]{1,255})$/;

/** The name part of an alarm ARN (alarm names may hold `:`, so everything after `:alarm:`). */
export function alarmNameOf(alarmArn: string): string {
  const match = ALARM_ARN_PATTERN.exec(alarmArn);
  if (!match) throw new CanaryConfigError('alarm ARN', `not an alarm ARN: ${alarmArn.slice(0, 80)}`);
  return match[1];
}

/** The rollback function's environment. */
export function renderCanaryRollbackEnvironment(config: CanaryRollbackConfig): Record<string, string> {
  return {
    [CANARY_ROLLBACK_ENV.restApiId]: config.restApiId,
    [CANARY_ROLLBACK_ENV.stageName]: config.stageName,
    [CANARY_ROLLBACK_ENV.guardAlarmArns]: JSON.stringify(config.guardAlarmArns),
  };
}

function required(env: Record<string, string | undefined>, name: string, pattern: RegExp, what: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new CanaryConfigError(name, 'is missing');
  if (!pattern.test(value)) throw new CanaryConfigError(name, `is not ${what}`);
  return value;
}

/** Parses and validates the rollback function's environment. */
export function parseCanaryRollbackEnvironment(env: Record<string, string | undefined>): CanaryRollbackConfig {
  const restApiId = required(env, CANARY_ROLLBACK_ENV.restApiId, REST_API_ID_PATTERN, 'a REST API id');
  const stageName = required(env, CANARY_ROLLBACK_ENV.stageName, STAGE_NAME_PATTERN, 'a REST stage name');
  const name = CANARY_ROLLBACK_ENV.guardAlarmArns;
  const raw = env[name];
  if (raw === undefined || raw === '') throw new CanaryConfigError(name, 'is missing');
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw new CanaryConfigError(name, 'is not a JSON list');
  }
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_GUARD_ALARMS) {
    throw new CanaryConfigError(name, `must be a JSON list of 1 to ${MAX_GUARD_ALARMS} alarm ARNs`);
  }
  const bad = list.findIndex((arn) => typeof arn !== 'string' || !ALARM_ARN_PATTERN.test(arn));
  if (bad >= 0) throw new CanaryConfigError(name, `item ${bad} is not a CloudWatch alarm ARN`);
  return { restApiId, stageName, guardAlarmArns: [...new Set(list as string[])] };
}

/**
 * The EventBridge rule pattern that invokes the rollback function: state changes of the guard alarms into ALARM
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html). Shaped as
 * aws-cdk-lib's `events.EventPattern` (`detailType` is the event's `detail-type`). The function checks the event
 * again: the rule is the filter that keeps it from being invoked for nothing, not the only check.
 */
export function canaryRollbackEventPattern(guardAlarmArns: readonly string[]): {
  source: string[];
  detailType: string[];
  resources: string[];
  detail: { state: { value: string[] } };
} {
  return {
    source: ['aws.cloudwatch'],
    detailType: ['CloudWatch Alarm State Change'],
    resources: [...guardAlarmArns],
    detail: { state: { value: ['ALARM'] } },
  };
}

/** The removal custom resource's properties, in CloudFormation's PascalCase. */
export function renderCanaryRemovalProperties(props: CanaryRemovalProperties): Record<string, string | boolean> {
  return { RestApiId: props.restApiId, StageName: props.stageName, RemoveCanary: props.removeCanary };
}

/** The guard custom resource's properties, in CloudFormation's PascalCase. */
export function renderCanaryGuardProperties(props: CanaryGuardProperties): Record<string, string> {
  return {
    RestApiId: props.restApiId,
    StageName: props.stageName,
    CandidateDeploymentId: props.candidateDeploymentId,
    PercentTraffic: String(props.percentTraffic),
    StageFingerprint: props.stageFingerprint,
  };
}

function property(props: Record<string, unknown> | undefined, name: string, pattern: RegExp, what: string): string {
  const value = props?.[name];
  if (typeof value !== 'string' || !pattern.test(value)) throw new CanaryConfigError(name, `is not ${what}`);
  return value;
}

/** CloudFormation sends every scalar property as a string: `true` arrives as `"true"`. */
function booleanProperty(props: Record<string, unknown> | undefined, name: string): boolean {
  const value = props?.[name];
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new CanaryConfigError(name, 'is not true or false');
}

/** A percentage of traffic, 0.0-100.0 (docs/limits.md), as a number or the string CloudFormation sends. */
export function parsePercentTraffic(value: unknown, name = 'PercentTraffic'): number {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,3}(\.\d+)?$/.test(text)) throw new CanaryConfigError(name, 'is not a number from 0 to 100');
  const percent = Number(text);
  if (percent > 100) throw new CanaryConfigError(name, 'is not a number from 0 to 100');
  return percent;
}

/** Parses and validates the removal custom resource's properties. */
export function parseCanaryRemovalProperties(props: Record<string, unknown> | undefined): CanaryRemovalProperties {
  return {
    restApiId: property(props, 'RestApiId', REST_API_ID_PATTERN, 'a REST API id'),
    stageName: property(props, 'StageName', STAGE_NAME_PATTERN, 'a REST stage name'),
    removeCanary: booleanProperty(props, 'RemoveCanary'),
  };
}

/** Parses and validates the guard custom resource's properties. */
export function parseCanaryGuardProperties(props: Record<string, unknown> | undefined): CanaryGuardProperties {
  const fingerprint = props?.StageFingerprint;
  if (typeof fingerprint !== 'string' || fingerprint.length > 256) throw new CanaryConfigError('StageFingerprint', 'is not a string of at most 256 characters');
  return {
    restApiId: property(props, 'RestApiId', REST_API_ID_PATTERN, 'a REST API id'),
    stageName: property(props, 'StageName', STAGE_NAME_PATTERN, 'a REST stage name'),
    candidateDeploymentId: property(props, 'CandidateDeploymentId', DEPLOYMENT_ID_PATTERN, 'a deployment id'),
    percentTraffic: parsePercentTraffic(props?.PercentTraffic),
    stageFingerprint: fingerprint,
  };
}

/**
 * The stage's path in API Gateway's control-plane ARNs: the IAM resource of GetStage (`apigateway:GET`) and
 * UpdateStage (`apigateway:PATCH`) is `arn:{partition}:apigateway:{region}::/restapis/{id}/stages/{stage}`
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html).
 */
export function stageResourcePath(restApiId: string, stageName: string): string {
  return `/restapis/${restApiId}/stages/${stageName}`;
}

/** The IAM actions each canary function needs, on the stage's ARN only. */
export const CANARY_FUNCTION_ACTIONS = {
  /** GetStage (is there a canary, at what share) and UpdateStage (set it to 0). */
  rollback: ['apigateway:GET', 'apigateway:PATCH'],
  /** Removal: GetStage and UpdateStage; guard: GetStage. One function serves both custom resources. */
  customResources: ['apigateway:GET', 'apigateway:PATCH'],
} as const;
