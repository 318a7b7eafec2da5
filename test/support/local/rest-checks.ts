/**
 * The parts of REST request handling that are pure rules of API Gateway: request validation, method settings,
 * the stage cache key, and gateway responses.
 *
 * - Validation (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html):
 *   with parameter validation, every `method.request.*` parameter marked `true` must be present and non-blank,
 *   else 400 "Missing required request parameters: [...]"; with body validation, the body must match the model
 *   of its `Content-Type` (`application/json` when absent; `$default` if no model matches), a JSON schema draft 4
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html), else 400
 *   "Invalid request body". Validated with ajv's draft-04 build.
 * - Method settings: the most specific of `/{escaped path}/{METHOD}` and the stage-wide `/*` `/*` applies
 *   (https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html).
 * - Cache key: method, resource path and the values of `CacheKeyParameters` only; requests that differ in
 *   anything else share an entry (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html).
 * - Gateway responses: the API's `GatewayResponse` for the response type, else its DEFAULT_4XX / DEFAULT_5XX,
 *   else API Gateway's `{"message": ...}`; templates may use `$context.error.messageString`, `.message`,
 *   `.validationErrorString` and `$context.requestId`.
 */
import Ajv04 from 'ajv-draft-04';
import { headerValue } from './front-context';
import { RestApiModel, RestMethodModel, RestMethodSetting } from './rest-model';

const ajv = new Ajv04({ allErrors: true, strict: false });
const compiled = new WeakMap<object, ReturnType<typeof ajv.compile>>();

export interface RequestParts {
  readonly headers: Record<string, string>;
  readonly query: URLSearchParams;
  readonly pathParameters: Record<string, string>;
  readonly body: string;
}

/** Why a request fails validation. */
export interface ValidationFailure {
  readonly responseType: string;
  readonly message: string;
  readonly validation?: string;
}

/** The error of a request that fails validation, or undefined. */
export function validateRequest(method: RestMethodModel, req: RequestParts): ValidationFailure | undefined {
  if (method.validateParameters) {
    const missing = Object.entries(method.requestParameters)
      .filter(([, required]) => required)
      .map(([p]) => p)
      .filter((p) => {
        const [, kind, name] = /^method\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\.(.+)$/.exec(p) ?? [];
        const value = kind?.endsWith('header') ? headerValue(req.headers, name) : kind?.endsWith('querystring') ? req.query.get(name) : req.pathParameters[name];
        return value === undefined || value === null || String(value).trim() === '';
      })
      .map((p) => p.replace(/^method\.request\.[a-z]+\./, ''));
    if (missing.length > 0) return { responseType: 'BAD_REQUEST_PARAMETERS', message: `Missing required request parameters: [${missing.join(', ')}]` };
  }
  if (method.validateBody && Object.keys(method.models).length > 0) {
    const contentType = (headerValue(req.headers, 'content-type') ?? 'application/json').split(';')[0].trim().toLowerCase();
    const schema = method.models[contentType] ?? method.models.$default;
    if (schema) {
      let body: unknown;
      try {
        body = JSON.parse(req.body);
      } catch {
        return { responseType: 'BAD_REQUEST_BODY', message: 'Invalid request body', validation: '[Unable to parse the request body as JSON]' };
      }
      let validate = compiled.get(schema);
      if (!validate) compiled.set(schema, (validate = ajv.compile(schema)));
      if (!validate(body)) return { responseType: 'BAD_REQUEST_BODY', message: 'Invalid request body', validation: `[${ajv.errorsText(validate.errors, { separator: ', ' })}]` };
    }
  }
  return undefined;
}

/** `/orders/{id}` -> `/~1orders~1{id}` (the method-setting form of a resource path). */
export const escapedPath = (path: string) => path.replace(/\//g, '~1');

/** The method setting that applies to `method` (most specific first). */
export function methodSetting(settings: readonly RestMethodSetting[], method: RestMethodModel): RestMethodSetting | undefined {
  const path = escapedPath(method.path);
  const exact = settings.find((s) => s.resourcePath === path && s.httpMethod === method.httpMethod);
  const anyMethod = settings.find((s) => s.resourcePath === path && s.httpMethod === '*');
  const stageWide = settings.find((s) => s.resourcePath === '/*' && s.httpMethod === '*');
  const merged = { ...stageWide, ...anyMethod, ...exact };
  return exact ?? anyMethod ?? stageWide ? (merged as RestMethodSetting) : undefined;
}

/** The cache key of a request: method, resource path and the CacheKeyParameters' values, nothing else. */
export function cacheKey(method: RestMethodModel, req: RequestParts): string {
  const parts = method.cacheKeyParameters.map((p) => {
    const [, kind, name] = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(p) ?? [];
    const value = kind === 'header' ? headerValue(req.headers, name) : kind === 'querystring' ? req.query.get(name) : req.pathParameters[name];
    return `${p}=${value ?? ''}`;
  });
  return [method.httpMethod, method.path, ...parts].join('\u0000');
}

/** The response API Gateway sends for an error of `responseType` with HTTP `status`. */
export function gatewayResponse(
  api: RestApiModel,
  responseType: string,
  status: number,
  error: { message: string; validation?: string },
  requestId: string,
): { status: number; headers: Record<string, string>; body: string } {
  const g = api.gatewayResponses[responseType] ?? api.gatewayResponses[status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX'];
  const template = g?.templates['application/json'];
  const body = template
    ? template
      .replace(/\$context\.error\.messageString/g, JSON.stringify(error.message))
      .replace(/\$context\.error\.validationErrorString/g, error.validation ?? '')
      .replace(/\$context\.error\.message/g, error.message)
      .replace(/\$context\.requestId/g, requestId)
    : JSON.stringify({ message: error.message });
  return { status: g?.statusCode ?? status, headers: { 'content-type': 'application/json', 'x-amzn-errortype': responseType, ...(g?.headers ?? {}) }, body };
}
