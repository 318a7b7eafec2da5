/**
 * The example app's orders API releases through a canary on its prod stage and is served at its custom domain
 * (examples/app.ts, README "Releasing safely"): the base deployment comes from the context value
 * ordersBaseDeployment, which CI fills with the previous deploy's CurrentDeployment output.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { OrdersApiStack } from '../../examples/app';

function synth(context: Record<string, string> = {}) {
  const stack = new OrdersApiStack(new App({ context }), 'ExampleOrdersApi');
  const json = Template.fromStack(stack).toJSON();
  const resources: Record<string, any> = json.Resources;
  const [stage] = Object.values<any>(resources).filter((r) => r.Type === 'AWS::ApiGateway::Stage');
  const current = Object.entries<any>(json.Outputs).find(([k]) => k.includes('CurrentDeployment'))![1].Value as string;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  return { stage: stage.Properties, current, ofType };
}

test('prod has a 10 % canary with guard alarms, a custom domain, and no execute-api endpoint', () => {
  const first = synth();
  expect(first.stage.StageName).toBe('prod');
  expect(first.stage.CanarySetting).toEqual(expect.objectContaining({ DeploymentId: { Ref: first.current } }));
  expect(first.ofType('Custom::ApiCanaryGuard')).toHaveLength(1);
  expect(first.ofType('AWS::CloudWatch::Alarm').filter(([id]) => id.includes('Canary')).length).toBe(2);
  const [[, domain]] = first.ofType('AWS::ApiGateway::DomainName');
  expect(domain.Properties).toEqual(expect.objectContaining({ DomainName: 'orders.example.com', SecurityPolicy: 'TLS_1_2' }));
  expect(first.ofType('AWS::ApiGateway::BasePathMapping')).toHaveLength(1);
  expect(first.ofType('AWS::Route53::RecordSet').map(([, r]) => r.Properties.Type).sort()).toEqual(['A', 'AAAA']);
  const [[, restApi]] = first.ofType('AWS::ApiGateway::RestApi');
  expect(restApi.Properties.DisableExecuteApiEndpoint).toBe(true);
});

test('with ordersBaseDeployment the stage stays on that deployment while the canary serves the current one', () => {
  const first = synth();
  // The same model with the first deploy's output pinned: base and candidate coincide (nothing new to release yet).
  const pinned = synth({ ordersBaseDeployment: first.current });
  expect(pinned.stage.DeploymentId).toEqual({ Ref: first.current });
  expect(pinned.stage.CanarySetting.DeploymentId).toEqual({ Ref: pinned.current });
  expect(() => synth({ ordersBaseDeployment: 'NotADeployment' })).toThrow('invalid stage.baseDeployment "NotADeployment"');
});
