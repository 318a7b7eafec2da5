/**
 * The defaults every REST pattern shares (the contract of the REST base), over the table of REST patterns: adding a
 * pattern to test/support/rest-patterns.ts runs these for it.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { backendFunction, newStack } from '../support/fixtures';
import { REST_PATTERN_ROWS } from '../support/rest-patterns';

describe.each(REST_PATTERN_ROWS)('%s defaults', (_name, entry) => {
  const build = () => {
    const stack = newStack();
    const api = entry.build(stack);
    const fn = backendFunction(stack, 'Backend');
    api.addRoute('GET', '/orders', new apigateway.LambdaIntegration(fn));
    api.addRoute('POST', '/orders', new apigateway.LambdaIntegration(fn), { requestSchema: { type: apigateway.JsonSchemaType.OBJECT } });
    return { stack, api, t: Template.fromStack(stack) };
  };

  test('a prod stage with JSON access logs, ERROR execution logs, X-Ray, metrics, throttling and a client certificate', () => {
    const { t } = build();
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
      MethodSettings: Match.arrayWith([Match.objectLike({ ResourcePath: '/*', HttpMethod: '*', LoggingLevel: 'ERROR', DataTraceEnabled: false, MetricsEnabled: true, ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 })]),
      ClientCertificateId: Match.anyValue(),
    });
  });

  test('every method is authorized and validated; the stage has a WAF web ACL, alarms and a dashboard', () => {
    const { t, api } = build();
    for (const m of Object.values<any>(t.findResources('AWS::ApiGateway::Method'))) {
      expect(m.Properties.AuthorizationType).not.toBe('NONE');
      expect(m.Properties.RequestValidatorId).toBeDefined();
    }
    t.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    expect(api.alarms.length).toBeGreaterThanOrEqual(4);
    expect(api.dashboard).toBeDefined();
    expect(api.stages).toEqual([api.defaultStage]);
  });

  test('one Lambda permission per function per API, scoped to the API', () => {
    const { t } = build();
    // A pattern's own functions behind its own routes (MonetizedApi's admin handler) count as functions too.
    const permissions = Object.values<any>(t.findResources('AWS::Lambda::Permission')).filter((p) => p.Properties.Principal === 'apigateway.amazonaws.com');
    const functions = permissions.map((p) => JSON.stringify(p.Properties.FunctionName));
    expect(new Set(functions).size).toBe(permissions.length);
    const backend = permissions.filter((p) => JSON.stringify(p.Properties.FunctionName).includes('Backend'));
    expect(backend).toHaveLength(1);
    expect(JSON.stringify(backend[0].Properties.SourceArn)).toContain('/*/*/*');
  });
});
