/**
 * The library's defaults, as pure functions that return a new object on every call (no default is shared, so no
 * instance can change another's), and the one order in which props are merged (Solutions Constructs'
 * `consolidateProps`, core/lib/utils.ts): the library's defaults, then what the user gave, then what the library
 * requires. A later layer wins; an `undefined` value never overrides an earlier one.
 *
 * Every default of the files that use this module is written here, once; the `@default` doc of each prop repeats
 * it for readers.
 *
 * Internal: never exported from the package.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { WebAclScope } from '../firewall-options';
import { fail, warn } from './validation';

/**
 * Merges props: `defaults`, then `user`, then `required` (shallow). Keys whose value is `undefined` in a layer keep
 * the earlier layer's value, so an optional prop left unset takes its default.
 */
export function consolidateProps<T extends object>(defaults: T, user: Partial<T> = {}, required: Partial<T> = {}): T {
  const merged: Record<string, unknown> = {};
  for (const layer of [defaults, user, required]) {
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) merged[key] = value;
    }
  }
  return merged as T;
}

/** A prop renamed in this minor release: the new name, and the deprecated one still accepted. */
export interface RenamedProp<N, O> {
  /** The new name, for messages (e.g. `rateLimitWindow`). */
  readonly name: string;
  /** The new name's value. */
  readonly value: N | undefined;
  /** The deprecated name (e.g. `rateLimitWindowSeconds`). */
  readonly deprecatedName: string;
  /** The deprecated name's value, already validated under that name. */
  readonly deprecatedValue: O | undefined;
  /** Converts a value of the deprecated name into one of the new name. */
  readonly convert: (value: O) => N;
}

/**
 * The value of a renamed prop: the new name's, or the deprecated name's converted, which warns
 * `cdk-apigateway-patterns:DeprecatedProp`. Giving both names fails, naming both.
 */
export function renamedProp<N, O>(scope: IConstruct, prop: RenamedProp<N, O>): N | undefined {
  if (prop.deprecatedValue === undefined) return prop.value;
  if (prop.value !== undefined) {
    fail(scope, prop.deprecatedName, prop.deprecatedValue, `give either ${prop.name} or the deprecated ${prop.deprecatedName}, not both`);
  }
  warn(scope, 'DeprecatedProp', `${prop.deprecatedName} is deprecated and will be removed in the next minor release: use ${prop.name}`);
  return prop.convert(prop.deprecatedValue);
}

/** Retention of every log group the library creates: one year satisfies Control Tower CT.CLOUDWATCH.PR.2. */
function defaultLogRetention(): logs.RetentionDays {
  return logs.RetentionDays.ONE_YEAR;
}

/** The defaulted props of `ApiFirewall`. */
export interface FirewallDefaults {
  readonly webAclScope: WebAclScope;
  readonly rateLimit: number;
  readonly rateLimitWindow: Duration;
  readonly botControl: boolean;
  readonly countMode: boolean;
  readonly logging: boolean;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly additionalManagedRuleGroups: string[];
  readonly managedRulesInCount: string[];
}

/** `ApiFirewall`: a REGIONAL web ACL blocking more than 2,000 requests per IP in 5 minutes, with logging. */
export function firewallDefaults(): FirewallDefaults {
  return {
    webAclScope: WebAclScope.REGIONAL,
    rateLimit: 2000,
    rateLimitWindow: Duration.minutes(5),
    botControl: false,
    countMode: false,
    logging: true,
    logRetention: defaultLogRetention(),
    logRemovalPolicy: RemovalPolicy.RETAIN,
    additionalManagedRuleGroups: [],
    managedRulesInCount: [],
  };
}

/** The defaulted props of `ApiObservability`. */
export interface ObservabilityDefaults {
  readonly logRetention: logs.RetentionDays;
  readonly tracing: boolean;
  readonly alarms: boolean;
  readonly dashboard: boolean;
  readonly logRemovalPolicy: RemovalPolicy;
}

/** `ApiObservability`: retained one-year logs, tracing, alarms and a dashboard. */
export function observabilityDefaults(): ObservabilityDefaults {
  return {
    logRetention: defaultLogRetention(),
    tracing: true,
    alarms: true,
    dashboard: true,
    logRemovalPolicy: RemovalPolicy.RETAIN,
  };
}

/** The defaulted options of `ApiObservability.watchRestApi`. */
export interface RestApiWatchDefaults {
  readonly executionLogGroup: boolean;
}

/** `watchRestApi`: the stage's execution log group is pre-created. */
export function restApiWatchDefaults(): RestApiWatchDefaults {
  return { executionLogGroup: true };
}

/** Every alarm threshold, resolved. */
export interface ResolvedThresholds {
  readonly serverErrorRatePercent: number;
  readonly clientErrorRatePercent: number;
  readonly latencyP99: Duration;
  readonly integrationLatencyP99: Duration;
  readonly webSocketErrorsPerPeriod: number;
  readonly evaluationPeriods: number;
}

/** The alarm thresholds of `ApiObservability`. */
export function alarmThresholdDefaults(): ResolvedThresholds {
  return {
    serverErrorRatePercent: 1,
    clientErrorRatePercent: 10,
    latencyP99: Duration.millis(2500),
    integrationLatencyP99: Duration.millis(2000),
    webSocketErrorsPerPeriod: 5,
    evaluationPeriods: 3,
  };
}

/** The defaulted props of `ApiGatewayAccountLogging`. */
export interface AccountLoggingDefaults {
  readonly removalPolicy: RemovalPolicy;
}

/** `ApiGatewayAccountLogging`: kept on delete, since other APIs of the account and region rely on it. */
export function accountLoggingDefaults(): AccountLoggingDefaults {
  return { removalPolicy: RemovalPolicy.RETAIN };
}
