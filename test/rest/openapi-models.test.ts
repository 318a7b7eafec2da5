/**
 * OpenAPI import, request models and parameters: which schema keywords are kept, converted (with the same meaning)
 * or refused, and the OpenAPI rules that change what a request must look like (readOnly, `$ref` siblings, nullable,
 * ignored headers, cookies, media types, optional bodies). Each with the smallest document that shows it.
 */
import Ajv2020 from 'ajv/dist/2020';
import Ajv04 from 'ajv-draft-04';
import { Template } from 'aws-cdk-lib/assertions';
import { draft4Problems, integrationsFor, warningsOf } from './openapi-support';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { acceptsEmptyObject } from '../../src/rest/openapi/model-schema';
import { newStack } from '../support/fixtures';

/** A document with one POST /things operation whose JSON body has `schema`. */
function withBody(schema: unknown, extra: { openapi?: string; components?: unknown; requestBody?: Record<string, unknown> } = {}) {
  return {
    openapi: extra.openapi ?? '3.0.3',
    info: { title: 't', version: '1' },
    components: extra.components ?? {},
    paths: { '/things': { post: { operationId: 'create', requestBody: { required: true, content: { 'application/json': { schema } }, ...extra.requestBody }, responses: {} } } },
  };
}

function importIt(document: any) {
  const stack = newStack('Target');
  const api = new SecuredRestApi(stack, 'Api', { apiName: 'imported', authorization: ApiAuthorization.iam() });
  api.addRoutesFromOpenApi(document, { integrations: integrationsFor(['create']) });
  const models = Object.values<any>(Template.fromStack(stack).findResources('AWS::ApiGateway::Model')).map((m) => m.Properties.Schema);
  return { stack, api, model: models[0], warnings: warningsOf(stack) };
}

/** The model without the `$schema` the L2 adds at its root. */
function modelOf(schema: unknown, extra?: Parameters<typeof withBody>[1]) {
  const { $schema, ...rest } = importIt(withBody(schema, extra)).model;
  expect($schema).toBe('http://json-schema.org/draft-04/schema#');
  return rest;
}

const ajv2020 = new Ajv2020({ strict: false, validateFormats: false });
const ajv04 = new Ajv04({ strict: false, validateFormats: false });

describe('the AWS rule: API Gateway models are JSON Schema draft 4, nothing else', () => {
  // aws-cdk#14585: "Invalid model schema specified. Unsupported keyword(s): [\"$id\"]" at deploy time; API Gateway
  // models are draft 4 (https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html).
  test.each<[string, unknown]>([
    ['a numeric exclusiveMinimum (2020-12)', { type: 'number', exclusiveMinimum: 0 }],
    ['const (draft 6)', { const: 'x' }],
    ['$id (draft 6, the keyword of aws-cdk#14585)', { $id: 'https://example.com/s', type: 'object' }],
    ['prefixItems (2020-12)', { type: 'array', prefixItems: [{ type: 'string' }] }],
    ['an empty required list (draft 4 wants one name at least: aws-cdk#27433)', { type: 'object', required: [] }],
  ])('the checker refuses %s', (_name, schema) => {
    expect(draft4Problems(schema)).not.toEqual([]);
  });

  test('and accepts draft 4 as API Gateway has it', () => {
    expect(draft4Problems({ type: 'object', required: ['a'], properties: { a: { type: ['string', 'null'] } }, dependencies: { a: ['b'] }, additionalProperties: false })).toEqual([]);
  });
});

describe('draft-4 keywords API Gateway models support are kept', () => {
  test('additionalItems, dependencies (both forms) and $schema', () => {
    const model = modelOf({
      $schema: 'http://json-schema.org/draft-04/schema#',
      type: 'object',
      properties: { pair: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }], additionalItems: false } },
      dependencies: { card: ['billing'], coupon: { required: ['campaign'] } },
    });
    expect(model).toEqual({
      type: 'object',
      properties: { pair: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }], additionalItems: false } },
      dependencies: { card: ['billing'], coupon: { required: ['campaign'] } },
    });
    expect(draft4Problems(model)).toEqual([]);
  });
});

describe('JSON Schema 2020-12 keywords (OpenAPI 3.1) become draft 4 with the same meaning', () => {
  const cases: Array<[string, unknown, unknown[]]> = [
    ['numeric exclusiveMinimum / exclusiveMaximum', { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 10 }, [0, 0.1, 9.9, 10, -1]],
    ['an exclusive bound weaker than the inclusive one', { type: 'number', minimum: 5, exclusiveMinimum: 2 }, [2, 3, 5, 6]],
    ['const', { const: 'v1' }, ['v1', 'v2', 1]],
    ['const beside enum', { enum: ['a', 'b'], const: 'b' }, ['a', 'b']],
    ['prefixItems + items', { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false }, [['a', 1], ['a', 1, 2], [1, 'a'], ['a']]],
    ['prefixItems + an items schema', { type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'integer' } }, [['a', 1, 2], ['a', 'b']]],
    ['items: false', { type: 'array', items: false }, [[], [1]]],
    ['dependentRequired and dependentSchemas', { type: 'object', dependentRequired: { card: ['billing'] }, dependentSchemas: { coupon: { required: ['campaign'] } } },
      [{ card: 1 }, { card: 1, billing: 2 }, { coupon: 1 }, { coupon: 1, campaign: 2 }]],
    ['unevaluatedProperties: false without applicators', { type: 'object', properties: { a: {} }, unevaluatedProperties: false }, [{ a: 1 }, { a: 1, b: 2 }]],
    ['unevaluatedProperties as a schema', { type: 'object', properties: { a: {} }, unevaluatedProperties: { type: 'integer' } }, [{ a: 'x', b: 2 }, { b: 'x' }]],
    ['unevaluatedItems after prefixItems', { type: 'array', prefixItems: [{ type: 'string' }], unevaluatedItems: false }, [['a'], ['a', 'b']]],
    ['boolean subschemas', { type: 'object', properties: { never: false, anything: true } }, [{ anything: 1 }, { never: 1 }]],
    ['type lists with null', { type: ['string', 'null'], maxLength: 3 }, ['abc', null, 'abcd', 1]],
  ];
  test.each(cases)('%s', (_name, schema, samples) => {
    const model = modelOf(schema, { openapi: '3.1.0' });
    expect(draft4Problems(model)).toEqual([]);
    const original = ajv2020.compile(schema as object);
    const converted = ajv04.compile(model);
    // every sample gets the same answer from a 2020-12 validator on the document's schema and a draft-4 one on the model
    expect(samples.map((s) => converted(s))).toEqual(samples.map((s) => original(s)));
    expect(new Set(samples.map((s) => original(s))).size).toBe(2);
  });

  test.each<[string, unknown, string]>([
    ['unevaluatedProperties beside allOf', { allOf: [{ properties: { a: {} } }], unevaluatedProperties: false },
      'requestBody "unevaluatedProperties": has no draft-4 equivalent beside allOf'],
    ['if / then', { if: { required: ['a'] }, then: { required: ['b'] } }, 'requestBody "if": is not supported in API Gateway models (JSON Schema draft 4): conditional schemas (draft 7)'],
    ['contains', { type: 'array', contains: { type: 'string' } }, 'requestBody "contains": is not supported in API Gateway models (JSON Schema draft 4): contains (draft 6)'],
    ['propertyNames', { type: 'object', propertyNames: { maxLength: 3 } }, 'requestBody "propertyNames": is not supported'],
    ['$defs', { $defs: { a: {} }, $ref: '#/$defs/a' }, 'requestBody "#/$defs/a": $ref points to nothing in the document'],
    ['$defs without a $ref', { type: 'object', $defs: { a: {} } }, 'requestBody "$defs": is not supported in API Gateway models (JSON Schema draft 4): local definitions are not resolved'],
    ['$dynamicRef', { $dynamicRef: '#node' }, 'requestBody "$dynamicRef": is not supported'],
  ])('refused by name: %s', (_name, schema, message) => {
    expect(() => importIt(withBody(schema, { openapi: '3.1.0' }))).toThrow(`invalid openApi operation POST /things (create) ${message}`);
  });

  test('annotations of 2020-12 and OpenAPI are dropped: examples, $comment, $id, deprecated, readOnly, discriminator, xml, x-*', () => {
    const model = modelOf({ 'type': 'object', 'examples': [{}], '$comment': 'c', '$id': 'https://x/s', 'deprecated': true, 'discriminator': { propertyName: 'k' }, 'xml': { name: 'n' }, 'x-internal': true }, { openapi: '3.1.0' });
    expect(model).toEqual({ type: 'object' });
  });
});

describe('OpenAPI rules that change what a request must look like', () => {
  test('readOnly properties are not required in request models (OpenAPI: required applies to responses only)', () => {
    const components = { schemas: { Id: { type: 'string', readOnly: true } } };
    const model = modelOf({ type: 'object', required: ['id', 'uid', 'name'], properties: { id: { type: 'string', readOnly: true }, uid: { $ref: '#/components/schemas/Id' }, name: { type: 'string' } } }, { components });
    expect(model.required).toEqual(['name']);
    expect(ajv04.compile(model)({ name: 'rex' })).toBe(true);
  });

  test('readOnly properties only: the required list is dropped, not left empty (draft 4 refuses [])', () => {
    const model = modelOf({ type: 'object', required: ['id'], properties: { id: { type: 'string', readOnly: true } } });
    expect(model).toEqual({ type: 'object', properties: { id: { type: 'string' } } });
  });

  test('3.1: keywords beside a $ref apply (allOf of the target and the siblings); a description just annotates', () => {
    const components = { schemas: { Pet: { type: 'object', properties: { name: { type: 'string' } } } } };
    const model = modelOf({ $ref: '#/components/schemas/Pet', required: ['name'], description: 'a pet' }, { openapi: '3.1.0', components });
    expect(model).toEqual({ allOf: [{ type: 'object', properties: { name: { type: 'string' } } }], required: ['name'], description: 'a pet' });
    expect(ajv04.compile(model)({})).toBe(false);
    expect(modelOf({ $ref: '#/components/schemas/Pet', description: 'the pet' }, { openapi: '3.1.0', components }).description).toBe('the pet');
  });

  test('3.0: keywords beside a $ref are ignored, as the 3.0 spec says, with a warning', () => {
    const components = { schemas: { Pet: { type: 'object' } } };
    const { model, warnings } = importIt(withBody({ $ref: '#/components/schemas/Pet', required: ['name'] }, { components }));
    expect(model.required).toBeUndefined();
    expect(warnings.find((w) => w.includes('OpenApiRefSiblingsIgnored'))).toContain('POST /things (create) requestBody (required)');
  });

  test('nullable without type beside allOf accepts null as well (3.0)', () => {
    const components = { schemas: { Pet: { type: 'object', required: ['name'] } } };
    const model = modelOf({ type: 'object', properties: { pet: { nullable: true, allOf: [{ $ref: '#/components/schemas/Pet' }] } } }, { components });
    const validate = ajv04.compile(model);
    expect([{ pet: null }, { pet: { name: 'rex' } }, { pet: {} }].map((v) => validate(v))).toEqual([true, true, false]);
  });

  test('Accept, Content-Type and Authorization header parameters are ignored, as OpenAPI says; other headers kept', () => {
    const headers = ['Accept', 'content-type', 'Authorization', 'X-Trace'].map((name) => ({ name, in: 'header', required: true, schema: { type: 'string' } }));
    const d = { openapi: '3.0.3', info: { title: 't', version: '1' }, paths: { '/things': { get: { operationId: 'create', parameters: headers, responses: {} } } } };
    const { stack } = importIt(d);
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Method', { OperationName: 'create', RequestParameters: { 'method.request.header.X-Trace': true } });
  });

  test('cookie parameters are not validated (API Gateway has none), with a warning naming them', () => {
    const d = { openapi: '3.0.3', info: { title: 't', version: '1' }, paths: { '/things': { get: { operationId: 'create', parameters: [{ name: 'session', in: 'cookie', required: true }], responses: {} } } } };
    const { stack, warnings } = importIt(d);
    const method = Object.values<any>(Template.fromStack(stack).findResources('AWS::ApiGateway::Method')).find((m) => m.Properties.OperationName === 'create');
    expect(method.Properties.RequestParameters).toBeUndefined();
    expect(warnings.find((w) => w.includes('OpenApiCookieParameters'))).toContain('GET /things (create): session');
  });

  test.each<[string, Record<string, unknown>, boolean, string | undefined]>([
    // API Gateway selects the model by the media type, parameters aside (test/support/local/rest-checks.ts)
    ['application/json; charset=utf-8', { 'application/json; charset=utf-8': { schema: { type: 'object' } } }, true, undefined],
    ['a +json media type', { 'application/merge-patch+json': { schema: { type: 'object' } } }, true, 'application/merge-patch+json (the model validates application/json)'],
    ['XML only', { 'application/xml': { schema: { type: 'object' } } }, false, 'application/xml'],
    ['JSON and form', { 'application/json': { schema: { type: 'object' } }, 'application/x-www-form-urlencoded': { schema: { type: 'object' } } }, true, 'application/x-www-form-urlencoded'],
    ['plain application/json', { 'application/json': { schema: { type: 'object' } } }, true, undefined],
  ])('request body %s', (_name, content, hasModel, warned) => {
    const { model, warnings } = importIt(withBody({}, { requestBody: { content } }));
    expect(model !== undefined).toBe(hasModel);
    const warning = warnings.find((w) => w.includes('OpenApiBodyNotValidated'));
    if (warned) expect(warning).toContain(`POST /things (create): ${warned}`);
    else expect(warning).toBeUndefined();
  });

  test('an optional body whose model refuses {} warns (API Gateway validates a missing body as {}); others do not', () => {
    const optional = (schema: unknown) => importIt(withBody(schema, { requestBody: { required: false } })).warnings.some((w) => w.includes('OpenApiOptionalBody'));
    expect(optional({ type: 'object', required: ['name'] })).toBe(true);
    expect(optional({ type: 'array' })).toBe(true);
    expect(optional({ type: 'object', properties: { name: { type: 'string' } } })).toBe(false);
    expect(importIt(withBody({ type: 'object', required: ['name'] })).warnings.some((w) => w.includes('OpenApiOptionalBody'))).toBe(false);
  });

  test('acceptsEmptyObject agrees with a draft-4 validator on {}', () => {
    // the rule it stands for: a request without a body is validated as {} (localstack#7916, parity with AWS)
    const schemas: unknown[] = [
      {}, { type: 'object' }, { type: 'array' }, { type: ['object', 'null'] }, { required: ['a'] }, { minProperties: 1 }, { minProperties: 0 },
      { enum: [{}] }, { enum: [1] }, { allOf: [{ type: 'object' }, { required: ['a'] }] }, { anyOf: [{ required: ['a'] }, { type: 'object' }] },
      { oneOf: [{ type: 'object' }, {}] }, { oneOf: [{ type: 'object' }, { type: 'string' }] }, { not: { type: 'object' } }, { not: { type: 'string' } },
      { properties: { a: { type: 'string' } } },
    ];
    expect(schemas.map((s) => acceptsEmptyObject(s))).toEqual(schemas.map((s) => ajv04.compile(s as object)({})));
  });
});

test('every model of a mixed 3.1 document passes the draft-4 check', () => {
  const d = withBody({
    type: 'object',
    required: ['id', 'kind'],
    properties: {
      id: { type: 'string', readOnly: true },
      kind: { const: 'order' },
      total: { type: 'number', exclusiveMinimum: 0 },
      lines: { type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'integer' } },
      note: { type: ['string', 'null'] },
    },
    dependentRequired: { total: ['lines'] },
    unevaluatedProperties: false,
  }, { openapi: '3.1.0' });
  const { model } = importIt(d);
  expect(draft4Problems(model)).toEqual([]);
});
