/**
 * SecuredRestApi through the compliance harness: zero unacknowledged findings with each authorization kind and
 * with caching on; `none()` leaves exactly the findings a user must acknowledge themselves.
 */
import { Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiAuthorization, CacheSize, SecuredRestApi, StageSettings } from '../../src';
import { ComplianceFinding, complianceFindings, formatFindings } from '../support/compliance';
import { backendFunction, newStack } from '../support/fixtures';

/** The API's own findings; the stand-in authorizer function of the Lambda cases is the user's, not ours. */
function apiFindings(stack: Stack): ComplianceFinding[] {
  return complianceFindings(stack).filter((f) => !f.resource.startsWith(`${stack.stackName}/UserAuthorizer`) && !f.resource.startsWith(`${stack.stackName}/Pool`));
}

function userAuthorizer(stack: Stack): lambda.IFunction {
  return backendFunction(stack, 'UserAuthorizer');
}

const kinds: Array<[string, (stack: Stack) => ApiAuthorization]> = [
  ['IAM', () => ApiAuthorization.iam()],
  ['Cognito', (stack) => ApiAuthorization.cognito(new cognito.UserPool(stack, 'Pool'), { scopes: ['orders/read'] })],
  ['Lambda TOKEN', (stack) => ApiAuthorization.lambdaToken(userAuthorizer(stack))],
  ['Lambda REQUEST', (stack) => ApiAuthorization.lambdaRequest(userAuthorizer(stack), ['method.request.header.X-Key'])],
  ['JWT (bundled authorizer)', () => ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['orders'] })],
];

function api(stack: Stack, authorization: ApiAuthorization, stage?: StageSettings): SecuredRestApi {
  const a = new SecuredRestApi(stack, 'Api', { authorization, stage, cors: { allowOrigins: ['https://app.example.com'] } });
  a.addRoute('GET', '/orders', new apigateway.HttpIntegration('https://backend.example.com/orders'));
  a.addRoute('POST', '/orders', new apigateway.HttpIntegration('https://backend.example.com/orders'), {
    requestSchema: { type: apigateway.JsonSchemaType.OBJECT },
  });
  a.addRoute('GET', '/orders/{id}', new apigateway.HttpIntegration('https://backend.example.com/orders/{id}'));
  return a;
}

describe.each(kinds)('SecuredRestApi with %s authorization', (_name, authorization) => {
  test('has no unacknowledged finding', () => {
    const stack = newStack();
    api(stack, authorization(stack));
    expect(formatFindings(apiFindings(stack))).toEqual([]);
  });

  test('has no unacknowledged finding with caching on, in an environment-specific stack', () => {
    const stack = newStack('Env', { env: { account: '123456789012', region: 'eu-west-1' } });
    api(stack, authorization(stack), { cache: { size: CacheSize.GB_0_5 } });
    expect(formatFindings(apiFindings(stack))).toEqual([]);
  });
});

test('none() leaves exactly the missing-authorizer findings for the user to acknowledge', () => {
  const stack = newStack();
  api(stack, ApiAuthorization.none());
  const ids = [...new Set(apiFindings(stack).map((f) => f.ruleId))].sort();
  expect(ids).toEqual(['AwsSolutions-APIG4', 'AwsSolutions-COG4']);
});
