import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { integrationsFor, validateOpenApi as validate } from './openapi-support';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { toOpenApiSchema } from '../../src/rest/openapi/schema-export';
import { newStack } from '../support/fixtures';

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
  test('a route\'s own method responses are listed beside the common ones, once each', () => {
    const stack = newStack();
    const a = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam() });
    a.addRoute('GET', '/ping', new apigateway.MockIntegration(), { methodResponses: [{ statusCode: '200' }, { statusCode: '404' }, { statusCode: '302' }] });
    const responses = a.toOpenApi().paths['/ping'].get.responses;
    expect(Object.keys(responses).sort()).toEqual(['200', '302', '400', '401', '403', '404', '429', '500']);
    expect([responses['200'], responses['404']]).toEqual([{ description: 'Success' }, { description: 'HTTP 404' }]);
  });

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

  test('model keywords OpenAPI 3.0 lacks are converted: 2020-12 bounds, const, type lists with null (nullable), patternProperties', () => {
    const a = new SecuredRestApi(newStack(), 'Api', { apiName: 'orders', authorization: ApiAuthorization.iam() });
    a.addRoutesFromOpenApi({
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: {
        '/orders': {
          post: {
            operationId: 'createOrder',
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['total'],
                    properties: { total: { type: 'number', exclusiveMinimum: 0 }, kind: { const: 'order' }, note: { type: ['string', 'null'] }, tags: { type: 'array', prefixItems: [{ type: 'string' }] } },
                    patternProperties: { '^x-': { type: 'string' } },
                    dependentRequired: { note: ['kind'] },
                  },
                },
              },
            },
            responses: {},
          },
        },
      },
    }, { integrations: integrationsFor(['createOrder']) });
    const doc = a.toOpenApi();
    const schema = doc.components.schemas.CreateOrderRequest;
    expect(schema.properties.total).toEqual({ type: 'number', minimum: 0, exclusiveMinimum: true });
    expect(schema.properties.kind).toEqual({ enum: ['order'] });
    expect(schema.properties.note).toEqual({ type: 'string', nullable: true });
    expect(schema.additionalProperties).toEqual({ type: 'string' });
    expect(schema['x-jsonschema']).toEqual({ patternProperties: { '^x-': { type: 'string' } }, dependencies: { note: ['kind'] } });
    expect(schema.properties.tags['x-jsonschema']).toEqual({ items: [{ type: 'string' }] });
    const result = validate(doc);
    expect(result.errors ?? []).toEqual([]);
  });

  test('nullable models written with the CDK types export as nullable, and anyOf with a null branch too', () => {
    const a = new SecuredRestApi(newStack(), 'Api', { apiName: 'orders', authorization: ApiAuthorization.iam() });
    a.addRoute('POST', '/orders', new apigateway.MockIntegration(), {
      requestSchema: {
        type: apigateway.JsonSchemaType.OBJECT,
        required: [],
        properties: {
          note: { type: [apigateway.JsonSchemaType.STRING, apigateway.JsonSchemaType.NULL] },
          ref: { anyOf: [{ type: apigateway.JsonSchemaType.NULL }, { type: apigateway.JsonSchemaType.INTEGER }] },
          any: { type: [apigateway.JsonSchemaType.STRING, apigateway.JsonSchemaType.NUMBER] },
        },
      },
    });
    const doc = a.toOpenApi();
    const schema = doc.components.schemas.PostOrdersRequest;
    expect(schema.required).toBeUndefined();
    expect(schema.properties).toEqual({
      note: { type: 'string', nullable: true },
      ref: { nullable: true, anyOf: [{ type: 'integer' }] },
      any: { anyOf: [{ type: 'string' }, { type: 'number' }] },
    });
    expect(validate(doc).errors ?? []).toEqual([]);
  });

  test('the request body is required only when API Gateway refuses a request without one (its model refuses {})', () => {
    const a = api();
    a.addRoute('PATCH', '/orders', new apigateway.MockIntegration(), { requestSchema: { type: apigateway.JsonSchemaType.OBJECT, properties: { note: { type: apigateway.JsonSchemaType.STRING } } } });
    const doc = a.toOpenApi();
    expect(doc.paths['/orders'].post.requestBody.required).toBe(true);
    expect(doc.paths['/orders'].patch.requestBody.required).toBe(false);
  });
});
