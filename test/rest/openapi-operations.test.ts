/**
 * OpenAPI import, operations and paths: names, missing operationIds, TRACE, 3.1 path item `$ref`s, path characters,
 * parameter names, the checks that run before any route is added, servers base paths. Each with the smallest
 * document that shows it.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { integrationsFor, mock, validateOpenApi, warningsOf } from './openapi-support';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { newStack } from '../support/fixtures';

const doc = (paths: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ openapi: '3.0.3', info: { title: 't', version: '1' }, paths, ...extra });
const body = { content: { 'application/json': { schema: { type: 'object' } } } };

function api(props: Record<string, unknown> = {}): SecuredRestApi {
  return new SecuredRestApi(newStack('Target'), 'Api', { apiName: 'imported', authorization: ApiAuthorization.iam(), ...props });
}

function operationNames(a: SecuredRestApi): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of Object.values<any>(Template.fromStack(Stack.of(a)).findResources('AWS::ApiGateway::Method'))) {
    if (m.Properties.HttpMethod !== 'OPTIONS') out[m.Properties.OperationName] = m.Properties.HttpMethod;
  }
  return out;
}

describe('operation names', () => {
  test('operationIds that are not identifiers stay the integrations key and give a derived operationName', () => {
    const a = api();
    a.addRoutesFromOpenApi(doc({
      '/pets/{id}': { get: { operationId: 'find pet by id', responses: {} } },
      '/albums/{id}': { get: { operationId: 'get-an-album', responses: {} } },
      '/data-sets': { get: { operationId: 'list-data-sets', responses: {} } },
      '/v1/{x}': { get: { operationId: '1st.version', responses: {} } },
    }), { integrations: integrationsFor(['find pet by id', 'get-an-album', 'list-data-sets', '1st.version']) });
    expect(operationNames(a)).toEqual({ findPetById: 'GET', getAnAlbum: 'GET', listDataSets: 'GET', op1stVersion: 'GET' });
    const exported = a.toOpenApi();
    expect(exported.paths['/pets/{id}'].get.operationId).toBe('findPetById');
    expect(validateOpenApi(exported).valid).toBe(true);
  });

  test('two operationIds that derive the same name get distinct names', () => {
    const a = api();
    a.addRoutesFromOpenApi(doc({ '/a': { get: { operationId: 'get-pet', responses: {} } }, '/b': { get: { operationId: 'get pet', responses: {} } } }),
      { integrations: integrationsFor(['get-pet', 'get pet']) });
    expect(Object.keys(operationNames(a)).sort()).toEqual(['getPet', 'getPet2']);
  });

  test('operations without operationId are keyed and named by method and path', () => {
    const a = api();
    a.addRoutesFromOpenApi(doc({ '/streams': { post: { responses: {} } }, '/streams/{id}': { get: { responses: {} } } }),
      { integrations: integrationsFor(['postStreams', 'getStreamsById']) });
    expect(operationNames(a)).toEqual({ postStreams: 'POST', getStreamsById: 'GET' });
  });

  test('every missing integration is reported in one error, derived keys marked as such', () => {
    const d = doc({ '/streams': { post: { responses: {} } }, '/streams/{id}': { get: { responses: {} }, delete: { operationId: 'dropStream', responses: {} } } });
    const a = api();
    expect(() => a.addRoutesFromOpenApi(d, { integrations: {} })).toThrow(
      'Target/Api: invalid openApi integrations ["postStreams","getStreamsById","dropStream"]: has no integration for 3 operation(s): '
      + 'POST /streams (postStreams, no operationId: derived name); GET /streams/{id} (getStreamsById, no operationId: derived name); DELETE /streams/{id} (dropStream)');
    expect(a.routes).toEqual([]);
  });

  test('a derived key that another operation has too is refused naming both', () => {
    const d = doc({ '/orders/{id}': { put: { responses: {} } }, '/orders/by-id': { put: { responses: {} } } });
    expect(() => api().addRoutesFromOpenApi(d, { integrations: integrationsFor(['putOrdersById']) })).toThrow(
      'invalid openApi operation PUT /orders/by-id (putOrdersById) operationId "putOrdersById": is derived for this operation, which has no operationId, '
      + 'and is PUT /orders/{id}\'s key too: give one of them an operationId');
  });

  test('a duplicate operationId is refused naming both operations', () => {
    const d = doc({ '/a': { get: { operationId: 'x', responses: {} } }, '/b': { get: { operationId: 'x', responses: {} } } });
    expect(() => api().addRoutesFromOpenApi(d, { integrations: integrationsFor(['x']) })).toThrow('invalid openApi operation GET /b (x) operationId "x": must be unique in the document (GET /a has it too)');
  });
});

describe('methods and path items', () => {
  test('TRACE is refused by name (API Gateway has no TRACE method), not dropped', () => {
    const d = doc({ '/debug': { trace: { operationId: 'traceDebug', responses: {} } } });
    expect(() => api().addRoutesFromOpenApi(d, { integrations: integrationsFor(['traceDebug']) })).toThrow(
      'Target/Api: invalid openApi operation TRACE /debug "traceDebug": API Gateway REST APIs have no TRACE method: remove the operation');
  });

  test('addRoute refuses TRACE too: API Gateway methods are GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS and ANY', () => {
    // https://docs.aws.amazon.com/apigateway/latest/api/API_PutMethod.html: "HTTP method: GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY"
    const a = api();
    expect(() => a.addRoute('TRACE', '/debug', mock)).toThrow('invalid route method "TRACE"');
  });

  test('3.1 path items given as $ref to components.pathItems are resolved', () => {
    const d = { ...doc({ '/pets': { $ref: '#/components/pathItems/Pets' } }), openapi: '3.1.0', components: { pathItems: { Pets: { get: { operationId: 'listPets', responses: {} } } } } };
    const a = api();
    a.addRoutesFromOpenApi(d, { integrations: integrationsFor(['listPets']) });
    expect(a.routes).toEqual(['GET /pets']);
  });

  test('a path item $ref that points nowhere is refused naming the path', () => {
    const d = { ...doc({ '/pets': { $ref: '#/components/pathItems/Nope' } }), openapi: '3.1.0' };
    expect(() => api().addRoutesFromOpenApi(d, { integrations: {} })).toThrow('invalid openApi paths /pets $ref "#/components/pathItems/Nope": points to nothing in the document');
  });

  test('extension keys of paths and path items are skipped; unknown path item fields are refused', () => {
    const a = api();
    a.addRoutesFromOpenApi(doc({ 'x-meta': {}, '/a': { 'x-twilio': { pathType: 'list' }, 'get': { operationId: 'a', responses: {} } } }), { integrations: integrationsFor(['a']) });
    expect(a.routes).toEqual(['GET /a']);
    expect(() => api().addRoutesFromOpenApi(doc({ '/a': { GET: { operationId: 'a', responses: {} } } }), { integrations: integrationsFor(['a']) }))
      .toThrow('invalid openApi paths /a "GET": is not a path item field (methods are lower case)');
  });
});

describe('paths', () => {
  test('path parameter names with - and . are accepted (API Gateway passes them as method.request.path.<name>)', () => {
    const a = api();
    a.addRoutesFromOpenApi(doc({
      '/pets/{pet-id}': { get: { operationId: 'getPet', parameters: [{ name: 'pet-id', in: 'path', required: true }], responses: {} } },
      '/files/{file.name}': { get: { operationId: 'getFile', responses: {} } },
    }), { integrations: integrationsFor(['getPet', 'getFile']) });
    const t = Template.fromStack(Stack.of(a));
    t.hasResourceProperties('AWS::ApiGateway::Method', { OperationName: 'getPet', RequestParameters: { 'method.request.path.pet-id': true } });
    t.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{file.name}' });
  });

  test.each(['@me', '~user', 'a!b', 'a,b', 'caf\u00e9'])('a path part CloudFormation refuses (%s) fails naming path and operation, before any route', (part) => {
    const a = api();
    const d = doc({ '/ok': { get: { operationId: 'ok', responses: {} } }, [`/users/${part}`]: { get: { operationId: 'me', responses: {} } } });
    expect(() => a.addRoutesFromOpenApi(d, { integrations: integrationsFor(['ok', 'me']) })).toThrow(
      `Target/Api: invalid openApi operation GET /users/${part} (me) route path ${JSON.stringify(`/users/${part}`)}: segment ${JSON.stringify(part)} must be a literal or {name} / {name+} path parameter`);
    expect(a.routes).toEqual([]);
  });

  test('the route path check accepts exactly the path parts aws-cdk-lib\'s Resource accepts', () => {
    // aws-cdk-lib aws-apigateway Resource: validateResourcePathPart, /^[a-zA-Z0-9:._\-$]+$/ inside optional {...+};
    // anything else fails there with an error naming no route (the API Gateway "important notes" page lists
    // alphanumerics, hyphens, periods, colons and braces).
    const candidates = [...'abcXYZ019._-:$@~!*\'(),;=+& %/\u00e9'].map((c) => `a${c}b`).concat(['{id}', '{pet-id}', '{proxy+}', '{a b}', '{}']);
    const cdkAccepts = (part: string) => {
      try {
        new apigateway.RestApi(newStack(), 'Api').root.addResource(part);
        return true;
      } catch {
        return false;
      }
    };
    const libraryAccepts = (part: string) => {
      try {
        api().addRoute('GET', `/${part}`, mock);
        return true;
      } catch {
        return false;
      }
    };
    const differences = candidates.filter((p) => !p.includes('/') && cdkAccepts(p) !== libraryAccepts(p));
    expect(differences).toEqual([]);
    expect(candidates.filter(libraryAccepts).length).toBeGreaterThan(8);
  });
});

describe('every operation is checked before the first route is added', () => {
  const ok = { get: { operationId: 'listOrders', responses: {} } };
  test.each<[string, string, Record<string, unknown>, string]>([
    ['a request parameter name API Gateway refuses', '/search', { get: { operationId: 'search', parameters: [{ name: 'filter[status]', in: 'query' }], responses: {} } },
      'invalid openApi operation GET /search (search) requestParameters "method.request.querystring.filter[status]": keys must look like'],
    ['a greedy parameter before the end', '/{p+}/search', { get: { operationId: 'search', responses: {} } },
      'invalid openApi operation GET /{p+}/search (search) route path "/{p+}/search": a greedy {name+} parameter must be the last segment'],
  ])('%s', (_name, path, item, message) => {
    const a = api();
    expect(() => a.addRoutesFromOpenApi(doc({ '/orders': ok, [path]: item }), { integrations: integrationsFor(['listOrders', 'search']) })).toThrow(message);
    expect(a.routes).toEqual([]);
  });

  test('a route the API already has is refused naming the operation', () => {
    const a = api();
    a.addRoute('GET', '/orders', mock);
    expect(() => a.addRoutesFromOpenApi(doc({ '/orders': ok }), { integrations: integrationsFor(['listOrders']) }))
      .toThrow('invalid openApi operation GET /orders (listOrders) route "GET /orders": is already defined by the API (each method and path once)');
  });

  test('an OPTIONS operation on an API with CORS is refused (it collides with the preflight method)', () => {
    const d = doc({ '/orders': { ...ok, options: { operationId: 'optionsOrders', responses: {} } } });
    const a = api({ cors: { allowOrigins: ['https://app.example.com'] } });
    expect(() => a.addRoutesFromOpenApi(d, { integrations: integrationsFor(['listOrders', 'optionsOrders']) })).toThrow(
      'invalid openApi operation OPTIONS /orders (optionsOrders) route "OPTIONS /orders": collides with the CORS preflight method the API adds on every path (cors)');
    expect(a.routes).toEqual([]);
    const plain = api();
    plain.addRoutesFromOpenApi(d, { integrations: integrationsFor(['listOrders', 'optionsOrders']) });
    expect(plain.routes).toEqual(['GET /orders', 'OPTIONS /orders']);
  });

  test('the collision is real: without the check, aws-cdk-lib fails with an error that names no operation', () => {
    const a = api({ cors: { allowOrigins: ['https://app.example.com'] } });
    expect(() => a.addRoute('OPTIONS', '/orders', mock)).toThrow(/There is already a Construct with name 'OPTIONS'/);
  });

  test('two routes whose model ids collide are refused naming both operations', () => {
    const d = doc({ '/orders/{id}': { put: { operationId: 'putOrder', requestBody: body, responses: {} } }, '/orders/by-id': { put: { operationId: 'putByIdLiteral', requestBody: body, responses: {} } } });
    const a = api();
    expect(() => a.addRoutesFromOpenApi(d, { integrations: integrationsFor(['putOrder', 'putByIdLiteral']) })).toThrow(
      'invalid openApi operation PUT /orders/by-id (putByIdLiteral) requestBody "putOrdersByIdModel": is the model id of openApi operation PUT /orders/{id} (putOrder) too');
    expect(a.routes).toEqual([]);
  });

  test('the model id collision is real: two addRoute calls fail with aws-cdk-lib\'s construct-name error', () => {
    const a = api();
    const requestSchema = { type: apigateway.JsonSchemaType.OBJECT };
    a.addRoute('PUT', '/orders/{id}', mock, { requestSchema });
    expect(() => a.addRoute('PUT', '/orders/by-id', mock, { requestSchema })).toThrow(/There is already a Construct with name 'putOrdersByIdModel'/);
  });
});

describe('servers and basePath', () => {
  test('a servers URL with a base path warns that the routes do not get it', () => {
    const a = api();
    a.addRoutesFromOpenApi(doc({ '/pets': { get: { operationId: 'listPets', responses: {} } } }, { servers: [{ url: 'https://{host}/v{major}/', variables: { host: { default: 'api.example.com' }, major: { default: '2' } } }] }),
      { integrations: integrationsFor(['listPets']) });
    expect(a.routes).toEqual(['GET /pets']);
    expect(warningsOf(Stack.of(a)).find((w) => w.includes('OpenApiServersBasePath'))).toContain('/v2 (servers[0])');
  });

  test('basePath prefixes every path (the root becomes the base path itself) and silences the warning', () => {
    const a = api();
    const d = doc({ '/': { get: { operationId: 'root', responses: {} } }, '/pets': { get: { operationId: 'listPets', responses: {} } } }, { servers: [{ url: '/v2' }] });
    a.addRoutesFromOpenApi(d, { integrations: integrationsFor(['root', 'listPets']), basePath: '/v2' });
    expect(a.routes).toEqual(['GET /v2', 'GET /v2/pets']);
    expect(warningsOf(Stack.of(a)).filter((w) => w.includes('OpenApiServersBasePath'))).toEqual([]);
  });

  test('a server URL without a path, or with /, says nothing', () => {
    const a = api();
    a.addRoutesFromOpenApi(doc({ '/pets': { get: { operationId: 'listPets', responses: {} } } }, { servers: [{ url: 'https://api.example.com/' }] }), { integrations: integrationsFor(['listPets']) });
    expect(warningsOf(Stack.of(a)).filter((w) => w.includes('OpenApi'))).toEqual([]);
  });

  test('a basePath that is not a path is refused', () => {
    expect(() => api().addRoutesFromOpenApi(doc({}), { integrations: {}, basePath: 'v2/' })).toThrow('invalid openApi basePath "v2/": must be a path such as /v2');
  });
});

describe('documents without paths', () => {
  test('3.0 requires paths', () => {
    expect(() => api().addRoutesFromOpenApi({ openapi: '3.0.3', info: { title: 't', version: '1' } }, { integrations: {} })).toThrow('invalid openApi.paths undefined: must be an object of paths');
  });

  test('3.1 makes them optional: no route, and a warning when webhooks are left out', () => {
    const a = api();
    expect(a.addRoutesFromOpenApi({ openapi: '3.1.0', info: { title: 't', version: '1' }, webhooks: { orderShipped: { post: { responses: {} } } } }, { integrations: {} })).toEqual([]);
    a.addRoute('GET', '/health', mock);
    expect(warningsOf(Stack.of(a)).find((w) => w.includes('OpenApiWebhooksNotImported'))).toContain('webhooks orderShipped');
  });
});
