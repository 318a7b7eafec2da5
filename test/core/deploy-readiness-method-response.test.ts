/**
 * Deploy readiness, MethodResponseForIntegrationResponse: API Gateway maps an integration response to an EXISTING
 * method response of the same status code ("Specifies the status code that is used to map the integration response to
 * an existing MethodResponse"), so an integration response without one fails the method's creation
 * (https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegrationResponse.html).
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { findingsOf, stack } from './deploy-readiness/support';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { backendFunction } from '../support/fixtures';

const RULE = 'MethodResponseForIntegrationResponse';
const mock = () => new apigateway.MockIntegration({
  requestTemplates: { 'application/json': '{"statusCode": 200}' },
  integrationResponses: [{ statusCode: '200' }, { statusCode: '404', selectionPattern: '404' }],
});

describe(RULE, () => {
  test('a mock integration answering 200 and 404 on a method that declares only 200 is found, naming the missing code', () => {
    const s = stack();
    new apigateway.RestApi(s, 'Api').root.addResource('ping').addMethod('GET', mock(), { methodResponses: [{ statusCode: '200' }] });
    expect(findingsOf(s, RULE)).toEqual([{
      rule: RULE,
      path: 'Test/Api/Default/ping/GET/Resource',
      message: expect.stringMatching(/: GET's integration responses map to status 404, which the method declares no method response for \(declared: 200\)$/),
    }]);
  });

  test('every code declared passes; proxy integrations and the L2\'s CORS preflight have nothing to declare', () => {
    const s = stack();
    const api = new apigateway.RestApi(s, 'Api', { defaultCorsPreflightOptions: { allowOrigins: ['https://app.example.com'] } });
    api.root.addResource('ping').addMethod('GET', mock(), { methodResponses: [{ statusCode: '200' }, { statusCode: '404' }] });
    api.root.addResource('fn').addMethod('GET', new apigateway.LambdaIntegration(backendFunction(s, 'Backend')));
    expect(findingsOf(s, RULE)).toEqual([]);
  });

  test('SecuredRestApi: addRoute passes methodResponses to the method, and without them the check finds the route', () => {
    const declared = stack();
    const api = new SecuredRestApi(declared, 'Api', { authorization: ApiAuthorization.iam() });
    api.addRoute('GET', '/ping', mock(), { methodResponses: [{ statusCode: '200' }, { statusCode: '404' }] });
    Template.fromStack(declared).hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      MethodResponses: [{ StatusCode: '200' }, { StatusCode: '404' }],
    });
    expect(findingsOf(declared, RULE)).toEqual([]);

    const missing = stack();
    new SecuredRestApi(missing, 'Api', { authorization: ApiAuthorization.iam() }).addRoute('GET', '/ping', mock());
    expect(findingsOf(missing, RULE).map((f) => f.message)).toEqual([expect.stringContaining('map to status 200, 404, which the method declares no method response for (declared: none)')]);
  });
});
