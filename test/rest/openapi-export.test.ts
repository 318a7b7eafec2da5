import { spawnSync } from 'node:child_process';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { toOpenApiSchema } from '../../src/rest/openapi/schema-export';
import { newStack } from '../support/fixtures';

/** Validates a document with @seriousme/openapi-schema-validator (ESM-only, so in a child Node.js process). */
function validate(doc: unknown): { valid: boolean; errors?: unknown } {
  const script = `import('@seriousme/openapi-schema-validator').then(async ({ Validator }) => {
    const res = await new Validator().validate(JSON.parse(process.env.DOC));
    process.stdout.write('RESULT' + JSON.stringify({ valid: res.valid, errors: res.errors }));
  });`;
  const child = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, DOC: JSON.stringify(doc) }, encoding: 'utf8', cwd: __dirname });
  const i = child.stdout.indexOf('RESULT');
  if (i < 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout.slice(i + 6));
}

function api() {
  const stack = newStack();
  const pool = new cognito.UserPool(stack, 'Pool');
  const a = new SecuredRestApi(stack, 'Api', { apiName: 'orders', authorization: ApiAuthorization.cognito(pool, { scopes: ['orders/read'] }) });
  const mock = new apigateway.MockIntegration();
  a.addRoute('GET', '/orders', mock, { requestParameters: { 'method.request.querystring.page': false } });
  a.addRoute('POST', '/orders', mock, {
    scopes: ['orders/write'],
    operationName: 'createOrder',
    requestSchema: {
      type: apigateway.JsonSchemaType.OBJECT,
      required: ['sku'],
      properties: {
        sku: { type: apigateway.JsonSchemaType.STRING },
        tags: { type: apigateway.JsonSchemaType.ARRAY, items: { type: apigateway.JsonSchemaType.STRING } },
      },
    },
  });
  a.addRoute('GET', '/orders/{id}', mock, { apiKeyRequired: true });
  a.addRoute('DELETE', '/admin/orders/{id}', mock, { authorization: ApiAuthorization.iam() });
  a.addRoute('GET', '/health', mock, { authorization: ApiAuthorization.none() });
  return a;
}

describe('OpenAPI export', () => {
  test('operations, parameters, schemas, security and API keys', () => {
    const doc = api().toOpenApi({ version: '2.0.0', serverUrl: 'https://api.example.com' });
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.info).toEqual({ title: 'orders', version: '2.0.0' });
    expect(doc.servers).toEqual([{ url: 'https://api.example.com' }]);
    expect(Object.keys(doc.paths).sort()).toEqual(['/admin/orders/{id}', '/health', '/orders', '/orders/{id}']);
    expect(doc.paths['/orders'].get).toMatchObject({
      operationId: 'getOrders',
      security: [{ cognito: ['orders/read'] }],
      parameters: [{ name: 'page', in: 'query', required: false, schema: { type: 'string' } }],
    });
    expect(doc.paths['/orders'].post).toMatchObject({
      operationId: 'createOrder',
      security: [{ cognito: ['orders/write'] }],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateOrderRequest' } } } },
    });
    expect(doc.components.schemas.CreateOrderRequest).toEqual({
      type: 'object',
      required: ['sku'],
      properties: { sku: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
    });
    expect(doc.paths['/orders/{id}'].get).toMatchObject({
      security: [{ cognito: ['orders/read'], apiKey: [] }],
      parameters: [{ name: 'id', in: 'path', required: true }],
    });
    expect(doc.paths['/admin/orders/{id}'].delete.security).toEqual([{ sigv4: [] }]);
    expect(doc.paths['/health'].get.security).toEqual([]);
    expect(doc.components.securitySchemes).toEqual({
      cognito: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      sigv4: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'AWS Signature Version 4' },
    });
    expect(JSON.stringify(doc)).not.toMatch(/x-amazon-apigateway|arn:aws/);
  });

  test('the document is valid OpenAPI (maintained validator)', () => {
    const result = validate(api().toOpenApi());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  test('AWS extensions only when asked: integrations as deployed, validators, API-key source, authorizer types', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('x') });
    const a = new SecuredRestApi(stack, 'Api', { apiName: 'orders', authorization: ApiAuthorization.iam() });
    a.addRoute('GET', '/orders', new apigateway.LambdaIntegration(fn));
    a.addRoute('POST', '/orders', new apigateway.HttpIntegration('https://backend.example.com/orders', { httpMethod: 'POST' }), {
      requestSchema: { type: apigateway.JsonSchemaType.OBJECT },
    });
    expect(JSON.stringify(a.toOpenApi())).not.toMatch(/x-amazon-apigateway/);
    const doc = a.toOpenApi({ awsExtensions: true });
    expect(doc['x-amazon-apigateway-api-key-source']).toBe('HEADER');
    expect(doc['x-amazon-apigateway-request-validators']).toEqual({
      BodyAndParametersValidator: { validateRequestBody: true, validateRequestParameters: true },
      ParametersValidator: { validateRequestBody: false, validateRequestParameters: true },
    });
    expect(doc.components.securitySchemes.sigv4['x-amazon-apigateway-authtype']).toBe('awsSigv4');
    const get = doc.paths['/orders'].get;
    expect(get['x-amazon-apigateway-request-validator']).toBe('ParametersValidator');
    expect(get['x-amazon-apigateway-integration']).toMatchObject({ type: 'aws_proxy', httpMethod: 'POST' });
    expect(JSON.stringify(get['x-amazon-apigateway-integration'].uri)).toMatch(/Fn::GetAtt.*Fn[0-9A-F]{8}.*Arn/);
    const post = doc.paths['/orders'].post;
    expect(post['x-amazon-apigateway-request-validator']).toBe('BodyAndParametersValidator');
    expect(post['x-amazon-apigateway-integration']).toMatchObject({ type: 'http_proxy', httpMethod: 'POST', uri: 'https://backend.example.com/orders' });
    const result = validate(doc);
    expect(result.errors ?? []).toEqual([]);
  });

  test('the validator does catch an invalid document', () => {
    const doc = api().toOpenApi();
    delete doc.info;
    expect(validate(doc).valid).toBe(false);
  });

  test('schema conversion: ref becomes $ref, $schema and id are dropped, nested schemas converted', () => {
    expect(
      toOpenApiSchema({
        schema: apigateway.JsonSchemaVersion.DRAFT4,
        id: 'x',
        type: apigateway.JsonSchemaType.OBJECT,
        properties: { a: { ref: '#/definitions/A' }, b: { anyOf: [{ type: apigateway.JsonSchemaType.STRING }] } },
      }),
    ).toEqual({ type: 'object', properties: { a: { $ref: '#/definitions/A' }, b: { anyOf: [{ type: 'string' }] } } });
  });
});
