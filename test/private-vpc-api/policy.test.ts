/**
 * PrivateVpcApi's resource policy: its exact statements, what API Gateway decides with it for calls through
 * allowed and other endpoints (evaluated, see support.ts for the IAM rules and their sources), that it covers every
 * method, that it is inline before any deployment, and that changing it redeploys the stage.
 */
import { Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { apiPolicy, evaluate, importedVpc, only, privateApi, throughEndpoint } from './support';
import { newStack } from '../support/fixtures';

const CREATED = 'vpce-0a1a1a1a1a1a1a1a1';
const CONSUMER = 'vpce-0c2c2c2c2c2c2c2c2';
const OTHER = 'vpce-0e3e3e3e3e3e3e3e3';

function importedEndpoint(stack: ReturnType<typeof newStack>, id: string = 'vpce-05b5b5b5b5b5b5b5b'): ec2.IInterfaceVpcEndpoint {
  return ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'Shared', { vpcEndpointId: id, port: 443 });
}

describe('the statements (T-b1)', () => {
  test('one Allow through the allowed endpoints and exactly one Deny of every other source, on execute-api:/*', () => {
    // GIVEN an imported endpoint and a consumer account's endpoint
    const stack = newStack();
    privateApi(stack, { vpc: importedVpc(stack), vpcEndpoint: importedEndpoint(stack), allowedVpcEndpoints: [CONSUMER] });
    // THEN the policy is exactly these two statements (golden: the execute-api:/* shorthand is kept, so diffs stay stable)
    const policy = only(Template.fromStack(stack), 'AWS::ApiGateway::RestApi').resource.Properties.Policy;
    const endpoints = ['vpce-05b5b5b5b5b5b5b5b', CONSUMER];
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AllowThroughAllowedEndpoints',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'execute-api:Invoke',
          Resource: 'execute-api:/*',
          Condition: { StringEquals: { 'aws:SourceVpce': endpoints } },
        },
        {
          Sid: 'DenyOutsideAllowedSources',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'execute-api:Invoke',
          Resource: 'execute-api:/*',
          Condition: { StringNotEquals: { 'aws:SourceVpce': endpoints } },
        },
      ],
    });
  });

  test('the created endpoint is allowed by its Ref', () => {
    const stack = newStack();
    privateApi(stack);
    const t = Template.fromStack(stack);
    const endpoint = only(t, 'AWS::EC2::VPCEndpoint').id;
    const policy = only(t, 'AWS::ApiGateway::RestApi').resource.Properties.Policy;
    expect(policy.Statement.map((s: any) => s.Condition)).toEqual([
      { StringEquals: { 'aws:SourceVpce': [{ Ref: endpoint }] } },
      { StringNotEquals: { 'aws:SourceVpce': [{ Ref: endpoint }] } },
    ]);
  });

  test('allowedAccounts restrict the Allow to those accounts\' principals; the Deny stays for everyone', () => {
    const stack = newStack();
    privateApi(stack, { resourcePolicy: { allowedAccounts: ['111122223333'] } });
    const policy = apiPolicy(Template.fromStack(stack));
    const allow = policy.Statement[0];
    expect(JSON.stringify(allow.Principal)).toContain(':iam::111122223333:root');
    expect(policy.Statement[1].Principal).toEqual({ AWS: '*' });
  });
});

describe('what API Gateway decides with it', () => {
  const policyOf = (props: Parameters<typeof privateApi>[1] = {}) => {
    const stack = newStack();
    privateApi(stack, { allowedVpcEndpoints: [CONSUMER], ...props });
    return apiPolicy(Template.fromStack(stack), CREATED);
  };

  test('calls through the created or an allowed endpoint are allowed; through any other endpoint, or not through one, denied', () => {
    const policy = policyOf();
    expect(evaluate(policy, throughEndpoint(CREATED))).toBe('Allow');
    expect(evaluate(policy, throughEndpoint(CONSUMER, 'vpc-0c2c2c2c2c2c2c2c2'))).toBe('Allow');
    expect(evaluate(policy, throughEndpoint(OTHER))).toBe('Deny');
    // A call that does not come through an endpoint has no aws:SourceVpce: StringNotEquals matches, the Deny applies.
    expect(evaluate(policy, { resource: 'execute-api:/prod/GET/orders', sourceIp: '203.0.113.7' })).toBe('Deny');
  });

  test('allowedVpcs admit any endpoint of those VPCs (aws:SourceVpc), never a bare Allow; deniedVpcEndpoints still deny', () => {
    const policy = policyOf({ allowedVpcs: ['vpc-0bbbbbbbbbbbbbbbb'], deniedVpcEndpoints: ['vpce-0d4d4d4d4d4d4d4d4'] });
    expect(policy.Statement.filter((s: any) => s.Effect === 'Allow').every((s: any) => s.Condition)).toBe(true);
    expect(evaluate(policy, throughEndpoint(OTHER, 'vpc-0bbbbbbbbbbbbbbbb'))).toBe('Allow');
    expect(evaluate(policy, throughEndpoint(OTHER, 'vpc-0ccccccccccccccccc'))).toBe('Deny');
    expect(evaluate(policy, throughEndpoint('vpce-0d4d4d4d4d4d4d4d4', 'vpc-0bbbbbbbbbbbbbbbb'))).toBe('Deny');
    expect(evaluate(policy, throughEndpoint(CREATED))).toBe('Allow');
  });

  test('allowedVpcSourceIps deny callers outside the ranges on aws:VpcSourceIp', () => {
    const policy = policyOf({ allowedVpcSourceIps: ['10.0.8.0/22'] });
    expect(policy.Statement.find((s: any) => s.Sid === 'DenyOutsideAllowedVpcSourceIps').Condition).toEqual({ NotIpAddress: { 'aws:VpcSourceIp': ['10.0.8.0/22'] } });
    expect(evaluate(policy, throughEndpoint(CREATED, undefined, undefined, '10.0.9.4'))).toBe('Allow');
    expect(evaluate(policy, throughEndpoint(CREATED, undefined, undefined, '10.0.1.4'))).toBe('Deny');
  });

  test('AWS rule: an aws:SourceIp condition never matches a call through an endpoint (the key is absent)', () => {
    // The policy a user would write for "only 10.0.0.0/8": it admits nobody through a VPC endpoint.
    const sourceIpPolicy = {
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] } } }],
    };
    expect(evaluate(sourceIpPolicy, throughEndpoint(CREATED, undefined, undefined, '10.0.1.4'))).toBe('ImplicitDeny');
  });

  test('every method of every route is covered by the one Allow and the one Deny', () => {
    const stack = newStack();
    const api = privateApi(stack, {}, false);
    const routes: Array<[string, string]> = [['GET', '/orders'], ['POST', '/orders'], ['DELETE', '/orders/{id}'], ['ANY', '/files/{path+}']];
    for (const [method, path] of routes) api.addRoute(method, path, new apigateway.MockIntegration());
    const policy = apiPolicy(Template.fromStack(stack), CREATED);
    for (const [method, path] of routes) {
      const resource = `execute-api:/prod/${method === 'ANY' ? 'PATCH' : method}${path.replace(/\{[^}]+\}/g, 'x')}`;
      expect([method, evaluate(policy, throughEndpoint(CREATED, undefined, resource))]).toEqual([method, 'Allow']);
      expect([method, evaluate(policy, throughEndpoint(OTHER, undefined, resource))]).toEqual([method, 'Deny']);
    }
  });
});

describe('deployment ordering and redeployment (T-b3, T-b4)', () => {
  test('the policy is inline on the RestApi, which every Deployment references: it exists before the first deployment', () => {
    // AWS rule: "Private REST API doesn't have a resource policy attached to it" when the policy comes after the
    // deployment (https://github.com/hashicorp/terraform-provider-aws/issues/14290). Inline + Ref orders it.
    const stack = newStack();
    const api = privateApi(stack);
    api.api.addToResourcePolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions: ['execute-api:Invoke'], resources: ['execute-api:/*/DELETE/*'],
    }));
    const t = Template.fromStack(stack);
    const restApi = only(t, 'AWS::ApiGateway::RestApi');
    expect(restApi.resource.Properties.Policy.Statement).toHaveLength(3);
    const deployments = Object.values<any>(t.findResources('AWS::ApiGateway::Deployment'));
    expect(deployments.length).toBeGreaterThan(0);
    for (const d of deployments) expect(d.Properties.RestApiId).toEqual({ Ref: restApi.id });
    // No separate policy resource exists that a deployment could overtake.
    expect(Object.values<any>(t.toJSON().Resources).filter((r) => /Policy$/.test(r.Type) && r.Type.startsWith('AWS::ApiGateway'))).toEqual([]);
  });

  const deploymentId = (allowed: string[], tag?: string, extraStatement?: boolean) => {
    const stack = newStack();
    const api = privateApi(stack, { vpc: importedVpc(stack), allowedVpcEndpoints: allowed });
    if (tag) Tags.of(api.vpcEndpoint).add('team', tag);
    if (extraStatement) {
      api.api.addToResourcePolicy(new iam.PolicyStatement({
        effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions: ['execute-api:Invoke'], resources: ['execute-api:/*/DELETE/*'],
      }));
    }
    return only(Template.fromStack(stack), 'AWS::ApiGateway::Deployment').id;
  };

  test('changing only the allowed endpoint list changes the Deployment logical id; an unrelated tag does not', () => {
    const base = deploymentId([CONSUMER]);
    expect(deploymentId([CONSUMER, OTHER])).not.toBe(base);
    expect(deploymentId([CONSUMER], 'payments')).toBe(base);
    expect(deploymentId([CONSUMER])).toBe(base);
  });

  test('a statement added later with addToResourcePolicy redeploys too (aws-cdk#7115 hashes the RestApi\'s properties)', () => {
    expect(deploymentId([CONSUMER], undefined, true)).not.toBe(deploymentId([CONSUMER]));
  });
});

describe('checks on the final policy', () => {
  test('an aws:SourceIp condition added later fails the synth with the fix', () => {
    const stack = newStack();
    const api = privateApi(stack);
    api.api.addToResourcePolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['execute-api:Invoke'],
      resources: ['execute-api:/*'],
      conditions: { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] } },
    }));
    expect(() => Template.fromStack(stack)).toThrow(
      'Test/Api: invalid resource policy condition "aws:SourceIp": never matches a call through a VPC endpoint; use aws:VpcSourceIp (allowedVpcSourceIps)',
    );
  });

  test('a bare Allow added later does not open the API: the Deny of other sources still wins (T-b8)', () => {
    const stack = newStack();
    const api = privateApi(stack);
    api.api.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['execute-api:Invoke'], resources: ['execute-api:/*'] }));
    const policy = apiPolicy(Template.fromStack(stack), CREATED);
    expect(policy.Statement).toHaveLength(3);
    expect(evaluate(policy, throughEndpoint(OTHER))).toBe('Deny');
    expect(evaluate(policy, throughEndpoint(CREATED))).toBe('Allow');
  });

  test('statements added later that push the policy over 8,192 characters fail the synth', () => {
    const stack = newStack();
    const api = privateApi(stack);
    const ranges = Array.from({ length: 600 }, (_, i) => `10.${Math.floor(i / 250)}.${i % 250}.0/24`);
    api.api.addToResourcePolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['execute-api:Invoke'],
      resources: ['execute-api:/*'],
      conditions: { NotIpAddress: { 'aws:VpcSourceIp': ranges } },
    }));
    expect(() => Template.fromStack(stack)).toThrow(/Test\/Api: invalid resource policy "9\d{3} characters": must render to at most 8,192 characters/);
  });
});
