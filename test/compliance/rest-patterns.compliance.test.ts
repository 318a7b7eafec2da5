/**
 * Every REST pattern (test/support/rest-patterns.ts) through the compliance harness: zero unacknowledged findings with each authorization kind and
 * with caching on; `none()` leaves exactly the findings a user must acknowledge themselves.
 */
import { Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiAuthorization, CacheSize, RestApiPattern, StageSettings } from '../../src';
import { ComplianceFinding, complianceFindings, formatFindings } from '../support/compliance';
import { backendFunction, newStack } from '../support/fixtures';
import { REST_PATTERNS, RestPatternEntry } from '../support/rest-patterns';

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

function api(stack: Stack, authorization: ApiAuthorization, stage?: StageSettings, entry: RestPatternEntry = REST_PATTERNS[0]): RestApiPattern {
  const a = entry.build(stack, { authorization, stage, cors: { allowOrigins: ['https://app.example.com'] } });
  a.addRoute('GET', '/orders', new apigateway.HttpIntegration('https://backend.example.com/orders'));
  a.addRoute('POST', '/orders', new apigateway.HttpIntegration('https://backend.example.com/orders'), {
    requestSchema: { type: apigateway.JsonSchemaType.OBJECT },
  });
  a.addRoute('GET', '/orders/{id}', new apigateway.HttpIntegration('https://backend.example.com/orders/{id}'));
  return a;
}

const rows = REST_PATTERNS.flatMap((entry) => kinds.map(([kind, authorization]) => [entry.name, kind, entry, authorization] as const));

describe.each(rows)('%s with %s authorization', (_pattern, _kind, entry, authorization) => {
  test('has no unacknowledged finding (cdk-nag packs, Control Tower, template checker, deploy readiness)', () => {
    const stack = newStack();
    api(stack, authorization(stack), undefined, entry);
    expect(formatFindings(apiFindings(stack))).toEqual([]);
  });

  test('has no unacknowledged finding with caching on, in an environment-specific stack', () => {
    const stack = newStack('Env', { env: { account: '123456789012', region: 'eu-west-1' } });
    api(stack, authorization(stack), { cache: { size: CacheSize.GB_0_5 } }, entry);
    expect(formatFindings(apiFindings(stack))).toEqual([]);
  });
});

test('none() leaves exactly the missing-authorizer findings for the user to acknowledge', () => {
  const stack = newStack();
  api(stack, ApiAuthorization.none());
  const ids = [...new Set(apiFindings(stack).map((f) => f.ruleId))].sort();
  expect(ids).toEqual(['AwsSolutions-APIG4', 'AwsSolutions-COG4']);
});
