import { Duration, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { IConstruct } from 'constructs';
import { CanaryOptions, validateCanary } from './canary-options';
import { checkCount, checkDuration, checkLength, checkOneOf, checkPattern, fail, warn } from '../core/private/validation';
import { ThrottleOptions, validateThrottle } from '../core/throttle';

/**
 * The valid sizes of an API Gateway cache cluster.
 */
export class CacheSize {
  /** 0.5 GB */
  public static readonly GB_0_5 = new CacheSize('0.5');
  /** 1.6 GB */
  public static readonly GB_1_6 = new CacheSize('1.6');
  /** 6.1 GB */
  public static readonly GB_6_1 = new CacheSize('6.1');
  /** 13.5 GB */
  public static readonly GB_13_5 = new CacheSize('13.5');
  /** 28.4 GB */
  public static readonly GB_28_4 = new CacheSize('28.4');
  /** 58.2 GB */
  public static readonly GB_58_2 = new CacheSize('58.2');
  /** 118 GB */
  public static readonly GB_118 = new CacheSize('118');
  /** 237 GB */
  public static readonly GB_237 = new CacheSize('237');

  /** Every valid size, smallest first. */
  public static all(): CacheSize[] {
    return [
      CacheSize.GB_0_5, CacheSize.GB_1_6, CacheSize.GB_6_1, CacheSize.GB_13_5,
      CacheSize.GB_28_4, CacheSize.GB_58_2, CacheSize.GB_118, CacheSize.GB_237,
    ];
  }

  /**
   * A size given as text, e.g. from configuration; checked at synth time against the eight valid sizes.
   */
  public static of(gigabytes: string): CacheSize {
    return new CacheSize(gigabytes);
  }

  private constructor(
    /** The size in GB, as API Gateway spells it. */
    public readonly gigabytes: string,
  ) {}
}


/**
 * Stage cache settings. The cache is always encrypted (Control Tower CT.APIGATEWAY.PR.3); only GET methods are
 * cached unless a route says otherwise.
 */
export interface CacheOptions {
  /**
   * Cache cluster size.
   * @default CacheSize.GB_0_5
   */
  readonly size?: CacheSize;
  /**
   * Time to live of cached responses, 0 to 3600 seconds (0 disables caching).
   * @default Duration.seconds(300)
   */
  readonly ttl?: Duration;
}

/**
 * Settings of the API's stage.
 */
export interface StageSettings {
  /**
   * Stage name: 1-128 letters, digits, `-` or `_`.
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Stage variables: at most 100; keys up to 64 letters, digits or `_`; values up to 512 characters of
   * `A-Za-z0-9-._~:/?#&=,`.
   * @default - none
   */
  readonly variables?: Record<string, string>;
  /**
   * Default throttling of every method (`/*` `/*`).
   * @default - 1,000 requests per second with a burst of 2,000
   */
  readonly throttle?: ThrottleOptions;
  /**
   * A stage cache. Caching is off unless this is given.
   * @default - no cache
   */
  readonly cache?: CacheOptions;
  /**
   * Execution logging level of every method. `OFF` is refused (Control Tower CT.APIGATEWAY.PR.1).
   * @default apigateway.MethodLoggingLevel.ERROR
   */
  readonly loggingLevel?: apigateway.MethodLoggingLevel;
  /**
   * Log full requests and responses in the execution logs. They may contain personal data and secrets:
   * turning it on raises the warning `cdk-apigateway-patterns:DataTraceEnabled`.
   * @default false
   */
  readonly dataTrace?: boolean;
  /**
   * Detailed CloudWatch metrics per method.
   * @default true
   */
  readonly detailedMetrics?: boolean;
  /**
   * Stage description.
   * @default - none
   */
  readonly description?: string;
  /**
   * Keep the stage on an earlier deployment of the API: the logical id the stack output `CurrentDeployment` gave at
   * the deploy whose snapshot the stage serves now (the last one). The deployment is declared again unchanged, so the
   * stage keeps serving that snapshot while `canary` serves the current model. It must be the output of the last
   * deploy: a deployment no longer in the stack would be created afresh, from the current model.
   * @default - the stage serves the deployment of the current API model
   */
  readonly baseDeployment?: string;
  /**
   * A canary release on the stage: a share of its requests is served by the current API model's deployment.
   * @default - no canary
   */
  readonly canary?: CanaryOptions;
  /**
   * Remove the canary from the live stage. CloudFormation leaves a canary on the stage when `canary` leaves the
   * template (aws-cdk#33901): replace `canary` with `removeCanary: true` and deploy; a custom resource then removes
   * the stage's canary settings (the base deployment stays). The prop may be dropped in a later deploy.
   * @default false
   */
  readonly removeCanary?: boolean;
}

/** The default throttle of a stage. */
export const DEFAULT_THROTTLE: Required<ThrottleOptions> = { rateLimit: 1000, burstLimit: 2000 };

const STAGE_VARIABLE_VALUE = /^[A-Za-z0-9\-._~:/?#&=,]+$/;


/** Checks a cache TTL against docs/limits.md. */
export function validateCacheTtl(scope: IConstruct, prop: string, ttl: Duration | undefined): void {
  checkDuration(scope, prop, ttl, { minSeconds: 0, maxSeconds: 3600 });
  if (ttl && !ttl.isUnresolved() && !Number.isInteger(ttl.toMilliseconds() / 1000)) {
    fail(scope, prop, ttl, 'must be a whole number of seconds');
  }
}

/** Checks stage settings against docs/limits.md; returns the resolved stage name. */
export function validateStageSettings(scope: IConstruct, stage: StageSettings = {}): string {
  const stageName = stage.stageName ?? 'prod';
  checkPattern(scope, 'stage.stageName', stageName, /^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, "-" or "_"');
  const variables = stage.variables ?? {};
  checkCount(scope, 'stage.variables', Object.keys(variables), { max: 100 });
  for (const [key, value] of Object.entries(variables)) {
    checkPattern(scope, 'stage.variables key', key, /^[A-Za-z0-9_]{1,64}$/, 'must be 1-64 letters, digits or "_"');
    checkLength(scope, `stage.variables.${key}`, value, { min: 1, max: 512 });
    checkPattern(scope, `stage.variables.${key}`, value, STAGE_VARIABLE_VALUE, 'must contain only A-Za-z0-9-._~:/?#&=,');
  }
  validateThrottle(scope, 'stage.throttle', stage.throttle);
  if (stage.cache) {
    const size = stage.cache.size ?? CacheSize.GB_0_5;
    checkOneOf(scope, 'stage.cache.size', size.gigabytes, CacheSize.all().map((s) => s.gigabytes));
    validateCacheTtl(scope, 'stage.cache.ttl', stage.cache.ttl);
  }
  if (stage.loggingLevel !== undefined && !Token.isUnresolved(stage.loggingLevel)) {
    if (stage.loggingLevel === apigateway.MethodLoggingLevel.OFF) {
      fail(scope, 'stage.loggingLevel', stage.loggingLevel, 'must be ERROR or INFO (OFF violates Control Tower CT.APIGATEWAY.PR.1)');
    }
    checkOneOf(scope, 'stage.loggingLevel', stage.loggingLevel, [apigateway.MethodLoggingLevel.ERROR, apigateway.MethodLoggingLevel.INFO]);
  }
  validateCanary(scope, 'stage', stage);
  if (stage.dataTrace) {
    warn(scope, 'DataTraceEnabled', 'stage.dataTrace logs full requests and responses, which may contain personal data and secrets');
  }
  return stageName;
}

/**
 * The deploy options of the stage, from the settings (pure): logging, tracing, metrics, throttling and the cache.
 */
export function renderStageOptions(stage: StageSettings, tracing: boolean): apigateway.StageOptions {
  const throttle = { ...DEFAULT_THROTTLE, ...stage.throttle };
  const cache = stage.cache;
  return {
    stageName: stage.stageName ?? 'prod',
    description: stage.description,
    variables: stage.variables,
    loggingLevel: stage.loggingLevel ?? apigateway.MethodLoggingLevel.ERROR,
    dataTraceEnabled: stage.dataTrace ?? false,
    metricsEnabled: stage.detailedMetrics ?? true,
    tracingEnabled: tracing,
    throttlingRateLimit: throttle.rateLimit,
    throttlingBurstLimit: throttle.burstLimit,
    cacheClusterEnabled: cache !== undefined,
    cacheClusterSize: cache ? (cache.size ?? CacheSize.GB_0_5).gigabytes : undefined,
    cachingEnabled: cache !== undefined,
    cacheTtl: cache ? cache.ttl ?? Duration.seconds(300) : undefined,
    cacheDataEncrypted: cache !== undefined ? true : undefined,
  };
}

/**
 * The `ResourcePath` of a method setting: `/orders/{id}` becomes `/~1orders~1{id}`; the root is `/`, as CloudFormation
 * documents ("To specify the root path, use only a slash (/)",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigateway-stage-methodsetting.html).
 */
export function methodSettingPath(routePath: string): string {
  if (routePath === '/') return '/';
  return '/' + routePath.replace(/\//g, '~1');
}

/**
 * The key API Gateway gives a method setting in UpdateStage patch paths (`/{key}/caching/enabled`): the resource path
 * with every `/` escaped as `~1`, then `/` and the HTTP method. The root is `~1/GET`; the stage-wide `/*` setting is `*` + `/` + method.
 * @see https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
 */
export function methodSettingKey(resourcePath: string, httpMethod: string): string {
  if (resourcePath === '/*') return `*/${httpMethod}`;
  const escaped = resourcePath === '/' ? '~1' : resourcePath.slice(1);
  return `${escaped}/${httpMethod}`;
}
