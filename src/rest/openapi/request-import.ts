/**
 * An operation's parameters and request body -> a route's request parameters and request model.
 *
 * - Parameters of the path item and of the operation (the operation's win, by name and location); `$ref`s resolved.
 *   Query and header parameters become `method.request.querystring.*` / `.header.*` with their `required`.
 *   Headers named `Accept`, `Content-Type` or `Authorization` are ignored, as OpenAPI says they SHALL be
 *   (https://spec.openapis.org/oas/v3.1.0#fixed-fields-9). API Gateway has no cookie parameters: cookie parameters are
 *   not validated (warning `OpenApiCookieParameters`).
 * - The body: API Gateway selects a method's model by the request's Content-Type and passes bodies of other types
 *   through unvalidated (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html);
 *   a route has one model, for `application/json`. So the JSON media type (`application/json`, with parameters such as
 *   `; charset=utf-8`, or a `+json` type) gives the model; bodies of other types, and JSON sent under another type
 *   than `application/json`, are not validated (warning `OpenApiBodyNotValidated`). API Gateway validates a request
 *   without a body as `{}`: an optional body whose model refuses `{}` becomes required (warning `OpenApiOptionalBody`).
 * Internal to the OpenAPI import.
 */
import { SchemaContext, acceptsEmptyObject, toModelSchema } from './model-schema';
import { DocumentOperation } from './operations';
import { isObject, resolvePointer } from './pointer';
import { pathParameterNames } from '../routes';

/** What the route gets from the operation's request. */
export interface RouteRequest {
  readonly requestParameters?: Record<string, boolean>;
  readonly requestSchema?: Record<string, unknown>;
}

const IGNORED_HEADERS = ['accept', 'content-type', 'authorization'];

/** Reads the operation's parameters and body. */
export function requestOf(d: DocumentOperation, ctx: SchemaContext): RouteRequest {
  const requestParameters: Record<string, boolean> = {};
  const pathParams = new Set(pathParameterNames(d.path));
  const params = new Map<string, Record<string, any>>();
  for (const raw of [...list(d.item.parameters, `${d.where} path item parameters`, ctx), ...list(d.operation.parameters, `${d.where} parameters`, ctx)]) {
    const p = resolved(raw, `${d.where} parameters`, ctx);
    if (typeof p.name !== 'string' || !['path', 'query', 'header', 'cookie'].includes(p.in)) {
      ctx.fail(`${d.where} parameters`, p, 'must be path, query, header or cookie parameters with a name');
    }
    params.set(`${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`, p);
  }
  const cookies: string[] = [];
  for (const p of params.values()) {
    if (p.in === 'path') {
      if (!pathParams.has(p.name)) ctx.fail(`${d.where} parameters`, p.name, 'path parameters must appear in the path template');
    } else if (p.in === 'cookie') {
      cookies.push(p.name);
    } else if (!(p.in === 'header' && IGNORED_HEADERS.includes(p.name.toLowerCase()))) {
      requestParameters[`method.request.${p.in === 'query' ? 'querystring' : 'header'}.${p.name}`] = p.required === true;
    }
  }
  if (cookies.length) ctx.note('OpenApiCookieParameters', `${d.where}: ${cookies.join(', ')}`);
  return {
    requestParameters: Object.keys(requestParameters).length ? requestParameters : undefined,
    requestSchema: bodyModel(d, ctx),
  };
}

function bodyModel(d: DocumentOperation, ctx: SchemaContext): Record<string, unknown> | undefined {
  if (d.operation.requestBody === undefined) return undefined;
  const body = resolved(d.operation.requestBody, `${d.where} requestBody`, ctx);
  const content = isObject(body.content) ? body.content : {};
  const types = Object.keys(content);
  const json = types.find((t) => mediaType(t) === 'application/json') ?? types.find((t) => /^application\/[^;]*\+json$/.test(mediaType(t)));
  const unvalidated = types.filter((t) => t !== json);
  if (json && mediaType(json) !== 'application/json') unvalidated.unshift(`${json} (the model validates application/json)`);
  if (unvalidated.length) ctx.note('OpenApiBodyNotValidated', `${d.where}: ${unvalidated.join(', ')}`);
  const schema = json ? content[json]?.schema : undefined;
  if (schema === undefined) return undefined;
  const model = toModelSchema(schema, `${d.where} requestBody`, ctx);
  if (body.required !== true && !acceptsEmptyObject(model)) ctx.note('OpenApiOptionalBody', d.where);
  return model;
}

/** `application/json; charset=utf-8` -> `application/json`. */
function mediaType(type: string): string {
  return type.split(';')[0].trim().toLowerCase();
}

function list(value: unknown, prop: string, ctx: SchemaContext): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) ctx.fail(prop, value, 'must be a list of parameters');
  return value;
}

/** A parameter or request body, its `$ref` resolved. */
function resolved(value: unknown, prop: string, ctx: SchemaContext): Record<string, any> {
  let v = value;
  for (let depth = 0; isObject(v) && typeof v.$ref === 'string'; depth++) {
    if (depth > 16) ctx.fail(prop, v.$ref, 'must not be a circular $ref');
    const target = resolvePointer(ctx.document, v.$ref);
    if ('error' in target) ctx.fail(prop, v.$ref, `$ref ${target.error}`);
    v = target.value;
  }
  if (!isObject(v)) ctx.fail(prop, v, 'must be an object');
  return v;
}
