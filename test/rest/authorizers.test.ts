/**
 * Authorizer construct ids come from the authorization, not from creation order, so moving `addRoute` calls never
 * renames (CloudFormation would replace) an authorizer or its function; equal authorizations share one authorizer
 * (API Gateway allows 10 authorizers per REST API: docs/limits.md).
 */
import * as fs from 'node:fs';
import { join, relative } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import { parseConfig } from '../../src/runtime/jwt/config';
import { backendFunction, newStack } from '../support/fixtures';

type Route = [method: string, path: string, auth: (stack: Stack) => ApiAuthorization | undefined];

const jwtA = () => ApiAuthorization.jwt({ issuer: 'https://a.example.com/', audience: ['a'] });
const jwtB = () => ApiAuthorization.jwt({ issuer: 'https://b.example.com/', audience: ['b'] });
const pool = (stack: Stack) => cognito.UserPool.fromUserPoolId(stack, 'Pool', 'eu-west-1_abc');

function build(routes: Route[]): { stack: Stack; ids: string[] } {
  const stack = newStack();
  const fn = backendFunction(stack, 'Backend');
  const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam() });
  const cognitoAuth = ApiAuthorization.cognito(pool(stack));
  for (const [method, path, auth] of routes) {
    const chosen = auth(stack);
    api.addRoute(method, path, new apigateway.LambdaIntegration(fn), { authorization: chosen === undefined ? cognitoAuth : chosen });
  }
  const template = Template.fromStack(stack).toJSON();
  const ids = Object.entries<any>(template.Resources)
    .filter(([id, r]) => r.Type === 'AWS::ApiGateway::Authorizer' || (r.Type === 'AWS::Lambda::Function' && id.includes('Jwt')))
    .map(([id]) => id)
    .sort();
  return { stack, ids };
}

test('reordering routes keeps every authorizer and authorizer function logical id', () => {
  const routes: Route[] = [
    ['GET', '/a', jwtA],
    ['GET', '/b', jwtB],
    ['GET', '/c', () => undefined],
  ];
  const before = build(routes).ids;
  const after = build([routes[2], routes[1], routes[0]]).ids;
  expect(before.length).toBe(5); // two JWT authorizers with their functions, one Cognito authorizer
  expect(after).toEqual(before);
});

test('equal JWT authorizations share one authorizer; its route map covers the routes of both', () => {
  const stack = newStack();
  const fn = backendFunction(stack, 'Backend');
  const api = new SecuredRestApi(stack, 'Api', { authorization: jwtA() });
  api.addRoute('GET', '/a', new apigateway.LambdaIntegration(fn), { scopes: ['a:read'] });
  api.addRoute('GET', '/b', new apigateway.LambdaIntegration(fn), { authorization: jwtA(), scopes: ['b:read'] });
  api.addRoute('GET', '/c', new apigateway.LambdaIntegration(fn), { authorization: jwtB() });
  const t = Template.fromStack(stack);
  t.resourceCountIs('AWS::ApiGateway::Authorizer', 2);
  const methods = Object.values<any>(t.findResources('AWS::ApiGateway::Method'));
  const authorizerOf = (path: string) => methods.find((m) => JSON.stringify(m.Properties.ResourceId).includes(path))?.Properties.AuthorizerId;
  expect(authorizerOf('Apia')).toEqual(authorizerOf('Apib'));
  expect(authorizerOf('Apia')).not.toEqual(authorizerOf('Apic'));
  expect(api.authorizers).toHaveLength(2);
  // The shared authorizer's route map (read from the synthesized layer as the handler reads /opt) has both routes.
  const assembly = (stack.node.root as App).synth();
  const template = assembly.getStackByName(stack.stackName).template;
  const functions = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.JWT_ISSUER === 'https://a.example.com/');
  expect(functions).toHaveLength(1);
  const layer = template.Resources[functions[0].Properties.Layers[0].Ref];
  const assetDir = join(assembly.directory, `asset.${String(layer.Properties.Content.S3Key).replace(/\.zip$/, '')}`);
  const config = parseConfig(functions[0].Properties.Environment.Variables, (file) => fs.readFileSync(join(assetDir, relative('/opt', file)), 'utf8'));
  expect([...config.routeScopes!.keys()].sort()).toEqual(['GET /a', 'GET /b']);
});

test('the default authorization keeps the plain id; others get the kind and a hash of their configuration', () => {
  const { ids } = build([['GET', '/a', jwtA]]);
  const jwtIds = ids.filter((id) => id.startsWith('ApiJwtAuthorizer'));
  expect(jwtIds).toHaveLength(2);
  expect(jwtIds.find((id) => id.includes('Function'))).toMatch(/^ApiJwtAuthorizer[0-9a-f]{8}Function/);
  expect(jwtIds.find((id) => !id.includes('Function'))).toMatch(/^ApiJwtAuthorizer[0-9a-f]{8}[0-9A-F]{8}$/);
  const stack = newStack();
  const api = new SecuredRestApi(stack, 'Api', { authorization: jwtA() });
  api.addRoute('GET', '/a', new apigateway.LambdaIntegration(backendFunction(stack, 'Backend')));
  expect(Object.keys(Template.fromStack(stack).findResources('AWS::ApiGateway::Authorizer'))).toEqual([expect.stringMatching(/^ApiJwtAuthorizer[0-9A-F]{8}$/)]);
});
