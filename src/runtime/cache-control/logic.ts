/**
 * A CloudFormation custom resource that makes a REST stage refuse cache invalidation (`Cache-Control: max-age=0`)
 * from unauthorized callers with 403: `requireAuthorizationForCacheControl = true` and
 * `unauthorizedCacheControlHeaderStrategy = FAIL_WITH_403` on every method, which `AWS::ApiGateway::Stage`
 * cannot express. No CDK imports: this module runs inside Lambda.
 */

/** The CloudFormation custom resource request fields used here. */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: { readonly RestApiId?: unknown; readonly StageName?: unknown };
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

export const PATCH_OPERATIONS: PatchOperation[] = [
  { op: 'replace', path: '/*/*/caching/requireAuthorizationForCacheControl', value: 'true' },
  { op: 'replace', path: '/*/*/caching/unauthorizedCacheControlHeaderStrategy', value: 'FAIL_WITH_403' },
];

const REST_API_ID = /^[a-z0-9]{10}$/;
const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_ATTEMPTS = 5;

/** Error names worth retrying (throttling and server faults). */
function retryable(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? '';
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode ?? 0;
  return name === 'TooManyRequestsException' || name === 'ServiceUnavailableException' || status >= 500;
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

/** Handles one event end to end: patch (with bounded retries) and report SUCCESS or FAILED to CloudFormation. */
export async function handleEvent(event: CustomResourceEvent, deps: Dependencies): Promise<string> {
  const invalid = validateEvent(event);
  if (invalid) throw new Error(`invalid custom resource event: ${invalid}`);
  const { RestApiId, StageName } = event.ResourceProperties ?? {};
  const physicalId =
    typeof RestApiId === 'string' && typeof StageName === 'string' ? `${RestApiId}/${StageName}/cache-control` : event.PhysicalResourceId ?? event.LogicalResourceId;
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'OK';
  if (event.RequestType !== 'Delete') {
    if (typeof RestApiId !== 'string' || !REST_API_ID.test(RestApiId) || typeof StageName !== 'string' || !STAGE_NAME.test(StageName)) {
      status = 'FAILED';
      reason = 'RestApiId or StageName is invalid';
    } else {
      for (let attempt = 1; ; attempt++) {
        try {
          await deps.updateStage(RestApiId, StageName, PATCH_OPERATIONS);
          break;
        } catch (e) {
          if (retryable(e) && attempt < MAX_ATTEMPTS) {
            await deps.sleep(Math.round(200 * 2 ** attempt * (0.5 + Math.random() / 2)));
            continue;
          }
          status = 'FAILED';
          reason = `UpdateStage failed: ${(e as { name?: string })?.name ?? 'Error'}`;
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
