import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AlarmThresholds, ApiObservability, ApiGatewayAccountLogging } from '../../src';

function build(props: ConstructorParameters<typeof ApiObservability>[2] = {}) {
  const stack = new Stack(new App(), 'S');
  const obs = new ApiObservability(stack, 'Obs', props);
  obs.watchRestApi({ apiName: 'orders', apiId: 'abc123', stageName: 'prod' });
  return { stack, obs, template: Template.fromStack(stack) };
}

describe('ApiObservability defaults', () => {
  test('creates a rotating KMS key with the CT.KMS.PR.3 statement and CloudWatch Logs access', () => {
    const { template } = build();
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'kms:CreateGrant',
            Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
          }),
          Match.objectLike({ Sid: 'AllowCloudWatchLogs', Effect: 'Allow' }),
        ]),
      },
    });
  });

  test('access and execution log groups are encrypted, kept one year, and the execution group has its exact name', () => {
    const { template } = build();
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    template.allResourcesProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ObsKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: 'API-Gateway-Execution-Logs_abc123/prod' });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });

  test('four alarms (5XX rate, 4XX rate, latency p99, integration latency p99) notify an encrypted topic', () => {
    const { template, obs } = build();
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    expect(obs.alarms).toHaveLength(4);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('ObsAlarmTopic') }],
      EvaluationPeriods: 3,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: '100 * m5xx' })]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 10,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: '100 * m4xx' })]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', ExtendedStatistic: 'p99', Threshold: 2500 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IntegrationLatency', ExtendedStatistic: 'p99', Threshold: 2000 });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  test('the JSON access-log format is one line and carries the request id', () => {
    const format = ApiObservability.restAccessLogFormat().toString();
    expect(format).not.toContain('\n');
    expect(format).toContain('"requestId":"$context.requestId"');
    expect(format).toContain('"status":"$context.status"');
    expect(JSON.parse(ApiObservability.webSocketAccessLogFormat())).toMatchObject({ connectionId: '$context.connectionId' });
  });

  test('WebSocket stages get integration and execution error alarms', () => {
    const stack = new Stack(new App(), 'S');
    const obs = new ApiObservability(stack, 'Obs');
    obs.watchWebSocketApi({ apiId: 'ws1', stageName: 'prod' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IntegrationError', Dimensions: Match.arrayWith([{ Name: 'ApiId', Value: 'ws1' }]) });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionError', Threshold: 5 });
  });
});

describe('ApiObservability overrides', () => {
  test('given key, topic, retention and thresholds are used; dashboard and alarms can be switched off', () => {
    const stack = new Stack(new App(), 'S');
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    const topic = new sns.Topic(stack, 'MyTopic', { masterKey: key });
    const obs = new ApiObservability(stack, 'Obs', {
      encryptionKey: key,
      alarmTopic: topic,
      logRetention: logs.RetentionDays.TWO_YEARS,
      alarmThresholds: { serverErrorRatePercent: 5, latencyP99Millis: 900, evaluationPeriods: 1 },
      dashboard: false,
    });
    obs.watchRestApi({ apiName: 'orders', apiId: 'abc123', stageName: 'prod' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 731 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 5, EvaluationPeriods: 1, AlarmActions: [{ Ref: Match.stringLikeRegexp('MyTopic') }] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', Threshold: 900 });
  });

  test('alarms: false creates neither alarms nor topic', () => {
    const { template, obs } = build({ alarms: false });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(obs.alarmTopic).toBeUndefined();
  });

  test('retention under a year warns with an id', () => {
    const { stack } = build({ logRetention: logs.RetentionDays.ONE_MONTH });
    Annotations.fromStack(stack).hasWarning('/S/Obs', Match.stringLikeRegexp('cdk-apigateway-patterns:LogRetentionBelowOneYear'));
  });

  test('a second stage gets its own execution log group and numbered alarm ids', () => {
    const stack = new Stack(new App(), 'S');
    const obs = new ApiObservability(stack, 'Obs');
    obs.watchRestApi({ apiName: 'orders', apiId: 'abc123', stageName: 'prod' });
    obs.watchRestApi({ apiName: 'orders', apiId: 'abc123', stageName: 'beta' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: 'API-Gateway-Execution-Logs_abc123/beta' });
  });

  test.each([
    [{ alarmThresholds: { serverErrorRatePercent: 150 } }, 'S/Obs: invalid alarmThresholds.serverErrorRatePercent 150: must be a number between 0 and 100 percent'],
    [{ alarmThresholds: { clientErrorRatePercent: -1 } }, 'S/Obs: invalid alarmThresholds.clientErrorRatePercent -1: must be a number between 0 and 100 percent'],
    [{ alarmThresholds: { latencyP99Millis: 0 } }, 'S/Obs: invalid alarmThresholds.latencyP99Millis 0: must be a number between 1 and 300000 ms'],
    [{ alarmThresholds: { integrationLatencyP99Millis: 400000 } }, 'S/Obs: invalid alarmThresholds.integrationLatencyP99Millis 400000'],
    [{ alarmThresholds: { evaluationPeriods: 0 } }, 'S/Obs: invalid alarmThresholds.evaluationPeriods 0: must be an integer between 1 and 288'],
    [{ alarmThresholds: { evaluationPeriods: 2.5 } }, 'S/Obs: invalid alarmThresholds.evaluationPeriods 2.5'],
    [{ alarmThresholds: { webSocketErrorsPerPeriod: -3 } }, 'S/Obs: invalid alarmThresholds.webSocketErrorsPerPeriod -3: must be an integer >= 0'],
    [{ logRetention: 42 as logs.RetentionDays }, 'S/Obs: invalid logRetention 42: must be one of'],
  ])('bad props fail clearly: %j', (props, message) => {
    expect(() => new ApiObservability(new Stack(new App(), 'S'), 'Obs', props)).toThrow(message);
  });
});

/**
 * API Gateway reports Latency and IntegrationLatency in milliseconds
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html), so an alarm
 * on them compares the p99 with a threshold in milliseconds, whatever unit the Duration was given in.
 */
describe('rule: latency thresholds are Durations compared in milliseconds', () => {
  function thresholdOf(template: Template, metricName: string): unknown {
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.MetricName === metricName);
    return alarm?.Properties.Threshold;
  }

  test('latencyP99 and integrationLatencyP99 in seconds become millisecond thresholds', () => {
    const { template } = build({ alarmThresholds: { latencyP99: Duration.seconds(1.5), integrationLatencyP99: Duration.millis(900) } });
    expect(thresholdOf(template, 'Latency')).toBe(1500);
    expect(thresholdOf(template, 'IntegrationLatency')).toBe(900);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', AlarmDescription: 'p99 latency of orders/prod over 1500 ms' });
  });

  test('a token is left to deploy time', () => {
    const stack = new Stack(new App(), 'S');
    const ms = new CfnParameter(stack, 'Ms', { type: 'Number' });
    new ApiObservability(stack, 'Obs', { alarmThresholds: { latencyP99: Duration.millis(ms.valueAsNumber) } }).watchRestApi({ apiName: 'a', apiId: 'abc123', stageName: 'prod' });
    expect(thresholdOf(Template.fromStack(stack), 'Latency')).toEqual({ Ref: 'Ms' });
  });

  test.each<[string, AlarmThresholds, AlarmThresholds]>([
    ['latencyP99Millis', { latencyP99Millis: 900 }, { latencyP99: Duration.millis(900) }],
    ['integrationLatencyP99Millis', { integrationLatencyP99Millis: 1200 }, { integrationLatencyP99: Duration.seconds(1.2) }],
  ])('the deprecated %s gives the template of its successor, and warns', (_name, deprecated, successor) => {
    const old = build({ alarmThresholds: deprecated });
    const typed = build({ alarmThresholds: successor });
    expect(old.template.toJSON()).toEqual(typed.template.toJSON());
    Annotations.fromStack(old.stack).hasWarning('/S/Obs', Match.stringLikeRegexp('cdk-apigateway-patterns:DeprecatedProp'));
    Annotations.fromStack(typed.stack).hasNoWarning('*', Match.stringLikeRegexp('cdk-apigateway-patterns:DeprecatedProp'));
  });

  test('the defaults are 2,500 and 2,000 ms, as before', () => {
    const { template } = build();
    expect(thresholdOf(template, 'Latency')).toBe(2500);
    expect(thresholdOf(template, 'IntegrationLatency')).toBe(2000);
  });

  test.each<[AlarmThresholds, string]>([
    [{ latencyP99Millis: 900, latencyP99: Duration.millis(900) }, 'S/Obs: invalid alarmThresholds.latencyP99Millis 900: give either alarmThresholds.latencyP99 or the deprecated alarmThresholds.latencyP99Millis, not both'],
    [{ integrationLatencyP99Millis: 900, integrationLatencyP99: Duration.millis(900) }, 'S/Obs: invalid alarmThresholds.integrationLatencyP99Millis 900: give either alarmThresholds.integrationLatencyP99 or the deprecated alarmThresholds.integrationLatencyP99Millis, not both'],
    [{ latencyP99: Duration.millis(0) }, 'S/Obs: invalid alarmThresholds.latencyP99 0 millis: must be between 0.001 and 300 seconds'],
    [{ latencyP99: Duration.minutes(6) }, 'S/Obs: invalid alarmThresholds.latencyP99 6 minutes: must be between 0.001 and 300 seconds'],
    [{ integrationLatencyP99: Duration.millis(0.5) }, 'S/Obs: invalid alarmThresholds.integrationLatencyP99 0.5 millis: must be between 0.001 and 300 seconds'],
  ])('bad or conflicting thresholds fail clearly: %#', (alarmThresholds, message) => {
    expect(() => new ApiObservability(new Stack(new App(), 'S'), 'Obs', { alarmThresholds })).toThrow(message);
  });
});

describe('ApiGatewayAccountLogging', () => {
  test('is created once per app and environment, with a customer-managed policy and no AWS managed policy', () => {
    const app = new App();
    const env = { account: '111111111111', region: 'eu-west-1' };
    const a = new Stack(app, 'A', { env });
    const b = new Stack(app, 'B', { env });
    const first = ApiGatewayAccountLogging.of(a);
    expect(ApiGatewayAccountLogging.of(a)).toBe(first);
    expect(ApiGatewayAccountLogging.of(b)).toBe(first);
    const template = Template.fromStack(a);
    template.resourceCountIs('AWS::ApiGateway::Account', 1);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [{ Ref: Match.stringLikeRegexp('ApiGatewayAccountLoggingPolicy') }],
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: Match.arrayWith(['logs:PutLogEvents']), Effect: 'Allow' })] },
    });
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toContain('AmazonAPIGatewayPushToCloudWatchLogs');
    expect(Template.fromStack(b).toJSON().Resources ?? {}).toEqual({});
  });

  test('a stack in another region gets its own; a second explicit instance in the same environment throws', () => {
    const app = new App();
    const eu = new Stack(app, 'Eu', { env: { account: '111111111111', region: 'eu-west-1' } });
    const us = new Stack(app, 'Us', { env: { account: '111111111111', region: 'us-east-1' } });
    expect(ApiGatewayAccountLogging.of(eu)).not.toBe(ApiGatewayAccountLogging.of(us));
    expect(() => new ApiGatewayAccountLogging(eu, 'Again')).toThrow(
      'Eu/Again: invalid ApiGatewayAccountLogging: the app already has one for environment 111111111111/eu-west-1 at Eu/ApiGatewayAccountLogging',
    );
  });
});
