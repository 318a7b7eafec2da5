/**
 * OpenAPI 3.0 / 3.1 schema objects -> API Gateway request models, which are JSON Schema draft 4
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html). API Gateway refuses a
 * model with any keyword draft 4 does not have, at deploy time: "Invalid model schema specified. Unsupported
 * keyword(s): [...]" (aws-cdk#14585, where `$id` broke a deployment). So every keyword is either kept (draft 4 has it),
 * converted to its draft-4 spelling with the same meaning, dropped when it only annotates (examples, readOnly,
 * discriminator, ...), or refused by name. `$ref`s are inlined (models cannot point into the document), which is why
 * recursive schemas are refused. Internal to the OpenAPI import.
 */
import { isObject, resolvePointer } from './pointer';

/** What the conversion needs from the import. */
export interface SchemaContext {
  readonly document: unknown;
  /** OpenAPI 3.1 (JSON Schema 2020-12: `$ref` siblings apply) rather than 3.0 (siblings of `$ref` are ignored). */
  readonly version31: boolean;
  /** Throws the import's error for this operation. */
  readonly fail: (prop: string, value: unknown, allowed: string) => never;
  /** Records a warning item under a warning id. */
  readonly note: (id: string, item: string) => void;
}

const SCHEMA_TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];
/** Draft-4 keywords whose value is kept as it is. */
const PLAIN = new Set(['title', 'description', 'format', 'default', 'multipleOf', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties']);
/** Annotations (or dialect and id markers, meaningless once `$ref`s are inlined): dropped. */
const DROPPED = new Set([
  'nullable', 'readOnly', 'writeOnly', 'example', 'examples', 'deprecated', 'discriminator', 'xml', 'externalDocs',
  '$schema', '$id', 'id', '$comment', 'contentMediaType', 'contentEncoding', 'contentSchema',
  // handled with their partner keyword
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'prefixItems', 'items', 'dependentRequired', 'dependentSchemas',
]);
/** Keywords of later drafts with no draft-4 equivalent, and why. */
const REFUSED: Record<string, string> = {
  $defs: 'local definitions are not resolved: move them to components.schemas and $ref them there',
  definitions: 'local definitions are not resolved: move them to components.schemas and $ref them there',
  $anchor: 'anchors (JSON Schema 2019-09) have no draft-4 equivalent',
  $dynamicAnchor: 'dynamic references (JSON Schema 2020-12) have no draft-4 equivalent',
  $dynamicRef: 'dynamic references (JSON Schema 2020-12) have no draft-4 equivalent',
  $recursiveRef: 'recursive references (JSON Schema 2019-09) have no draft-4 equivalent',
  $recursiveAnchor: 'recursive references (JSON Schema 2019-09) have no draft-4 equivalent',
  $vocabulary: 'vocabularies (JSON Schema 2019-09) have no draft-4 equivalent',
  if: 'conditional schemas (draft 7) have no draft-4 equivalent',
  then: 'conditional schemas (draft 7) have no draft-4 equivalent',
  else: 'conditional schemas (draft 7) have no draft-4 equivalent',
  contains: 'contains (draft 6) has no draft-4 equivalent',
  minContains: 'minContains (2019-09) has no draft-4 equivalent',
  maxContains: 'maxContains (2019-09) has no draft-4 equivalent',
  propertyNames: 'propertyNames (draft 6) has no draft-4 equivalent',
};
const APPLICATORS = ['allOf', 'anyOf', 'oneOf', 'not', '$ref', 'if', 'dependentSchemas'];
const ANNOTATION_SIBLINGS = new Set(['description', 'title', 'example', 'examples', 'deprecated', 'readOnly', 'writeOnly']);

/** A request model of an OpenAPI schema: draft 4, `$ref`s inlined, readOnly properties not required. */
export function toModelSchema(schema: unknown, prop: string, ctx: SchemaContext): Record<string, unknown> {
  return convert(schema, prop, [], ctx);
}

function convert(schema: unknown, prop: string, seen: string[], ctx: SchemaContext): Record<string, unknown> {
  // 2020-12 boolean schemas: true accepts anything, false nothing.
  if (schema === true) return {};
  if (schema === false) return { not: {} };
  if (!isObject(schema)) ctx.fail(prop, schema, 'must be a schema object');
  if (schema.$ref !== undefined) return convertRef(schema, prop, seen, ctx);
  const out: Record<string, unknown> = {};
  const sub = (value: unknown, where: string) => convert(value, `${prop}${where}`, seen, ctx);
  for (const [key, value] of Object.entries<any>(schema)) {
    if (DROPPED.has(key) || key.startsWith('x-')) continue;
    if (Object.prototype.hasOwnProperty.call(REFUSED, key)) ctx.fail(prop, key, `is not supported in API Gateway models (JSON Schema draft 4): ${REFUSED[key]}`);
    if (key === 'type') {
      const types = Array.isArray(value) ? value : [value];
      if (!types.every((t) => SCHEMA_TYPES.includes(t))) ctx.fail(`${prop} type`, value, `must be one of ${SCHEMA_TYPES.join(', ')}`);
      out.type = schema.nullable === true && !types.includes('null') ? [...types, 'null'] : value;
    } else if (key === 'required') {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) ctx.fail(`${prop} required`, value, 'must be a list of property names');
      // OpenAPI: a readOnly property that is required is required in responses only; draft 4 refuses an empty list
      // (aws-cdk#27433), so a list left empty is dropped.
      const required = value.filter((name: string) => !readOnly(schema.properties?.[name], ctx));
      if (required.length) out.required = required;
    } else if (PLAIN.has(key)) {
      out[key] = value;
    } else if (key === 'enum') {
      if (schema.const === undefined) out.enum = value;
    } else if (key === 'const') {
      out.enum = Array.isArray(schema.enum) ? schema.enum.filter((v: unknown) => JSON.stringify(v) === JSON.stringify(value)) : [value];
      if ((out.enum as unknown[]).length === 0) return { not: {} };
    } else if (key === 'properties' || key === 'patternProperties') {
      if (!isObject(value)) ctx.fail(`${prop} ${key}`, value, 'must be an object of schemas');
      out[key] = Object.fromEntries(Object.entries<any>(value).map(([k, v]) => [k, sub(v, `.${k}`)]));
    } else if (key === 'additionalProperties' || key === 'additionalItems') {
      out[key] = typeof value === 'boolean' ? value : sub(value, ` ${key}`);
    } else if (key === 'not') {
      out.not = sub(value, ' not');
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      if (!Array.isArray(value)) ctx.fail(`${prop} ${key}`, value, 'must be a list of schemas');
      out[key] = value.map((v, i) => sub(v, ` ${key}[${i}]`));
    } else if (key === 'dependencies') {
      if (!isObject(value)) ctx.fail(`${prop} dependencies`, value, 'must be an object');
      out.dependencies = { ...(out.dependencies as object), ...dependencies(value, sub) };
    } else if (key === 'unevaluatedProperties' || key === 'unevaluatedItems') {
      unevaluated(key, value, schema, out, prop, sub, ctx);
    } else {
      ctx.fail(prop, key, 'is not a JSON schema keyword API Gateway models support');
    }
  }
  bound(schema, out, 'minimum', prop, ctx);
  bound(schema, out, 'maximum', prop, ctx);
  arrayItems(schema, out, sub);
  const dependent = { ...dependencies(schema.dependentRequired ?? {}, sub), ...dependencies(schema.dependentSchemas ?? {}, sub) };
  if (Object.keys(dependent).length) out.dependencies = { ...(out.dependencies as object), ...dependent };
  // OpenAPI 3.0 `nullable` beside no `type` (next to allOf, say): null is accepted as well.
  if (schema.nullable === true && schema.type === undefined && Object.keys(out).length) return { anyOf: [{ type: 'null' }, out] };
  return out;
}

/** `$ref`: inlined. In 3.0 its siblings are ignored (the spec says so); in 3.1 they apply beside it. */
function convertRef(schema: Record<string, any>, prop: string, seen: string[], ctx: SchemaContext): Record<string, unknown> {
  const ref = schema.$ref;
  if (seen.includes(ref)) ctx.fail(prop, ref, 'must not be recursive (API Gateway models are inlined)');
  const target = resolvePointer(ctx.document, ref);
  if ('error' in target) ctx.fail(prop, ref, `$ref ${target.error}`);
  const resolved = convert(target.value, prop, [...seen, ref], ctx);
  const { $ref: _ref, ...siblings } = schema;
  const applying = Object.keys(siblings).filter((k) => !ANNOTATION_SIBLINGS.has(k) && !k.startsWith('x-'));
  if (applying.length === 0) return siblings.description !== undefined ? { ...resolved, description: siblings.description } : resolved;
  if (!ctx.version31) {
    ctx.note('OpenApiRefSiblingsIgnored', `${prop} (${applying.join(', ')})`);
    return resolved;
  }
  return { allOf: [resolved], ...convert(siblings, prop, seen, ctx) };
}

/** Whether a property schema is marked readOnly (itself, or the schema its `$ref` names). */
function readOnly(property: unknown, ctx: SchemaContext): boolean {
  if (!isObject(property)) return false;
  if (property.readOnly === true) return true;
  if (typeof property.$ref !== 'string') return false;
  const target = resolvePointer(ctx.document, property.$ref);
  return 'value' in target && isObject(target.value) && target.value.readOnly === true;
}

/** Draft 4 spells an exclusive bound as a boolean beside `minimum`/`maximum`; 2020-12 as a number of its own. */
function bound(schema: Record<string, any>, out: Record<string, unknown>, kind: 'minimum' | 'maximum', prop: string, ctx: SchemaContext): void {
  const exclusiveKey = kind === 'minimum' ? 'exclusiveMinimum' : 'exclusiveMaximum';
  const inclusive = schema[kind];
  const exclusive = schema[exclusiveKey];
  if (inclusive !== undefined && typeof inclusive !== 'number') ctx.fail(`${prop} ${kind}`, inclusive, 'must be a number');
  if (typeof exclusive === 'number') {
    const inclusiveStricter = typeof inclusive === 'number' && (kind === 'minimum' ? inclusive > exclusive : inclusive < exclusive);
    if (inclusiveStricter) {
      out[kind] = inclusive;
    } else {
      out[kind] = exclusive;
      out[exclusiveKey] = true;
    }
    return;
  }
  if (exclusive !== undefined && typeof exclusive !== 'boolean') ctx.fail(`${prop} ${exclusiveKey}`, exclusive, 'must be a number (3.1) or a boolean (3.0)');
  if (inclusive !== undefined) out[kind] = inclusive;
  if (exclusive === true && inclusive !== undefined) out[exclusiveKey] = true;
}

/** `items` (a schema, or draft 4's list), and 2020-12's `prefixItems` + `items` as draft 4's `items` list + `additionalItems`. */
function arrayItems(schema: Record<string, any>, out: Record<string, unknown>, sub: (v: unknown, where: string) => Record<string, unknown>): void {
  const items = schema.items;
  if (Array.isArray(schema.prefixItems)) {
    out.items = schema.prefixItems.map((v: unknown, i: number) => sub(v, ` prefixItems[${i}]`));
    if (items !== undefined) out.additionalItems = typeof items === 'boolean' ? items : sub(items, ' items');
  } else if (Array.isArray(items)) {
    out.items = items.map((v, i) => sub(v, ` items[${i}]`));
  } else if (items === false) {
    out.maxItems = 0;
  } else if (items !== undefined && items !== true) {
    out.items = sub(items, ' items');
  }
}

/** Draft 4's `dependencies`: property -> required names or a schema (2019-09 split them in two keywords). */
function dependencies(value: Record<string, any>, sub: (v: unknown, where: string) => Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Array.isArray(v) ? v : sub(v, ` dependencies.${k}`)]));
}

/**
 * 2019-09's `unevaluatedProperties` / `unevaluatedItems`: without applicators beside them every property (item) is
 * evaluated by this schema alone, so they mean `additionalProperties` (`items` / `additionalItems`). With applicators
 * the meaning depends on what the subschemas evaluate, which draft 4 cannot say: refused.
 */
function unevaluated(
  key: 'unevaluatedProperties' | 'unevaluatedItems', value: unknown, schema: Record<string, any>, out: Record<string, unknown>, prop: string,
  sub: (v: unknown, where: string) => Record<string, unknown>, ctx: SchemaContext,
): void {
  if (value === true || (isObject(value) && Object.keys(value).length === 0)) return;
  const converted = typeof value === 'boolean' ? value : sub(value, ` ${key}`);
  const applicators = APPLICATORS.filter((a) => schema[a] !== undefined);
  if (applicators.length) {
    ctx.fail(prop, key, `has no draft-4 equivalent beside ${applicators.join(', ')}: use additionalProperties or additionalItems in each subschema`);
  }
  if (key === 'unevaluatedProperties') {
    // with additionalProperties every property is evaluated already: no effect
    if (schema.additionalProperties === undefined) out.additionalProperties = converted;
  } else if (Array.isArray(schema.prefixItems)) {
    if (schema.items === undefined) out.additionalItems = converted;
  } else if (Array.isArray(schema.items)) {
    if (schema.additionalItems === undefined) out.additionalItems = converted;
  } else if (schema.items === undefined) {
    if (converted === false) out.maxItems = 0;
    else out.items = converted;
  }
}

/**
 * Whether a model accepts `{}`: API Gateway validates a request without a body as an empty JSON object (LocalStack's
 * parity fix localstack#7916, snapshot-tested against AWS), so a model that refuses `{}` makes the body required.
 */
export function acceptsEmptyObject(schema: unknown): boolean {
  if (!isObject(schema)) return true;
  const types = schema.type === undefined ? undefined : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types && !types.includes('object')) return false;
  if (Array.isArray(schema.required) && schema.required.length > 0) return false;
  if (typeof schema.minProperties === 'number' && schema.minProperties > 0) return false;
  if (Array.isArray(schema.enum) && !schema.enum.some((v) => isObject(v) && Object.keys(v).length === 0)) return false;
  if (Array.isArray(schema.allOf) && !schema.allOf.every(acceptsEmptyObject)) return false;
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some(acceptsEmptyObject)) return false;
  if (Array.isArray(schema.oneOf) && schema.oneOf.filter(acceptsEmptyObject).length !== 1) return false;
  if (isObject(schema.not) && acceptsEmptyObject(schema.not)) return false;
  return true;
}
