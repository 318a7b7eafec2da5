/** Shared helpers of the OpenAPI tests (test/rest/openapi*.test.ts). */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv04 from 'ajv-draft-04';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { OpenApiImportOptions } from '../../src/rest/openapi-import';
import { newStack } from '../support/fixtures';

export const mock = new apigateway.MockIntegration();

/** A committed public document (test/fixtures/openapi/<name>). */
export function fixture(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'openapi', name), 'utf8'));
}

/**
 * Validates a document with @seriousme/openapi-schema-validator, a maintained validator of OpenAPI 2.0 / 3.0 / 3.1
 * (ESM-only, so in a child Node.js process).
 */
export function validateOpenApi(doc: unknown): { valid: boolean; errors?: unknown } {
  const script = `import('@seriousme/openapi-schema-validator').then(async ({ Validator }) => {
    const res = await new Validator().validate(JSON.parse(process.env.DOC));
    process.stdout.write('RESULT' + JSON.stringify({ valid: res.valid, errors: res.errors }));
  });`;
  const child = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, DOC: JSON.stringify(doc) }, encoding: 'utf8', cwd: __dirname });
  const i = child.stdout.indexOf('RESULT');
  if (i < 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout.slice(i + 6));
}

/** The keywords of JSON Schema draft 4: the properties of its meta-schema (as ajv-draft-04 ships it), and `$ref`. */
const draft04MetaSchema = JSON.parse(fs.readFileSync(require.resolve('ajv-draft-04/dist/refs/json-schema-draft-04.json'), 'utf8'));
const DRAFT4_KEYWORDS = new Set([...Object.keys(draft04MetaSchema.properties), '$ref', 'format']);
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', 'definitions'];
const SUBSCHEMAS = ['additionalItems', 'additionalProperties', 'not', 'items'];

/**
 * Why API Gateway would refuse a model schema, as aws-cdk#14585 shows it doing at deploy time ("Invalid model schema
 * specified. Unsupported keyword(s): [...]"): models are JSON Schema draft 4
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html), so the schema must be
 * valid against the draft-04 meta-schema and use no keyword draft 4 lacks, at any depth.
 */
export function draft4Problems(schema: unknown): string[] {
  const ajv = new Ajv04({ strict: false, validateFormats: false });
  const problems = ajv.validateSchema(schema as object) ? [] : (ajv.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  const walk = (s: unknown, where: string): void => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return;
    for (const [k, v] of Object.entries(s)) {
      if (!DRAFT4_KEYWORDS.has(k)) problems.push(`${where}: unsupported keyword ${k}`);
      if (SUBSCHEMA_MAPS.includes(k) && v && typeof v === 'object') Object.entries(v).forEach(([n, sub]) => walk(sub, `${where}/${k}/${n}`));
      if (k === 'dependencies' && v && typeof v === 'object') Object.entries(v).forEach(([n, sub]) => walk(sub, `${where}/${k}/${n}`));
      if (SUBSCHEMAS.includes(k)) (Array.isArray(v) ? v : [v]).forEach((sub, i) => walk(sub, `${where}/${k}/${i}`));
      if (['allOf', 'anyOf', 'oneOf'].includes(k) && Array.isArray(v)) v.forEach((sub, i) => walk(sub, `${where}/${k}/${i}`));
    }
  };
  walk(schema, '#');
  return problems;
}

/** An API in a new stack, default authorization Cognito unless given. */
export function newApi(authorization?: (stack: Stack) => ApiAuthorization, props: Record<string, unknown> = {}, stack: Stack = newStack('Target')): SecuredRestApi {
  const auth = authorization ? authorization(stack) : ApiAuthorization.iam();
  return new SecuredRestApi(stack, 'Api', { apiName: 'imported', authorization: auth, ...props });
}

/** One mock integration per operation key of a document (operationId, else derived name). */
export function integrationsFor(keys: string[]): Record<string, apigateway.Integration> {
  return Object.fromEntries(keys.map((k) => [k, mock]));
}

/** Imports `doc` into a new IAM-default API; returns the API, its methods and its template. */
export function importDoc(doc: any, options: Omit<OpenApiImportOptions, 'integrations'> & { integrations?: Record<string, apigateway.Integration> }, keys?: string[]) {
  const api = newApi();
  const ids = keys ?? Object.values<any>(doc.paths ?? {}).flatMap((item) => Object.values<any>(item).map((op) => op?.operationId).filter((id) => typeof id === 'string'));
  const methods = api.addRoutesFromOpenApi(doc, { ...options, integrations: options.integrations ?? integrationsFor(ids) });
  return { api, methods, template: Template.fromStack(Stack.of(api)) };
}

/** The library's warnings on a stack, as `id: message`. */
export function warningsOf(stack: Stack): string[] {
  return Annotations.fromStack(stack)
    .findWarning('*', Match.stringLikeRegexp('cdk-apigateway-patterns:'))
    .map((w) => String(w.entry.data));
}

/** What a route got, read from its CfnMethod and the template: the contract the document describes. */
export function routeContract(method: apigateway.Method, template: Template) {
  const cfn = method.node.defaultChild as apigateway.CfnMethod;
  const p = Stack.of(method).resolve({
    httpMethod: cfn.httpMethod,
    operationName: cfn.operationName,
    authorizationType: cfn.authorizationType,
    scopes: cfn.authorizationScopes,
    apiKeyRequired: cfn.apiKeyRequired,
    requestParameters: cfn.requestParameters,
    requestModels: cfn.requestModels,
  });
  const modelRef = p.requestModels?.['application/json']?.Ref;
  const model = modelRef ? template.findResources('AWS::ApiGateway::Model')[modelRef]?.Properties.Schema : undefined;
  return { ...p, path: method.resource.path, model };
}
