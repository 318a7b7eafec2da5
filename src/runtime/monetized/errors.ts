/**
 * Errors of the monetization handlers and the HTTP answer each AWS error becomes. No CDK imports: runs inside Lambda.
 *
 * API Gateway's control plane answers BadRequest (400), Unauthorized (401), NotFound (404), Conflict (409),
 * LimitExceeded (429), TooManyRequests (429) and ServiceUnavailable (503)
 * (https://docs.aws.amazon.com/apigateway/latest/api/CommonErrors.html and each action's Errors section);
 * ResolveCustomer answers InvalidToken, ExpiredToken, Throttling, InternalServiceError and DisabledApi
 * (https://docs.aws.amazon.com/marketplace/latest/APIReference/API_marketplace-metering_ResolveCustomer.html).
 * Errors that say the function itself may not do something (Unauthorized, AccessDenied, DisabledApi) are the
 * deployment's fault, not the caller's: they become a 500 whose code is logged, never echoed.
 */

/** An answer the handler gives on purpose: HTTP status, a stable code and a message safe to show the caller. */
export class HttpError extends Error {
  constructor(
    public readonly statusCode: number,
    public readonly code: string,
    message: string,
    public readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The name of an AWS SDK error (or `Error`). */
export function errorName(error: unknown): string {
  const name = (error as { name?: unknown })?.name;
  return typeof name === 'string' && name ? name : 'Error';
}

/** The HTTP status of an AWS SDK error's response, if it had one. */
export function errorStatus(error: unknown): number {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } })?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : 0;
}

/** The service's "retry after" hint in seconds (API Gateway sends it on 429 and 503), if any. */
export function retryAfterSeconds(error: unknown): number | undefined {
  const raw = (error as { retryAfterSeconds?: unknown })?.retryAfterSeconds;
  const value = typeof raw === 'string' || typeof raw === 'number' ? Number(raw) : NaN;
  return Number.isFinite(value) && value >= 0 && value <= 3600 ? value : undefined;
}

/** What an AWS error the caller can act on becomes. */
const CALLER_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  // API Gateway
  BadRequestException: { status: 400, code: 'BadRequest', message: 'API Gateway refused the request' },
  NotFoundException: { status: 404, code: 'NotFound', message: 'API Gateway has no such resource' },
  ConflictException: { status: 409, code: 'Conflict', message: 'API Gateway reports a conflicting configuration' },
  LimitExceededException: { status: 429, code: 'LimitExceeded', message: 'an API Gateway limit was reached' },
  TooManyRequestsException: { status: 429, code: 'TooManyRequests', message: 'API Gateway is throttling; retry later' },
  ServiceUnavailableException: { status: 503, code: 'ServiceUnavailable', message: 'API Gateway is unavailable; retry later' },
  // AWS Marketplace Metering (ResolveCustomer)
  InvalidTokenException: { status: 400, code: 'InvalidRegistrationToken', message: 'the registration token is invalid' },
  ExpiredTokenException: { status: 400, code: 'ExpiredRegistrationToken', message: 'the registration token has expired: subscribe again from AWS Marketplace' },
  ThrottlingException: { status: 429, code: 'TooManyRequests', message: 'the service is throttling; retry later' },
  InternalServiceErrorException: { status: 503, code: 'ServiceUnavailable', message: 'AWS Marketplace is unavailable; retry later' },
  // DynamoDB, after the SDK's own retries
  ProvisionedThroughputExceededException: { status: 503, code: 'ServiceUnavailable', message: 'the customer table is busy; retry later' },
  RequestLimitExceeded: { status: 503, code: 'ServiceUnavailable', message: 'the customer table is busy; retry later' },
  InternalServerError: { status: 503, code: 'ServiceUnavailable', message: 'the customer table is unavailable; retry later' },
};

/** Errors that mean the function's role or the account is misconfigured. */
const DEPLOYMENT_ERRORS = new Set([
  'UnauthorizedException',
  'AccessDeniedException',
  'AccessDenied',
  'DisabledApiException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ResourceNotFoundException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
]);

/** A log line's fields: never key values, tokens or bodies. */
export type Log = (message: string, fields: Record<string, unknown>) => void;

/**
 * The HTTP answer for any error: HttpError as it is; a known AWS error as its mapped answer; a deployment error or
 * anything unknown as 500 with its name logged (the message may carry ARNs and is not echoed).
 */
export function toHttpError(error: unknown, log: Log, operation: string): HttpError {
  if (error instanceof HttpError) return error;
  const name = errorName(error);
  const known = CALLER_ERRORS[name];
  if (known) {
    log('aws error', { operation, code: name, status: known.status });
    return new HttpError(known.status, known.code, known.message, retryAfterSeconds(error));
  }
  log('operation failed', { operation, code: name, deployment: DEPLOYMENT_ERRORS.has(name) });
  return new HttpError(500, 'InternalError', 'the operation failed; see the function log');
}

/** True when an AWS error says the thing looked for is not there. */
export function isNotFound(error: unknown): boolean {
  return errorName(error) === 'NotFoundException';
}

/** True when an AWS error says the thing created already exists. */
export function isConflict(error: unknown): boolean {
  return errorName(error) === 'ConflictException';
}
