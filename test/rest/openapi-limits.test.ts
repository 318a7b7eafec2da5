/**
 * OpenAPI import and CloudFormation's template size limit: "Template body size in an Amazon S3 object: 1 MB"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html; the CDK uploads
 * templates through S3). Models inline every `$ref`, so a document with large shared schemas costs far more than its
 * own size (a 28-operation vendor document gave a 737 KB template). The import estimates what its routes add and warns
 * past 75 % of the limit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { integrationsFor, warningsOf } from './openapi-support';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { TEMPLATE_LIMIT_BYTES, routeBytes } from '../../src/rest/openapi/import-report';

/** A shared schema of `props` object properties, as vendor documents have them. */
function schema(props: number) {
  const property = { type: 'object', properties: { name: { type: 'string', maxLength: 64, description: 'a name of something' }, n: { type: 'integer', minimum: 0 } } };
  return { type: 'object', required: ['p0'], properties: Object.fromEntries(Array.from({ length: props }, (_, i) => [`p${i}`, property])) };
}

/** A document of `ops` operations, each with a query parameter and a body of `props` properties (one shared $ref). */
function document(ops: number, props: number) {
  const paths: Record<string, unknown> = {};
  for (let i = 0; i < ops; i++) {
    paths[`/r${i}/{id}`] = {
      post: {
        operationId: `op${i}`,
        parameters: [{ name: 'q', in: 'query' }],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Big' } } } },
        responses: {},
      },
    };
  }
  return { openapi: '3.0.3', info: { title: 't', version: '1' }, components: { schemas: { Big: schema(props) } }, paths };
}

/** Synthesizes an API with the document's routes (or one plain route) and reads the template file CloudFormation gets. */
function synth(ops: number, props: number) {
  const outdir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'openapi-limits-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'T');
    const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam() });
    if (ops === 0) api.addRoute('GET', '/x', new apigateway.MockIntegration());
    else api.addRoutesFromOpenApi(document(ops, props), { integrations: integrationsFor(Array.from({ length: ops }, (_, i) => `op${i}`)) });
    const text = fs.readFileSync(path.join(app.synth().directory, 'T.template.json'), 'utf8');
    return { bytes: Buffer.byteLength(text), text, warnings: warningsOf(stack) };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const estimate = (ops: number, props: number) => ops * routeBytes({ requestSchema: schema(props) as apigateway.JsonSchema, requestParameters: { 'method.request.querystring.q': false } });

describe('template size', () => {
  const base = synth(0, 0).bytes;

  test('the template file is written with one-space indentation: the bytes CloudFormation counts include it', () => {
    const { text } = synth(2, 3);
    expect(text).toBe(JSON.stringify(JSON.parse(text), undefined, 1));
  });

  test.each([[10, 0], [10, 20], [5, 200]])('the estimate of %i routes with %i-property models is within 10 %% of the bytes they add', (ops, props) => {
    const added = synth(ops, props).bytes - base;
    expect(Math.abs(estimate(ops, props) - added) / added).toBeLessThan(0.1);
  });

  test('a document that brings the template past 75 % of 1 MB warns, naming the stack and the size', () => {
    const { bytes, warnings } = synth(20, 150);
    expect(bytes).toBeGreaterThan(TEMPLATE_LIMIT_BYTES * 0.75);
    expect(bytes).toBeLessThan(TEMPLATE_LIMIT_BYTES);
    const warning = warnings.find((w) => w.includes('TemplateSizeNearLimit'));
    expect(warning).toMatch(/OpenAPI import: the imported routes add about \d{3} KB to the template of T \(CloudFormation refuses templates over 1 MB/);
  });

  test('a small document does not', () => {
    expect(synth(10, 20).warnings.filter((w) => w.includes('TemplateSizeNearLimit'))).toEqual([]);
  });
});
