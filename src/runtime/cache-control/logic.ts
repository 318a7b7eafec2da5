/**
 * A CloudFormation custom resource that applies the cache-invalidation settings of a cached REST stage, which
 * `AWS::ApiGateway::Stage` cannot express: on the stage-wide setting and on every method setting of its own,
 * `requireAuthorizationForCacheControl = true` and `unauthorizedCacheControlHeaderStrategy = SUCCEED_WITH_RESPONSE_HEADER`.
 *
 * API Gateway counts `Cache-Control: max-age=0` as an authorized invalidation only when the request is SigV4-signed by
 * a principal with `execute-api:InvalidateCache`; every other such request (browsers send it on a reload) is served
 * normally, from the cache, with a warning header, instead of failing with 403.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html#invalidate-method-caching
 *
 * The patch path of a method setting is `/{key}/caching/...`, where the key is the resource path with `/` escaped as
 * `~1` and the HTTP method (`~1orders~1{id}/GET`; the root is `~1/GET`; stage-wide `*` + `/` + `*`).
 * https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
 *
 * No CDK imports: this module runs inside Lambda.
 */

/** The CloudFormation custom resource request fields used here. */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: {
    readonly RestApiId?: unknown;
    readonly StageName?: unknown;
    readonly MethodSettingKeys?: unknown;
  };
}

/** One JSON patch operation of UpdateStage. */
export interface PatchOperation {
  readonly op: 'replace';
  readonly path: string;
  readonly value: string;
}

/** What the logic needs from the outside world (real AWS SDK and HTTPS in Lambda, stand-ins in tests). */
export interface Dependencies {
  updateStage(restApiId: string, stageName: string, patchOperations: PatchOperation[]): Promise<void>;
  respond(responseUrl: string, body: string): Promise<void>;
  sleep(ms: number): Promise<void>;
}

/** What API Gateway does with an unauthorized `Cache-Control: max-age=0`: serve normally, with a warning header. */
export const UNAUTHORIZED_STRATEGY = 'SUCCEED_WITH_RESPONSE_HEADER';

/** The stage-wide method setting key. */
export const STAGE_WIDE_KEY = '*/*';

/** Method settings patched per UpdateStage call (two operations each). */
export const KEYS_PER_CALL = 50;
/** Pause between UpdateStage calls, under API Gateway's control-plane rate (about 10 requests per second per account). */
export const PAUSE_BETWEEN_CALLS_MS = 250;
/** At most this many method settings (a stage of a 1,000-route API with a setting per route fits twice). */
export const MAX_KEYS = 2_500;

const REST_API_ID = /^[a-z0-9]{10}$/;
const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;
/** `*` `/` `*`, or an escaped resource path (`~1` for each `/`, no bare `/`) and a method. */
const METHOD_SETTING_KEY = /^(?:\*|~1[A-Za-z0-9._~:@!$&'()*+,;={}-]*)\/(?:\*|GET|HEAD|OPTIONS|PUT|POST|PATCH|DELETE)$/;
const MAX_ATTEMPTS = 5;

/** The two operations for one method setting key. */
export function patchOperationsFor(key: string): PatchOperation[] {
  return [
    { op: 'replace', path: `/${key}/caching/requireAuthorizationForCacheControl`, value: 'true' },
    { op: 'replace', path: `/${key}/caching/unauthorizedCacheControlHeaderStrategy`, value: UNAUTHORIZED_STRATEGY },
  ];
}

/** Every operation for the given keys, the stage-wide one first, in batches of `KEYS_PER_CALL` keys. */
export function patchBatches(keys: readonly string[]): PatchOperation[][] {
  const unique = [...new Set([STAGE_WIDE_KEY, ...keys])];
  const batches: PatchOperation[][] = [];
  for (let i = 0; i < unique.length; i += KEYS_PER_CALL) {
    batches.push(unique.slice(i, i + KEYS_PER_CALL).flatMap(patchOperationsFor));
  }
  return batches;
}

/** Error names worth retrying (throttling and server faults). */
function retryable(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? '';
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode ?? 0;
  return name === 'TooManyRequestsException' || name === 'ServiceUnavailableException' || status === 429 || status >= 500;
}

/** Checks the event; returns an error text or undefined. */
export function validateEvent(event: CustomResourceEvent): string | undefined {
  if (!event || typeof event !== 'object') return 'event is not an object';
  if (!['Create', 'Update', 'Delete'].includes(event.RequestType)) return 'unknown RequestType';
  if (typeof event.ResponseURL !== 'string' || !event.ResponseURL.startsWith('https://')) return 'ResponseURL must be https';
  for (const field of ['StackId', 'RequestId', 'LogicalResourceId'] as const) {
    if (typeof event[field] !== 'string' || !event[field]) return `${field} is missing`;
  }
  return undefined;
}

/** The validated properties, or the reason they are refused. */
export function validateProperties(props: CustomResourceEvent['ResourceProperties'] | undefined):
{ restApiId: string; stageName: string; keys: string[] } | { invalid: string } {
  const { RestApiId, StageName, MethodSettingKeys } = props ?? {};
  if (typeof RestApiId !== 'string' || !REST_API_ID.test(RestApiId)) return { invalid: 'RestApiId is invalid' };
  if (typeof StageName !== 'string' || !STAGE_NAME.test(StageName)) return { invalid: 'StageName is invalid' };
  const keys = MethodSettingKeys ?? [STAGE_WIDE_KEY];
  if (!Array.isArray(keys) || keys.length > MAX_KEYS) return { invalid: `MethodSettingKeys must be a list of at most ${MAX_KEYS} keys` };
  const bad = keys.findIndex((k) => typeof k !== 'string' || !METHOD_SETTING_KEY.test(k));
  if (bad >= 0) return { invalid: `MethodSettingKeys[${bad}] is not a method setting key` };
  return { restApiId: RestApiId, stageName: StageName, keys: keys as string[] };
}

/** One UpdateStage call with bounded, jittered retries on throttling and server faults; returns an error name or undefined. */
async function updateWithRetries(deps: Dependencies, restApiId: string, stageName: string, ops: PatchOperation[]): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.updateStage(restApiId, stageName, ops);
      return undefined;
    } catch (e) {
      if (retryable(e) && attempt < MAX_ATTEMPTS) {
        await deps.sleep(Math.round(200 * 2 ** attempt * (0.5 + Math.random() / 2)));
        continue;
      }
      return (e as { name?: string })?.name ?? 'Error';
    }
  }
}

/** Handles one event end to end: patch every method setting and report SUCCESS or FAILED to CloudFormation. */
export async function handleEvent(event: CustomResourceEvent, deps: Dependencies): Promise<string> {
  const invalid = validateEvent(event);
  if (invalid) throw new Error(`invalid custom resource event: ${invalid}`);
  const { RestApiId, StageName } = event.ResourceProperties ?? {};
  const physicalId =
    typeof RestApiId === 'string' && typeof StageName === 'string' ? `${RestApiId}/${StageName}/cache-control` : event.PhysicalResourceId ?? event.LogicalResourceId;
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'OK';
  // Delete: the settings go with the stage (or stop mattering once caching is off); nothing to undo.
  if (event.RequestType !== 'Delete') {
    const props = validateProperties(event.ResourceProperties);
    if ('invalid' in props) {
      status = 'FAILED';
      reason = props.invalid;
    } else {
      const batches = patchBatches(props.keys);
      for (let i = 0; i < batches.length; i++) {
        if (i > 0) await deps.sleep(PAUSE_BETWEEN_CALLS_MS);
        const error = await updateWithRetries(deps, props.restApiId, props.stageName, batches[i]);
        if (error) {
          status = 'FAILED';
          reason = `UpdateStage failed: ${error}`;
          break;
        }
      }
    }
  }
  const body = JSON.stringify({
    Status: status,
    Reason: reason,
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  await deps.respond(event.ResponseURL, body);
  return status;
}
