/**
 * A stage's canary, construct side: its settings and their refusals, the log groups canary traffic writes to, the
 * canary metrics, the automatic rollback (guard alarms -> EventBridge -> rollback function) and its permissions, the
 * guard, and the compliance of each configuration. The handlers are tested in test/handlers/canary-*.test.ts.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ApiAuthorization, CacheSize, RestApiPatternProps, SecuredRestApi, StageSettings } from '../../src';
import { CANARY_FUNCTION_ACTIONS } from '../../src/runtime/canary/contract';
import { CANARY_METRIC_FILTERS, canaryErrorRateExpression } from '../../src/runtime/canary/metric-filters';
import { complianceFindings, formatFindings } from '../support/compliance';
import { newStack } from '../support/fixtures';

function build(stage: StageSettings, props: Partial<RestApiPatternProps> = {}, stack: Stack = newStack()) {
  const api = new SecuredRestApi(stack, 'Api', { authorization: ApiAuthorization.iam(), ...props, stage });
  api.addRoute('GET', '/orders', new apigateway.HttpIntegration('https://backend.example.com/orders'));
  return { stack, api };
}

function synth(stage: StageSettings, props: Partial<RestApiPatternProps> = {}) {
  const { stack, api } = build(stage, props);
  const template = Template.fromStack(stack);
  return { stack, api, template, json: template.toJSON(), resources: template.toJSON().Resources as Record<string, any> };
}

const canary10: StageSettings = { variables: { alias: 'live' }, canary: { percentTraffic: 10, stageVariableOverrides: { alias: 'next' } } };

/** Every IAM statement granted to the role of a function (customer-managed and inline policies). */
function statementsOf(resources: Record<string, any>, functionId: string): any[] {
  const roleId = resources[functionId].Properties.Role['Fn::GetAtt'][0];
  const managed = (resources[roleId].Properties.ManagedPolicyArns ?? []).map((arn: any) => arn.Ref).filter(Boolean);
  return Object.entries<any>(resources)
    .filter(([id, r]) => managed.includes(id) || (r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles ?? []).includes(`"${roleId}"`)))
    .flatMap(([, r]) => r.Properties.PolicyDocument.Statement);
}

const idOf = (resources: Record<string, any>, prefix: string, type: string) =>
  Object.keys(resources).find((id) => id.startsWith(prefix) && resources[id].Type === type)!;

describe('bad canary settings fail at synth time with the path, the value and what is allowed', () => {
  const cases: Array<[string, StageSettings, string]> = [
    ['percentTraffic above 100', { canary: { percentTraffic: 100.5 } }, 'Test/Api: invalid stage.canary.percentTraffic 100.5: must be a number between 0 and 100 percent'],
    ['percentTraffic below 0', { canary: { percentTraffic: -1 } }, 'Test/Api: invalid stage.canary.percentTraffic -1: must be a number between 0 and 100 percent'],
    ['an override of an unknown variable', { variables: { alias: 'live' }, canary: { percentTraffic: 5, stageVariableOverrides: { other: 'x' } } },
      'Test/Api: invalid stage.canary.stageVariableOverrides key "other": must be one of the stage\'s variables (alias)'],
    ['an override on a stage without variables', { canary: { percentTraffic: 5, stageVariableOverrides: { alias: 'x' } } },
      'Test/Api: invalid stage.canary.stageVariableOverrides key "alias": must be one of the stage\'s variables, and the stage has none'],
    ['an override value stage variables refuse', { variables: { alias: 'live' }, canary: { percentTraffic: 5, stageVariableOverrides: { alias: 'a b' } } },
      'Test/Api: invalid stage.canary.stageVariableOverrides.alias "a b": must be 1-512 characters of A-Za-z0-9-._~:/?#&=,'],
    ['useStageCache without a stage cache', { canary: { percentTraffic: 5, useStageCache: true } }, 'Test/Api: invalid stage.canary.useStageCache true: needs a stage cache (stage.cache)'],
    ['canary together with removeCanary', { canary: { percentTraffic: 5 }, removeCanary: true }, 'Test/Api: invalid stage.removeCanary true: must not be set together with canary'],
    ['a rollback error rate above 100 %', { canary: { percentTraffic: 5, autoRollback: { serverErrorRatePercent: 101 } } },
      'Test/Api: invalid stage.canary.autoRollback.serverErrorRatePercent 101: must be a number between 0 and 100 percent'],
    ['a rollback window of 90 seconds', { canary: { percentTraffic: 5, autoRollback: { window: Duration.seconds(90) } } },
      'Test/Api: invalid stage.canary.autoRollback.window 1 minute 30 seconds: must be a whole number of minutes'],
    ['a rollback window under a minute', { canary: { percentTraffic: 5, autoRollback: { window: Duration.seconds(30) } } },
      'Test/Api: invalid stage.canary.autoRollback.window 30 seconds: must be between 60 and 3600 seconds'],
    ['a latency threshold of 10 minutes', { canary: { percentTraffic: 5, autoRollback: { latencyP99: Duration.minutes(10) } } },
      'Test/Api: invalid stage.canary.autoRollback.latencyP99 10 minutes: must be between 0.001 and 300 seconds'],
    ['minimumRequests 0', { canary: { percentTraffic: 5, autoRollback: { minimumRequests: 0 } } },
      'Test/Api: invalid stage.canary.autoRollback.minimumRequests 0: must be an integer >= 1'],
  ];
  test.each(cases)('%s', (_name, stage, message) => {
    expect(() => build(stage)).toThrow(message);
  });

  test('on an added stage too', () => {
    const { api } = build({});
    expect(() => api.addStage('Dev', { stageName: 'dev', canary: { percentTraffic: 101 } })).toThrow('Test/Api: invalid stage.canary.percentTraffic 101');
  });
});

describe('canary log groups (API Gateway creates missing ones unencrypted and never expiring)', () => {
  // Canary requests log to API-Gateway-Execution-Logs_{apiId}/{stage}/Canary and to the access-log group's name + /Canary
  // (https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html).
  test('every stage, canary or not, gets both groups with the pattern\'s key and retention, and waits for them', () => {
    const { api, template, resources } = (() => {
      const { stack, api: a } = build({}, { observability: { logRetention: logs.RetentionDays.TWO_YEARS } });
      a.addStage('Dev', { stageName: 'dev' });
      const t = Template.fromStack(stack);
      return { api: a, template: t, resources: t.toJSON().Resources as Record<string, any> };
    })();
    const keyId = idOf(resources, 'ApiObservabilityKey', 'AWS::KMS::Key');
    const execution = (stage: string) => ({ 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: 'ApiCD79AAA0' }, `/${stage}/Canary`]] });
    for (const stage of ['prod', 'dev']) {
      template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: execution(stage), KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] }, RetentionInDays: 731 });
    }
    for (const stage of api.stages) {
      const accessId = Stack.of(stage.stage).resolve((stage.accessLogGroup.node.defaultChild as logs.CfnLogGroup).logicalId);
      template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: { 'Fn::Join': ['', [{ Ref: accessId }, '/Canary']] }, KmsKeyId: Match.anyValue(), RetentionInDays: 731 });
      const stageId = Stack.of(stage.stage).resolve((stage.stage.node.defaultChild as apigateway.CfnStage).logicalId);
      const groups = [stage.canaryLogGroups.execution, stage.canaryLogGroups.access]
        .map((g) => Stack.of(g).resolve((g.node.defaultChild as logs.CfnLogGroup).logicalId));
      expect(resources[stageId].DependsOn).toEqual(expect.arrayContaining(groups));
    }
  });
});

describe('canary metrics and dashboard', () => {
  test('metric filters on the canary access-log group, in a namespace per API and stage', () => {
    const { template, resources } = synth(canary10);
    const accessCanary = Object.entries(resources).find(([, r]) => r.Type === 'AWS::Logs::LogGroup'
      && JSON.stringify(r.Properties.LogGroupName ?? '').includes('"/Canary"'))![0];
    for (const filter of CANARY_METRIC_FILTERS) {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: accessCanary },
        FilterPattern: filter.filterPattern,
        MetricTransformations: [Match.objectLike({
          MetricName: filter.metricName,
          MetricValue: filter.metricValue,
          MetricNamespace: { 'Fn::Join': ['', ['CdkApiGatewayPatterns/Canary/', { Ref: 'ApiCD79AAA0' }, '/prod']] },
        })],
      });
    }
    template.resourceCountIs('AWS::Logs::MetricFilter', CANARY_METRIC_FILTERS.length);
  });

  test('the dashboard sets the canary beside its stage (errors, latency, requests)', () => {
    const { template } = synth(canary10);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    for (const title of ['prod: 5XX, stage and canary', 'prod: p99 latency, stage and canary', 'prod: requests, stage and canary']) expect(body).toContain(title);
    expect(body).toContain('Canary 5XX');
    expect(body).toContain('Stage 5XX');
  });

  test('no canary, no metric filters', () => {
    synth({}).template.resourceCountIs('AWS::Logs::MetricFilter', 0);
  });
});

describe('automatic rollback', () => {
  test('two guard alarms on the canary\'s own traffic, one-minute periods, default thresholds', () => {
    const { template } = synth(canary10);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 5,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([Match.objectLike({ Expression: canaryErrorRateExpression(10) }),
        Match.objectLike({ Id: 'errors', MetricStat: Match.objectLike({ Period: 60, Stat: 'Sum', Metric: Match.objectLike({ MetricName: '5XXError' }) }) })]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Period: 60,
      Threshold: 3000,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Namespace: { 'Fn::Join': ['', ['CdkApiGatewayPatterns/Canary/', { Ref: 'ApiCD79AAA0' }, '/prod']] },
    });
  });

  test('thresholds and window are props', () => {
    const autoRollback = { serverErrorRatePercent: 2, latencyP99: Duration.millis(800), window: Duration.minutes(3), minimumRequests: 50 };
    const { template } = synth({ canary: { percentTraffic: 10, autoRollback } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 2, EvaluationPeriods: 3, DatapointsToAlarm: 3, Metrics: Match.arrayWith([Match.objectLike({ Expression: canaryErrorRateExpression(50) })]) });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', Threshold: 800, EvaluationPeriods: 3 });
  });

  test('the EventBridge rule on the guard alarms\' ALARM state invokes the rollback function, configured with the same alarms', () => {
    const { resources } = synth(canary10);
    const alarms = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::CloudWatch::Alarm' && id.includes('Canary')).sort();
    expect(alarms).toHaveLength(2);
    const ruleId = idOf(resources, 'ApiCanaryRollbackRule', 'AWS::Events::Rule');
    const fnId = idOf(resources, 'ApiCanaryRollbackFunction', 'AWS::Lambda::Function');
    const rule = resources[ruleId].Properties;
    expect(rule.EventPattern).toEqual({
      'source': ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      'resources': expect.arrayContaining(alarms.map((a) => ({ 'Fn::GetAtt': [a, 'Arn'] }))),
      'detail': { state: { value: ['ALARM'] } },
    });
    expect(rule.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, DeadLetterConfig: { Arn: expect.anything() } })]);
    const env = resources[fnId].Properties.Environment.Variables;
    expect(env.CANARY_STAGE_NAME).toBe('prod');
    expect(env.CANARY_REST_API_ID).toEqual({ Ref: 'ApiCD79AAA0' });
    for (const a of alarms) expect(JSON.stringify(env.CANARY_GUARD_ALARM_ARNS)).toContain(a);
    // EventBridge may invoke it (a permission scoped to the rule).
    expect(Object.values<any>(resources).some((r) => r.Type === 'AWS::Lambda::Permission' && r.Properties.Principal === 'events.amazonaws.com'
      && JSON.stringify(r.Properties.SourceArn).includes(ruleId))).toBe(true);
  });

  test('the rollback function may call exactly GetStage and UpdateStage (apigateway:GET, apigateway:PATCH) on this stage', () => {
    // IAM resource of GetStage/UpdateStage: arn:{partition}:apigateway:{region}::/restapis/{id}/stages/{stage}
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html).
    const { resources } = synth(canary10);
    const fnId = idOf(resources, 'ApiCanaryRollbackFunction', 'AWS::Lambda::Function');
    const apiStatements = statementsOf(resources, fnId).filter((s) => JSON.stringify(s.Action).includes('apigateway:'));
    expect(apiStatements).toEqual([{
      Effect: 'Allow',
      Action: [...CANARY_FUNCTION_ACTIONS.rollback],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, '::/restapis/', { Ref: 'ApiCD79AAA0' }, '/stages/prod']] },
    }]);
    expect(CANARY_FUNCTION_ACTIONS.rollback).toEqual(['apigateway:GET', 'apigateway:PATCH']);
  });

  test('autoRollback: { enabled: false } keeps the canary without alarms or rollback function', () => {
    const { resources } = synth({ canary: { percentTraffic: 10, autoRollback: { enabled: false } } });
    expect(Object.keys(resources).filter((id) => id.includes('CanaryRollback') || (resources[id].Type === 'AWS::CloudWatch::Alarm' && id.includes('Canary')))).toEqual([]);
    expect(idOf(resources, 'ApiCanaryGuard', 'Custom::ApiCanaryGuard')).toBeDefined();
  });

  test('with alarm notifications off, the guard alarms still exist (the rule reads their state)', () => {
    const { api, resources } = synth(canary10, { observability: { alarms: false } });
    const canaryAlarms = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::CloudWatch::Alarm');
    expect(canaryAlarms).toHaveLength(2);
    expect(api.defaultStage.canaryGuardAlarms).toHaveLength(2);
    expect(api.defaultStage.canaryRollbackFunction).toBeDefined();
    for (const id of canaryAlarms) expect(resources[id].Properties.AlarmActions).toBeUndefined();
  });
});

describe('the guard keeps an out-of-band rollback in force', () => {
  test('its stage fingerprint changes with the stage\'s other properties, so CloudFormation asks it before every stage update', () => {
    const fingerprint = (throttle: number) => {
      const { resources } = synth({ ...canary10, throttle: { rateLimit: throttle, burstLimit: throttle } });
      return resources[idOf(resources, 'ApiCanaryGuard', 'Custom::ApiCanaryGuard')].Properties.StageFingerprint;
    };
    expect(fingerprint(100)).toMatch(/^[0-9a-f]{32}$/);
    expect(fingerprint(100)).toEqual(fingerprint(100));
    expect(fingerprint(200)).not.toEqual(fingerprint(100));
  });

  test('the custom-resource function (guard and removal, one per API) may GET and PATCH its stages only', () => {
    const { stack, api } = build(canary10);
    api.addStage('Beta', { stageName: 'beta', canary: { percentTraffic: 50 } });
    const resources = Template.fromStack(stack).toJSON().Resources;
    const functions = Object.keys(resources).filter((id) => id.startsWith('ApiCanaryFunction') && resources[id].Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(1);
    const statements = statementsOf(resources, functions[0]).filter((s) => JSON.stringify(s.Action).includes('apigateway:'));
    expect(statements.map((s) => s.Action)).toEqual([['apigateway:GET', 'apigateway:PATCH'], ['apigateway:GET', 'apigateway:PATCH']]);
    expect(statements.map((s) => JSON.stringify(s.Resource).match(/\/stages\/(\w+)"/)?.[1] ?? JSON.stringify(s.Resource))).toEqual(['prod', 'beta']);
  });
});

describe('compliance of each canary configuration (cdk-nag packs, Control Tower, template checker, deploy readiness)', () => {
  const configurations: Array<[string, StageSettings, Partial<RestApiPatternProps>]> = [
    ['canary with automatic rollback', canary10, {}],
    ['canary with rollback, alarm notifications off', canary10, { observability: { alarms: false } }],
    ['canary on a cached stage using the cache', { cache: { size: CacheSize.GB_0_5 }, canary: { percentTraffic: 10, useStageCache: true } }, {}],
    ['parked canary (promoted)', { canary: { percentTraffic: 0 } }, {}],
    ['canary removal', { removeCanary: true }, {}],
  ];
  test.each(configurations)('%s', (_name, stage, props) => {
    const { stack } = build(stage, props);
    expect(formatFindings(complianceFindings(stack))).toEqual([]);
  });

  test('canary with rollback in an environment-specific stack', () => {
    const { stack } = build(canary10, {}, newStack('Env', { env: { account: '123456789012', region: 'eu-west-1' } }));
    expect(formatFindings(complianceFindings(stack))).toEqual([]);
  });
});
