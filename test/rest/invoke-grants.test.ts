/**
 * `grantInvoke` gives `execute-api:Invoke`, which API Gateway checks only on IAM-authorized methods ("IAM
 * authorization ... execute-api:Invoke", https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html):
 * a grant on a route with another authorization would be ignored, so it fails the synth.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { backendFunction, newStack } from '../support/fixtures';

function setup() {
  const stack = newStack();
  const fn = backendFunction(stack, 'Backend');
  const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['a'] }) });
  api.addRoute('GET', '/orders', new apigateway.LambdaIntegration(fn));
  api.addRoute('DELETE', '/admin/orders/{id}', new apigateway.LambdaIntegration(fn), { authorization: ApiAuthorization.iam() });
  const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
  return { stack, api, role };
}

const synthErrors = (stack: Stack) => {
  try {
    Template.fromStack(stack);
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
};

test('an IAM-authorized route is granted on its method ARN (path parameters as *) of the default stage', () => {
  const { stack, api, role } = setup();
  api.grantInvoke(role, { method: 'DELETE', path: '/admin/orders/{id}' });
  const policy = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0];
  const resource = JSON.stringify(policy.Properties.PolicyDocument.Statement[0].Resource);
  expect(policy.Properties.PolicyDocument.Statement[0].Action).toBe('execute-api:Invoke');
  expect(resource).toContain('/DELETE/admin/orders/*');
  expect(resource).toContain('DeploymentStageprod');
});

test('a route that is not IAM-authorized, a route that does not exist, and * on an API without IAM routes fail the synth', () => {
  const jwtOnly = setup();
  jwtOnly.api.grantInvoke(jwtOnly.role, { method: 'GET', path: '/orders' });
  expect(synthErrors(jwtOnly.stack).join()).toContain('Test/Api: invalid grantInvoke GET /orders: covers GET /orders, which are not IAM-authorized');
  const missing = setup();
  missing.api.grantInvoke(missing.role, { method: 'GET', path: '/nowhere' });
  expect(synthErrors(missing.stack).join()).toContain('Test/Api: invalid grantInvoke GET /nowhere: names no route of the API');
  const stack = newStack();
  const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['a'] }) });
  api.addRoute('GET', '/orders', new apigateway.LambdaIntegration(backendFunction(stack, 'Backend')));
  api.grantInvoke(new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() }));
  expect(synthErrors(stack).join()).toContain('Test/Api: invalid grantInvoke * /*: the API has no IAM-authorized route');
});

test('* on an API with IAM routes and a named stage are accepted', () => {
  const { stack, api, role } = setup();
  api.grantInvoke(role);
  api.grantInvoke(role, { method: 'DELETE', path: '/admin/*', stageName: 'dev' });
  expect(synthErrors(stack)).toEqual([]);
  expect(JSON.stringify(Template.fromStack(stack).toJSON())).toContain('/dev/DELETE/admin/*');
});
