import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { newStack } from '../support/fixtures';

const mock = new apigateway.MockIntegration();

function orders(stack: Stack = newStack('Source')): SecuredRestApi {
  const pool = new cognito.UserPool(stack, 'Pool');
  const api = new SecuredRestApi(stack, 'Api', { apiName: 'orders', authorization: ApiAuthorization.cognito(pool, { scopes: ['orders/read'] }) });
  api.addRoute('GET', '/orders', mock, { requestParameters: { 'method.request.querystring.page': false, 'method.request.header.X-Trace': true } });
  api.addRoute('POST', '/orders', mock, {
    scopes: ['orders/write'],
    operationName: 'createOrder',
    requestSchema: {
      type: apigateway.JsonSchemaType.OBJECT,
      required: ['sku'],
      additionalProperties: false,
      properties: {
        sku: { type: apigateway.JsonSchemaType.STRING, pattern: '^[A-Z0-9-]{3,32}$' },
        quantity: { type: apigateway.JsonSchemaType.INTEGER, minimum: 1, maximum: 100 },
        tags: { type: apigateway.JsonSchemaType.ARRAY, items: { type: apigateway.JsonSchemaType.STRING }, maxItems: 10 },
      },
    },
  });
  api.addRoute('GET', '/orders/{id}', mock, { apiKeyRequired: true });
  api.addRoute('DELETE', '/admin/orders/{id}', mock, { authorization: ApiAuthorization.iam() });
  api.addRoute('GET', '/health', mock, { authorization: ApiAuthorization.none() });
  api.addRoute('ANY', '/files/{key+}', mock);
  return api;
}

/** A new API with the same default authorization, routes imported from `doc`. */
function imported(doc: any, integrations?: Record<string, apigateway.Integration>, stack: Stack = newStack('Target')) {
  const pool = new cognito.UserPool(stack, 'Pool');
  const api = new SecuredRestApi(stack, 'Api', { apiName: 'orders', authorization: ApiAuthorization.cognito(pool, { scopes: ['orders/read'] }) });
  const ids = Object.values<any>(doc.paths).flatMap((item) => Object.values<any>(item).map((op) => op['x-apigateway-patterns-any-method'] ?? op.operationId));
  api.addRoutesFromOpenApi(doc, { integrations: integrations ?? Object.fromEntries(ids.map((id) => [id, mock])) });
  return api;
}

/** Method properties that carry the API's contract (integration and generated ids aside), by `METHOD /path`. */
function contract(api: SecuredRestApi): Record<string, unknown> {
  const t = Template.fromStack(Stack.of(api));
  const models = t.findResources('AWS::ApiGateway::Model');
  const modelSchema = (ref: any) => models[ref.Ref]?.Properties.Schema;
  const out: Record<string, unknown> = {};
  for (const m of Object.values<any>(t.findResources('AWS::ApiGateway::Method'))) {
    const p = m.Properties;
    if (p.HttpMethod === 'OPTIONS') continue;
    out[`${p.HttpMethod} ${p.OperationName}`] = {
      authorizationType: p.AuthorizationType,
      scopes: p.AuthorizationScopes,
      apiKeyRequired: p.ApiKeyRequired,
      requestParameters: p.RequestParameters,
      model: p.RequestModels ? modelSchema(p.RequestModels['application/json']) : undefined,
      validator: p.RequestValidatorId ? 'yes' : 'no',
    };
  }
  return out;
}

describe('OpenAPI import', () => {
  test('import(export(api)) yields the same routes, models, parameters and authorization', () => {
    const source = orders();
    const doc = source.toOpenApi();
    const target = imported(doc);
    expect([...target.routes].sort()).toEqual([...source.routes].sort());
    expect(contract(target)).toEqual(contract(source));
    expect(Object.keys(contract(source))).toHaveLength(6);
    // and the second export is the first one
    expect(target.toOpenApi()).toEqual(doc);
    Template.fromStack(Stack.of(target)).resourceCountIs('AWS::ApiGateway::Model', 1);
    Template.fromStack(Stack.of(target)).resourceCountIs('AWS::ApiGateway::Authorizer', 1);
  });

  test('a third-party 3.1 document: $refs inlined, path-level parameters, nullable, default security', () => {
    const doc = {
      openapi: '3.1.0',
      info: { title: 'pets', version: '1' },
      security: [{ cognito: [] }],
      components: {
        securitySchemes: { cognito: { type: 'http', scheme: 'bearer' } },
        parameters: { Limit: { name: 'limit', in: 'query', required: false, schema: { type: 'integer' } } },
        schemas: {
          Tag: { type: 'object', properties: { name: { type: 'string', nullable: true, example: 'x' } } },
          Pet: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, tags: { type: 'array', items: { $ref: '#/components/schemas/Tag' } } } },
        },
      },
      paths: {
        '/pets': {
          parameters: [{ $ref: '#/components/parameters/Limit' }],
          get: { operationId: 'listPets', responses: { 200: { description: 'ok' } } },
          post: { operationId: 'addPet', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } }, responses: {} },
        },
      },
    };
    const api = imported(doc, { listPets: mock, addPet: mock });
    expect(api.routes).toEqual(['GET /pets', 'POST /pets']);
    const t = Template.fromStack(Stack.of(api));
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      OperationName: 'listPets',
      AuthorizationType: 'COGNITO_USER_POOLS',
      RequestParameters: { 'method.request.querystring.limit': false },
    });
    t.hasResourceProperties('AWS::ApiGateway::Model', {
      Schema: {
        $schema: 'http://json-schema.org/draft-04/schema#',
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'object', properties: { name: { type: ['string', 'null'] } } } } },
      },
    });
  });

  describe('bad documents fail at synth time naming the path and operation', () => {
    const base = () => ({
      openapi: '3.0.3',
      info: { title: 't', version: '1' },
      components: { securitySchemes: { cognito: { type: 'http', scheme: 'bearer' } } as Record<string, unknown>, schemas: {} as Record<string, unknown> },
      paths: { '/orders': { post: { operationId: 'createOrder', requestBody: { content: { 'application/json': { schema: { type: 'object' } } } }, responses: {} } } } as Record<string, any>,
    });
    const cases: Array<[string, (d: any) => void, Record<string, apigateway.Integration> | undefined, RegExp]> = [
      ['a Swagger 2.0 document', (d) => { delete d.openapi; d.swagger = '2.0'; }, undefined, /Target\/Api: invalid openApi.openapi "2.0": must be an OpenAPI 3.0.x or 3.1.x document/],
      ['an integration for an unknown operationId', () => undefined, { createOrder: mock, deleteOrder: mock }, /invalid openApi integrations \["deleteOrder"\]: names operationIds the document does not have/],
      ['a missing integration', () => undefined, {}, /invalid openApi integrations \["createOrder"\]: has no integration for 1 operation\(s\): POST \/orders \(createOrder\)/],
      ['an invalid schema type', (d) => { d.paths['/orders'].post.requestBody.content['application/json'].schema = { type: 'obj' }; }, undefined, /invalid openApi operation POST \/orders \(createOrder\) requestBody type "obj": must be one of object, array/],
      ['an unknown schema keyword', (d) => { d.paths['/orders'].post.requestBody.content['application/json'].schema = { type: 'object', colour: 'red' }; }, undefined, /POST \/orders \(createOrder\) requestBody "colour": is not a JSON schema keyword API Gateway models support/],
      ['a draft-7 keyword', (d) => { d.paths['/orders'].post.requestBody.content['application/json'].schema = { type: 'object', if: {} }; }, undefined, /POST \/orders \(createOrder\) requestBody "if": is not supported in API Gateway models \(JSON Schema draft 4\): conditional schemas \(draft 7\)/],
      ['a dangling $ref', (d) => { d.paths['/orders'].post.requestBody.content['application/json'].schema = { $ref: '#/components/schemas/Nope' }; }, undefined, /POST \/orders \(createOrder\) requestBody "#\/components\/schemas\/Nope": \$ref points to nothing in the document/],
      ['a $ref to another file', (d) => { d.paths['/orders'].post.requestBody.content['application/json'].schema = { $ref: 'pets.yaml#/Pet' }; }, undefined, /requestBody "pets.yaml#\/Pet": \$ref must point into this document/],
      ['a recursive schema', (d) => {
        d.components.schemas.Node = { type: 'object', properties: { next: { $ref: '#/components/schemas/Node' } } };
        d.paths['/orders'].post.requestBody.content['application/json'].schema = { $ref: '#/components/schemas/Node' };
      }, undefined, /requestBody.next "#\/components\/schemas\/Node": must not be recursive/],
      ['an undefined security scheme', (d) => { d.paths['/orders'].post.security = [{ partnerOauth: [] }]; }, undefined, /POST \/orders \(createOrder\) security "partnerOauth": names a scheme components.securitySchemes does not define/],
      ['an unmapped security scheme', (d) => {
        d.components.securitySchemes.partnerOauth = { type: 'oauth2', flows: {} };
        d.paths['/orders'].post.security = [{ partnerOauth: [] }];
      }, undefined, /POST \/orders \(createOrder\) security \[\{"partnerOauth":\[\]\}\]: no requirement can be served: \["partnerOauth"\]: scheme partnerOauth \(oauth2\) is not mapped \(add it to authorizations\)/],
      ['a path parameter missing from the path', (d) => { d.paths['/orders'].post.parameters = [{ name: 'id', in: 'path', required: true }]; }, undefined, /POST \/orders \(createOrder\) parameters "id": path parameters must appear in the path template/],
    ];
    test.each(cases)('%s', (_name, mutate, integrations, message) => {
      const doc = base();
      mutate(doc);
      expect(() => imported(doc, integrations ?? { createOrder: mock })).toThrow(message);
    });
  });
});
