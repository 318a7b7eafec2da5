/**
 * The example app's orders and observability stacks against the deploy-time rules (test/support/deploy-rules.ts):
 * HTTP integration URIs are fully mapped, cached methods are keyed correctly, no retained log group has a fixed name,
 * and alarms can notify someone.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { ObservabilityStack, OrdersApiStack } from '../../examples/app';
import { ApiAuthorization, SecuredRestApi } from '../../src';
import {
  alarmDeliveryProblems, cacheKeyProblems, retainedLogGroupsWithFixedNames, subscriptionDeadLetterProblems, unmappedIntegrationPathParameters,
} from '../support/deploy-rules';
import { newStack } from '../support/fixtures';

describe('rule: every {x} of an HTTP integration URI has an integration.request.path.x mapping', () => {
  test('an unmapped /orders/{id} backend is a violation (the call fails: API Gateway cannot build the URI)', () => {
    const stack = newStack();
    const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam() });
    api.addRoute('GET', '/orders/{id}', new apigateway.HttpIntegration('https://backend.example.com/orders/{id}', { proxy: true }));
    expect(unmappedIntegrationPathParameters(Template.fromStack(stack).toJSON())).toEqual([
      'GET /orders/{id}: https://backend.example.com/orders/{id} has {id} but no integration.request.path.id mapping',
    ]);
  });

  test('the example orders API maps every URI variable of its HTTP integrations', () => {
    const template = Template.fromStack(new OrdersApiStack(new App(), 'ExampleOrdersApi')).toJSON();
    expect(unmappedIntegrationPathParameters(template)).toEqual([]);
    const mapped = Object.values<any>(template.Resources)
      .filter((r) => r.Type === 'AWS::ApiGateway::Method' && /\{id\}/.test(r.Properties.Integration?.Uri ?? ''))
      .map((r) => r.Properties.Integration.RequestParameters);
    expect(mapped).toEqual([{ 'integration.request.path.id': 'method.request.path.id' }, { 'integration.request.path.id': 'method.request.path.id' }]);
  });
});

describe('the example stacks pass the other deploy-time rules', () => {
  test('orders: cache keys, log group names, alarm delivery, an on-call subscription', () => {
    const t = Template.fromStack(new OrdersApiStack(new App(), 'ExampleOrdersApi'));
    expect(cacheKeyProblems(t.toJSON())).toEqual([]);
    expect(retainedLogGroupsWithFixedNames(t.toJSON())).toEqual([]);
    expect(alarmDeliveryProblems(t.toJSON())).toEqual([]);
    expect(subscriptionDeadLetterProblems(t.toJSON())).toEqual([]);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'orders-oncall@example.com' });
  });

  test('observability: no fixed-name retained group for the literal legacy API id; alarms can notify', () => {
    const t = Template.fromStack(new ObservabilityStack(new App(), 'ExampleObservability'));
    expect(retainedLogGroupsWithFixedNames(t.toJSON())).toEqual([]);
    expect(alarmDeliveryProblems(t.toJSON())).toEqual([]);
    expect(subscriptionDeadLetterProblems(t.toJSON())).toEqual([]);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'api-oncall@example.com' });
  });
});

describe('rule: an HTTP proxy integration calls its backend with the route\'s own method', () => {
  // `IntegrationHttpMethod` is the method API Gateway uses toward the backend; an HttpIntegration defaults to GET, so a
  // POST or DELETE route built with the default silently reaches the backend as GET
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigateway-method-integration.html).
  test('every HTTP_PROXY method of the example orders API forwards its own method', () => {
    const template = Template.fromStack(new OrdersApiStack(new App(), 'ExampleOrdersApi')).toJSON();
    const proxies = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties.Integration?.Type === 'HTTP_PROXY');
    expect(proxies.length).toBeGreaterThanOrEqual(4);
    for (const m of proxies) {
      const { HttpMethod: method, Integration: integration } = m.Properties;
      expect({ method, backend: integration.IntegrationHttpMethod }).toEqual({ method, backend: method });
    }
  });
});
