/**
 * OpenAPI import, security: alternative requirements, API-key schemes, anonymous access, scopes, and the round trip
 * of what the export writes. Each with the smallest document that shows it.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { integrationsFor, mock, warningsOf } from './openapi-support';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { OpenApiImportOptions } from '../../src/rest/openapi-import';
import { backendFunction, newStack } from '../support/fixtures';

const SCHEMES = {
  BasicAuth: { type: 'http', scheme: 'basic' },
  ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
  petKey: { type: 'apiKey', in: 'query', name: 'api_key' },
  partner: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://login.example.com/token', scopes: { 'orders:read': '', 'orders:write': '' } } } },
  awsIam: { 'type': 'apiKey', 'in': 'header', 'name': 'Authorization', 'x-amazon-apigateway-authtype': 'awsSigv4' },
};

/** One GET /orders operation with `security`; the API's default is IAM unless `defaultAuth` says otherwise. */
type SecurityOptions = Omit<Partial<OpenApiImportOptions>, 'authorizations'> & {
  readonly authorizations?: (stack: Stack) => Record<string, ApiAuthorization>;
  readonly defaultAuth?: (stack: Stack) => ApiAuthorization;
};

function importSecurity(security: unknown, options: SecurityOptions = {}, topLevel?: unknown) {
  const stack = newStack('Target');
  const api = new SecuredRestApi(stack, 'Api', { apiName: 'imported', authorization: options.defaultAuth?.(stack) ?? ApiAuthorization.iam() });
  const op: Record<string, unknown> = { operationId: 'listOrders', responses: {} };
  if (security !== undefined) op.security = security;
  const doc = { openapi: '3.0.3', info: { title: 't', version: '1' }, security: topLevel, components: { securitySchemes: SCHEMES }, paths: { '/orders': { get: op } } };
  const { defaultAuth: _d, authorizations, ...rest } = options;
  const [method] = api.addRoutesFromOpenApi(doc, { ...rest, authorizations: authorizations?.(stack), integrations: integrationsFor(['listOrders']) });
  const cfn = Template.fromStack(stack).findResources('AWS::ApiGateway::Method');
  const props = Object.values<any>(cfn).find((m) => m.Properties.OperationName === 'listOrders').Properties;
  return { api, stack, method, props, warnings: warningsOf(stack) };
}

const basic = (stack: Stack) => ({ BasicAuth: ApiAuthorization.lambdaToken(backendFunction(stack, 'Basic')) });

describe('alternative requirements', () => {
  test('the first one the mappings can serve wins, with an acknowledgeable warning', () => {
    const { props, warnings } = importSecurity([{ BasicAuth: [] }, { ApiKeyAuth: [] }], { authorizations: basic });
    expect(props).toMatchObject({ AuthorizationType: 'CUSTOM', ApiKeyRequired: false });
    expect(warnings.find((w) => w.includes('OpenApiAlternativeSecurity'))).toContain('GET /orders (listOrders): ["BasicAuth"] of [["BasicAuth"],["ApiKeyAuth"]]');
  });

  test('an unmapped first alternative is skipped: an X-API-Key apiKey scheme is API Gateway\'s API key', () => {
    const { props } = importSecurity([{ BasicAuth: [] }, { ApiKeyAuth: [] }]);
    expect(props).toMatchObject({ AuthorizationType: 'NONE', ApiKeyRequired: true });
  });

  test('preferredSchemes chooses among those that can be served', () => {
    const { props } = importSecurity([{ BasicAuth: [] }, { ApiKeyAuth: [] }], { authorizations: basic, preferredSchemes: ['ApiKeyAuth'] });
    expect(props).toMatchObject({ AuthorizationType: 'NONE', ApiKeyRequired: true });
  });

  test('when none can be served, the error says why for each', () => {
    expect(() => importSecurity([{ BasicAuth: [] }, { partner: [] }])).toThrow(
      'invalid openApi operation GET /orders (listOrders) security [{"BasicAuth":[]},{"partner":[]}]: no requirement can be served: '
      + '["BasicAuth"]: scheme BasicAuth (http) is not mapped (add it to authorizations); ["partner"]: scheme partner (oauth2) is not mapped (add it to authorizations)');
  });

  test('a requirement combining two authorizations cannot be served (one authorizer per method)', () => {
    expect(() => importSecurity([{ BasicAuth: [], awsIam: [] }], { authorizations: basic }))
      .toThrow('["BasicAuth","awsIam"]: combines two authorizations (BasicAuth and awsIam) and API Gateway applies one authorizer per method');
  });

  test('preferredSchemes and apiKeySchemes must name schemes of the document', () => {
    expect(() => importSecurity([{ ApiKeyAuth: [] }], { preferredSchemes: ['Basic'] })).toThrow('invalid openApi preferredSchemes "Basic": must name security schemes of the document');
  });
});

describe('API keys', () => {
  test('any type: apiKey scheme can mean apiKeyRequired through apiKeySchemes; a location other than x-api-key warns', () => {
    const { props, warnings } = importSecurity([{ petKey: [] }], { apiKeySchemes: ['petKey'] });
    expect(props).toMatchObject({ AuthorizationType: 'NONE', ApiKeyRequired: true });
    expect(warnings.find((w) => w.includes('OpenApiApiKeyHeader'))).toContain('petKey (query api_key)');
  });

  test('apiKeySchemes of another type are refused', () => {
    expect(() => importSecurity([{ BasicAuth: [] }], { apiKeySchemes: ['BasicAuth'] })).toThrow('invalid openApi apiKeySchemes BasicAuth "http": must name schemes of type apiKey');
  });

  test('an authorization and a key together: both', () => {
    const { props } = importSecurity([{ BasicAuth: [], ApiKeyAuth: [] }], { authorizations: basic });
    expect(props).toMatchObject({ AuthorizationType: 'CUSTOM', ApiKeyRequired: true });
  });

  test('a key alone is none() + apiKeyRequired, not the API default + a key', () => {
    const { props } = importSecurity([{ ApiKeyAuth: [] }]);
    expect(props).toMatchObject({ AuthorizationType: 'NONE', ApiKeyRequired: true });
  });

  test('none() + apiKeyRequired survives export and import', () => {
    const source = new SecuredRestApi(newStack('Source'), 'Api', { apiName: 'orders', authorization: ApiAuthorization.iam() });
    source.addRoute('GET', '/orders', mock, { authorization: ApiAuthorization.none(), apiKeyRequired: true, operationName: 'listOrders' });
    const doc = source.toOpenApi();
    expect(doc.paths['/orders'].get.security).toEqual([{ apiKey: [] }]);
    const target = new SecuredRestApi(newStack('Target'), 'Api', { apiName: 'orders', authorization: ApiAuthorization.iam() });
    target.addRoutesFromOpenApi(doc, { integrations: { listOrders: mock } });
    Template.fromStack(Stack.of(target)).hasResourceProperties('AWS::ApiGateway::Method', { OperationName: 'listOrders', AuthorizationType: 'NONE', ApiKeyRequired: true });
  });
});

describe('anonymous access and defaults', () => {
  test('security: [{}] (anonymous allowed) is none(), not the API default', () => {
    expect(importSecurity([{}]).props).toMatchObject({ AuthorizationType: 'NONE' });
  });

  test('[{}] as an alternative: the first that can be served (anonymous here) wins, with the warning', () => {
    const { props, warnings } = importSecurity([{}, { awsIam: [] }]);
    expect(props).toMatchObject({ AuthorizationType: 'NONE' });
    expect(warnings.some((w) => w.includes('OpenApiAlternativeSecurity'))).toBe(true);
  });

  test('no security anywhere: the API default; security: [] : none(); the top-level requirement applies', () => {
    expect(importSecurity(undefined).props).toMatchObject({ AuthorizationType: 'AWS_IAM' });
    expect(importSecurity([]).props).toMatchObject({ AuthorizationType: 'NONE' });
    expect(importSecurity(undefined, { authorizations: basic }, [{ BasicAuth: [] }]).props).toMatchObject({ AuthorizationType: 'CUSTOM' });
  });

  test('a scheme marked x-amazon-apigateway-authtype: awsSigv4 is IAM without a mapping', () => {
    const { props } = importSecurity([{ awsIam: [] }], { defaultAuth: () => ApiAuthorization.none() });
    expect(props).toMatchObject({ AuthorizationType: 'AWS_IAM' });
  });
});

describe('scopes', () => {
  const pool = (stack: Stack) => new cognito.UserPool(stack, 'Pool');

  test('several scopes in one requirement (all of them, in OpenAPI) are refused for Cognito, which accepts any one', () => {
    const auth = (stack: Stack) => ({ partner: ApiAuthorization.cognito(pool(stack)) });
    expect(() => importSecurity([{ partner: ['orders:read', 'orders:write'] }], { authorizations: auth })).toThrow(
      'invalid openApi operation GET /orders (listOrders) security partner ["orders:read","orders:write"]: asks for all of these scopes, and a Cognito authorizer '
      + 'accepts a token with any one of them (wider access)');
  });

  test('alternatives of one Cognito scheme with one scope each are Cognito\'s any-of scopes, without a warning', () => {
    const auth = (stack: Stack) => ({ partner: ApiAuthorization.cognito(pool(stack)) });
    const { props, warnings } = importSecurity([{ partner: ['orders:read'] }, { partner: ['orders:write'] }], { authorizations: auth });
    expect(props).toMatchObject({ AuthorizationType: 'COGNITO_USER_POOLS', AuthorizationScopes: ['orders:read', 'orders:write'] });
    expect(warnings.some((w) => w.includes('OpenApiAlternativeSecurity'))).toBe(false);
  });

  test('Cognito any-of scopes export as alternatives and import back as the same scopes', () => {
    const stack = newStack('Source');
    const source = new SecuredRestApi(stack, 'Api', { apiName: 'orders', authorization: ApiAuthorization.cognito(pool(stack)) });
    source.addRoute('GET', '/orders', mock, { scopes: ['orders/read', 'orders/admin'], operationName: 'listOrders' });
    const doc = source.toOpenApi();
    expect(doc.paths['/orders'].get.security).toEqual([{ cognito: ['orders/read'] }, { cognito: ['orders/admin'] }]);
    const { props } = (() => {
      const t = newStack('Target');
      const target = new SecuredRestApi(t, 'Api', { apiName: 'orders', authorization: ApiAuthorization.cognito(pool(t)) });
      target.addRoutesFromOpenApi(doc, { integrations: { listOrders: mock } });
      return { props: Object.values<any>(Template.fromStack(t).findResources('AWS::ApiGateway::Method')).find((m) => m.Properties.OperationName === 'listOrders').Properties };
    })();
    expect(props.AuthorizationScopes).toEqual(['orders/read', 'orders/admin']);
  });

  test('JWT keeps all of them (its authorizer checks every required scope)', () => {
    const jwt = () => ({ partner: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['orders'] }) });
    const { api } = importSecurity([{ partner: ['orders:read', 'orders:write'] }], { authorizations: jwt });
    expect(api.toOpenApi().paths['/orders'].get.security).toEqual([{ jwt: ['orders:read', 'orders:write'] }]);
  });

  test('scopes on a kind API Gateway checks no scopes for are dropped with a warning (the authorizer must check them)', () => {
    const { props, warnings } = importSecurity([{ partner: ['orders:read'] }], { authorizations: (stack) => ({ partner: ApiAuthorization.lambdaToken(backendFunction(stack, 'Fn')) }) });
    expect(props.AuthorizationScopes).toBeUndefined();
    expect(warnings.find((w) => w.includes('OpenApiScopesNotEnforced'))).toContain('GET /orders (listOrders): partner ["orders:read"] (LAMBDA_TOKEN)');
  });
});

test('two ApiAuthorization.iam() instances export as one sigv4 scheme, and the document imports back', () => {
  const source = new SecuredRestApi(newStack('Source'), 'Api', { apiName: 'orders', authorization: ApiAuthorization.iam() });
  source.addRoute('GET', '/a', mock, { authorization: ApiAuthorization.iam() });
  source.addRoute('GET', '/b', mock, { authorization: ApiAuthorization.iam() });
  const doc = source.toOpenApi();
  expect(Object.keys(doc.components.securitySchemes)).toEqual(['sigv4']);
  const target = new SecuredRestApi(newStack('Target'), 'Api', { apiName: 'orders', authorization: ApiAuthorization.none() });
  target.addRoutesFromOpenApi(doc, { integrations: { getA: mock, getB: mock } });
  const types = Object.values<any>(Template.fromStack(Stack.of(target)).findResources('AWS::ApiGateway::Method')).map((m) => m.Properties.AuthorizationType);
  expect(types).toEqual(['AWS_IAM', 'AWS_IAM']);
});
