/** Synth-time validation of the JWT authorization's options (issue 10.4 and 10.5 additions). */
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { ApiAuthorization, JwtAuthorizationOptions, JwtTokenUse, SecuredRestApi } from '../../src';
import { backendFunction, newStack } from '../support/fixtures';

const COGNITO = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123';

function build(options: Partial<JwtAuthorizationOptions>) {
  const stack = newStack();
  const api = new SecuredRestApi(stack, 'Api', {
    authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['orders'], ...options }),
  });
  api.addRoute('GET', '/orders', new apigateway.LambdaIntegration(backendFunction(stack, 'Backend')), { scopes: ['orders:read'] });
  return Template.fromStack(stack);
}

test.each([
  [{ tokenUse: 'refresh' as JwtTokenUse }, 'Test/Api: invalid authorization.tokenUse "refresh": must be one of "access", "id", "access,id"'],
  [{ issuer: COGNITO, jwksUri: 'https://example.com/jwks.json' }, 'Test/Api: invalid authorization.jwksUri "https://example.com/jwks.json": must be omitted for a Cognito user pool issuer (its JWKS URL is fixed)'],
])('bad JWT options fail at synth: %j', (options, message) => {
  expect(() => build(options)).toThrow(message);
});

test('token use options reach the handler\'s environment; the defaults add nothing', () => {
  const vars = (t: Template) => Object.values<any>(t.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.JWT_ISSUER).Properties.Environment.Variables;
  expect(vars(build({}))).not.toHaveProperty('JWT_TOKEN_USE');
  expect(vars(build({}))).not.toHaveProperty('JWT_REQUIRE_TOKEN_USE');
  expect(vars(build({ tokenUse: JwtTokenUse.ACCESS_OR_ID, requireTokenUse: true }))).toMatchObject({ JWT_TOKEN_USE: 'access,id', JWT_REQUIRE_TOKEN_USE: 'true' });
  expect(vars(build({ issuer: COGNITO, tokenUse: JwtTokenUse.ID }))).toMatchObject({ JWT_ISSUER: COGNITO, JWT_TOKEN_USE: 'id' });
});
