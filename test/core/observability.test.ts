import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ApiObservability, ApiGatewayAccountLogging } from '../../src';

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
