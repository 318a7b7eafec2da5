/**
 * Real public OpenAPI documents (test/fixtures/openapi, each with its licence), imported with one integration per
 * operation. Every operation's method, path, operation name, parameters, model and authorization is compared with
 * what the document says, read here independently of the import; every export of the result validates.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { draft4Problems, fixture, integrationsFor, mock, routeContract, validateOpenApi, warningsOf } from './openapi-support';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { OpenApiImportOptions } from '../../src/rest/openapi-import';
import { backendFunction, newStack } from '../support/fixtures';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const IGNORED_HEADERS = ['accept', 'content-type', 'authorization'];

/** How the test maps a scheme: the method's authorization type, or API Gateway's API key. */
type SchemeRole = 'COGNITO_USER_POOLS' | 'CUSTOM' | 'AWS_IAM' | 'API_KEY';

interface DocumentCase {
  readonly file: string;
  /** Keys of the integrations map, in document order (operationIds, or the derived name where there is none). */
  readonly keys: string[];
  /** The operation names the routes get, in document order. */
  readonly names: string[];
  readonly roles: Record<string, SchemeRole>;
  readonly options: (stack: Stack) => Omit<OpenApiImportOptions, 'integrations'>;
  readonly basePath?: string;
  readonly warnings: string[];
}

const lambdaToken = (stack: Stack) => ApiAuthorization.lambdaToken(backendFunction(stack, 'Authorizer'));
const jwt = () => ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['pets'] });

const CASES: DocumentCase[] = [
  {
    file: 'oai-learn/petstore-expanded.json', // 3.0, allOf, an operationId with spaces, servers with a base path
    keys: ['findPets', 'addPet', 'find pet by id', 'deletePet'],
    names: ['findPets', 'addPet', 'findPetById', 'deletePet'],
    roles: {},
    options: () => ({ basePath: '/v2' }),
    basePath: '/v2',
    warnings: [],
  },
  {
    file: 'oai-learn/uspto.json', // 3.0, the root path, kebab-case operationIds, a form body, server variables
    keys: ['list-data-sets', 'list-searchable-fields', 'perform-search'],
    names: ['listDataSets', 'listSearchableFields', 'performSearch'],
    roles: {},
    options: () => ({}),
    warnings: ['OpenApiServersBasePath', 'OpenApiBodyNotValidated'],
  },
  {
    file: 'oai-learn/callback-example.json', // 3.0, no operationId, callbacks
    keys: ['postStreams'],
    names: ['postStreams'],
    roles: {},
    options: () => ({}),
    warnings: ['OpenApiWebhooksNotImported'],
  },
  {
    file: 'oai-learn/tictactoe.json', // 3.1, alternative requirements, path-level $ref parameters, a string body
    keys: ['get-board', 'get-square', 'put-square'],
    names: ['getBoard', 'getSquare', 'putSquare'],
    roles: { defaultApiKey: 'API_KEY', bearerHttpAuthentication: 'CUSTOM', user2AppOauth: 'CUSTOM' },
    options: (stack) => ({ apiKeySchemes: ['defaultApiKey'], authorizations: { bearerHttpAuthentication: lambdaToken(stack), user2AppOauth: jwt() } }),
    warnings: ['OpenApiAlternativeSecurity', 'OpenApiApiKeyHeader'],
  },
  {
    file: 'swagger-petstore/openapi.json', // 3.0.4, OAuth scopes, an api_key scheme, JSON + XML + form bodies
    keys: ['updatePet', 'addPet', 'findPetsByStatus', 'findPetsByTags', 'getPetById', 'updatePetWithForm', 'deletePet', 'uploadFile', 'getInventory',
      'placeOrder', 'getOrderById', 'deleteOrder', 'createUser', 'createUsersWithListInput', 'loginUser', 'logoutUser', 'getUserByName', 'updateUser', 'deleteUser'],
    names: [],
    roles: { petstore_auth: 'CUSTOM', api_key: 'API_KEY' },
    options: () => ({ apiKeySchemes: ['api_key'], authorizations: { petstore_auth: jwt() }, basePath: '/api/v3' }),
    basePath: '/api/v3',
    warnings: ['OpenApiAlternativeSecurity', 'OpenApiApiKeyHeader', 'OpenApiBodyNotValidated', 'OpenApiOptionalBody'],
  },
  {
    file: 'adyen/RecurringService-v68.json', // 3.1 vendor API, alternatives of Basic and an X-API-Key key, $ref siblings
    keys: ['post-createPermit', 'post-disable', 'post-disablePermit', 'post-listRecurringDetails', 'post-notifyShopper', 'post-scheduleAccountUpdater'],
    names: ['postCreatePermit', 'postDisable', 'postDisablePermit', 'postListRecurringDetails', 'postNotifyShopper', 'postScheduleAccountUpdater'],
    roles: { BasicAuth: 'CUSTOM', ApiKeyAuth: 'API_KEY' },
    options: (stack) => ({ authorizations: { BasicAuth: lambdaToken(stack) } }),
    warnings: ['OpenApiAlternativeSecurity', 'OpenApiServersBasePath', 'OpenApiOptionalBody'],
  },
  {
    file: 'twilio/twilio_bulkexports_v1.json', // 3.0.1 vendor API, top-level security, x-twilio path extensions, form bodies
    keys: ['FetchDay', 'ListDay', 'FetchExport', 'FetchExportConfiguration', 'UpdateExportConfiguration', 'ListExportCustomJob', 'CreateExportCustomJob', 'FetchJob', 'DeleteJob'],
    names: [],
    roles: { accountSid_authToken: 'CUSTOM' },
    options: (stack) => ({ authorizations: { accountSid_authToken: lambdaToken(stack) } }),
    warnings: ['OpenApiBodyNotValidated'],
  },
];

/** A local `$ref` of the document, followed (the test's own reader). */
function deref(doc: any, value: any): any {
  let v = value;
  while (v && typeof v.$ref === 'string') v = v.$ref.slice(2).split('/').reduce((node: any, part: string) => node?.[part.replace(/~1/g, '/')], doc);
  return v;
}

/** What the document says of each operation, in document order. */
function documentOperations(doc: any, roles: Record<string, SchemeRole>, basePath: string) {
  const out: any[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const m of Object.keys(item).filter((k) => METHODS.includes(k))) {
      const op = item[m];
      const params = new Map<string, any>();
      for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])].map((x) => deref(doc, x))) params.set(`${p.in}:${p.name}`, p);
      const requestParameters: Record<string, boolean> = {};
      for (const p of params.values()) {
        if (p.in === 'path') requestParameters[`method.request.path.${p.name}`] = true;
        if (p.in === 'query') requestParameters[`method.request.querystring.${p.name}`] = p.required === true;
        if (p.in === 'header' && !IGNORED_HEADERS.includes(p.name.toLowerCase())) requestParameters[`method.request.header.${p.name}`] = p.required === true;
      }
      const body = deref(doc, op.requestBody);
      const jsonSchema = body?.content?.['application/json']?.schema;
      // the documented rule: the first requirement whose schemes are all mapped, with at most one authorizer
      const security = op.security ?? doc.security;
      let auth: { authorizationType: string; apiKeyRequired: boolean } = { authorizationType: 'AWS_IAM', apiKeyRequired: false };
      if (Array.isArray(security)) {
        const servable = security.find((req: any) => Object.keys(req).every((s) => roles[s]) && Object.keys(req).filter((s) => roles[s] !== 'API_KEY').length <= 1);
        expect(servable).toBeDefined();
        const authorizer = Object.keys(servable).find((s) => roles[s] !== 'API_KEY');
        auth = { authorizationType: authorizer ? roles[authorizer] : 'NONE', apiKeyRequired: Object.keys(servable).some((s) => roles[s] === 'API_KEY') };
      }
      out.push({ httpMethod: m.toUpperCase(), path: `${basePath}${path === '/' && basePath ? '' : path}`, requestParameters, jsonSchema: jsonSchema && deref(doc, jsonSchema), ...auth });
    }
  }
  return out;
}

describe.each(CASES)('$file', (c) => {
  const doc = fixture(c.file);
  const stack = newStack('Target');
  const api = new SecuredRestApi(stack, 'Api', { apiName: 'imported', authorization: ApiAuthorization.iam() });
  const methods = api.addRoutesFromOpenApi(doc, { ...c.options(stack), integrations: integrationsFor(c.keys) });
  const template = Template.fromStack(stack);
  const expected = documentOperations(doc, c.roles, c.basePath ?? '');

  test('one route per operation, with the document\'s method, path, name, parameters and authorization', () => {
    expect(methods).toHaveLength(expected.length);
    expect(methods.length).toBeGreaterThan(0);
    methods.forEach((method, i) => {
      const got = routeContract(method, template);
      const want = expected[i];
      expect({ httpMethod: got.httpMethod, path: got.path }).toEqual({ httpMethod: want.httpMethod, path: want.path });
      expect(got.operationName).toBe(c.names.length ? c.names[i] : c.keys[i]);
      expect(got.requestParameters ?? {}).toEqual(want.requestParameters);
      expect({ type: got.authorizationType, apiKey: got.apiKeyRequired }).toEqual({ type: want.authorizationType, apiKey: want.apiKeyRequired });
    });
  });

  test('every JSON request body is a draft-4 model with the document\'s properties and required names', () => {
    methods.forEach((method, i) => {
      const { model } = routeContract(method, template);
      const schema = expected[i].jsonSchema;
      expect(model === undefined).toBe(schema === undefined);
      if (!schema) return;
      expect(draft4Problems(model)).toEqual([]);
      expect(model.type).toEqual(schema.type);
      expect(Object.keys(model.properties ?? {})).toEqual(Object.keys(schema.properties ?? {}));
      const required = (schema.required ?? []).filter((n: string) => deref(doc, schema.properties?.[n])?.readOnly !== true);
      expect(model.required ?? []).toEqual(required);
    });
  });

  test('the warnings say what was not kept', () => {
    const ids = warningsOf(stack).map((w) => /cdk-apigateway-patterns:(\w+)\]$/.exec(w)?.[1]).filter((id) => id?.startsWith('OpenApi'));
    expect([...new Set(ids)].sort()).toEqual([...c.warnings].sort());
  });

  test('the export of the imported API is valid OpenAPI 3.0.3', () => {
    const result = validateOpenApi(api.toOpenApi());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('documents without paths (3.1 webhooks only)', () => {
  test.each(['oai-learn/webhook-example.json', 'adyen/BalancePlatformDisputeNotification-v1.json'])('%s: no route, a warning naming the webhooks', (file) => {
    const doc = fixture(file);
    const stack = newStack('Target');
    const api = new SecuredRestApi(stack, 'Api', { apiName: 'imported', authorization: ApiAuthorization.iam() });
    expect(api.addRoutesFromOpenApi(doc, { integrations: {} })).toEqual([]);
    api.addRoute('GET', '/health', mock);
    const warning = warningsOf(stack).find((w) => w.includes('OpenApiWebhooksNotImported'));
    expect(warning).toContain(`webhooks ${Object.keys(doc.webhooks).join(', ')}`);
    expect(api.routes).toEqual(['GET /health']);
  });
});

test('Adyen without a Basic mapping: the X-API-Key alternative is served as API Gateway\'s API key alone', () => {
  const doc = fixture('adyen/RecurringService-v68.json');
  const stack = newStack('Target');
  const api = new SecuredRestApi(stack, 'Api', { apiName: 'imported', authorization: ApiAuthorization.iam() });
  const keys = CASES.find((c) => c.file.startsWith('adyen'))!.keys;
  const methods = api.addRoutesFromOpenApi(doc, { integrations: integrationsFor(keys) });
  const template = Template.fromStack(stack);
  for (const m of methods) expect(routeContract(m, template)).toMatchObject({ authorizationType: 'NONE', apiKeyRequired: true });
  expect(warningsOf(stack).some((w) => w.includes('NoAuthorization'))).toBe(true);
});

test('the vendor documents\' models inline their $refs: no model keeps a $ref', () => {
  const doc = fixture('adyen/RecurringService-v68.json');
  const stack = newStack('Target');
  const api = new SecuredRestApi(stack, 'Api', { apiName: 'imported', authorization: ApiAuthorization.iam() });
  api.addRoutesFromOpenApi(doc, { integrations: integrationsFor(CASES.find((c) => c.file.startsWith('adyen'))!.keys), authorizations: { BasicAuth: lambdaToken(stack) } });
  const models = Object.values<any>(Template.fromStack(stack).findResources('AWS::ApiGateway::Model'));
  expect(models).toHaveLength(6);
  for (const m of models) expect(JSON.stringify(m.Properties.Schema)).not.toMatch(/\$ref|x-addedInVersion/);
});
