/**
 * API Gateway model schemas (JSON Schema draft 4, as `apigateway.JsonSchema` or as the import writes them) -> OpenAPI
 * 3.0.3 schema objects, which are a subset of draft 4 with their own spellings
 * (https://spec.openapis.org/oas/v3.0.3#schema-object): no type lists and no `null` type (`nullable: true` instead),
 * no `const`, `patternProperties`, `dependencies`, `additionalItems`, tuple `items` or `definitions`. What 3.0 cannot
 * say is kept, unvalidated, under the extension `x-jsonschema`, so a reader loses no information. Internal.
 */
import { isObject } from './pointer';

/** The extension under which keywords OpenAPI 3.0 lacks are kept. */
export const JSON_SCHEMA_EXTENSION = 'x-jsonschema';

/** Keywords an OpenAPI 3.0.3 schema object has, kept as they are. */
const OPENAPI30 = new Set([
  'title', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern',
  'maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties', 'required', 'enum', 'description', 'format', 'default',
  'nullable', 'readOnly', 'writeOnly', 'example', 'deprecated', 'discriminator', 'xml', 'externalDocs',
]);
const NULL_ONLY = { nullable: true, enum: [null] };

/** Converts a model schema to an OpenAPI 3.0.3 schema object. */
export function toOpenApiSchema(schema: unknown): Record<string, unknown> {
  if (!isObject(schema)) return {};
  const out: Record<string, unknown> = {};
  const lost: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (value === undefined || ['schema', '$schema', 'id', '$id'].includes(key)) continue;
    if (key === 'required' && Array.isArray(value) && value.length === 0) continue;
    if (key === 'ref' || key === '$ref') {
      out.$ref = value;
    } else if (key === 'type') {
      Object.assign(out, typeOf(value));
    } else if (key === 'const') {
      out.enum = [value];
    } else if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'number') {
      // a numeric exclusive bound (JSON Schema 2020-12) is 3.0's bound + `exclusive*: true`
      out[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value;
      out[key] = true;
    } else if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toOpenApiSchema(v)]));
    } else if (key === 'items') {
      if (Array.isArray(value)) {
        out.items = { anyOf: value.map(toOpenApiSchema) };
        lost.items = value;
      } else {
        out.items = toOpenApiSchema(value);
      }
    } else if (key === 'additionalProperties') {
      out.additionalProperties = typeof value === 'boolean' ? value : toOpenApiSchema(value);
    } else if (key === 'not') {
      out.not = toOpenApiSchema(value);
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      const branches = value.map(toOpenApiSchema);
      const nonNull = branches.filter((b) => !isNullOnly(b));
      if (nonNull.length < branches.length && key !== 'allOf') out.nullable = true;
      out[key] = nonNull.length ? nonNull : branches;
    } else if (OPENAPI30.has(key)) {
      out[key] = value;
    } else {
      lost[key] = value;
    }
  }
  // A single pattern is the best 3.0 can say about extra properties (the pattern itself stays in x-jsonschema).
  const patterns = isObject(lost.patternProperties) ? Object.values(lost.patternProperties) : [];
  if (patterns.length === 1 && out.additionalProperties === undefined) out.additionalProperties = toOpenApiSchema(patterns[0]);
  if (Object.keys(lost).length) out[JSON_SCHEMA_EXTENSION] = lost;
  return out;
}

/** `type` as 3.0 spells it: a single type, `nullable`, or `anyOf` for several. */
function typeOf(value: unknown): Record<string, unknown> {
  const types = Array.isArray(value) ? value : [value];
  const nullable = types.includes('null');
  const others = types.filter((t) => t !== 'null');
  if (others.length === 0) return { ...NULL_ONLY };
  if (others.length === 1) return nullable ? { type: others[0], nullable: true } : { type: others[0] };
  return { anyOf: others.map((t) => (nullable ? { type: t, nullable: true } : { type: t })) };
}

function isNullOnly(schema: Record<string, unknown>): boolean {
  return schema.nullable === true && Array.isArray(schema.enum) && schema.enum.length === 1 && schema.enum[0] === null && schema.type === undefined;
}
