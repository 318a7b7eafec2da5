/**
 * Deploy-time rules of ApiObservability and ApiGatewayAccountLogging: alarm notifications can be delivered, log
 * group names never collide with a group retained from an earlier deployment, access-log lines stay JSON, and the
 * account logging setting exists in every environment a stack can be deployed to.
 */
import { App, NestedStack, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ApiGatewayAccountLogging, ApiObservability, ApiObservabilityProps } from '../../src';
import { alarmDeliveryProblems, retainedLogGroupsWithFixedNames, subscriptionDeadLetterProblems } from '../support/deploy-rules';

function watched(props: ApiObservabilityProps = {}, apiId = 'abc1234567') {
  const stack = new Stack(new App(), 'S');
  const obs = new ApiObservability(stack, 'Obs', props);
  obs.watchRestApi({ apiName: 'orders', apiId, stageName: 'prod' });
  return { stack, obs, template: Template.fromStack(stack) };
}

const WARNING = (id: string) => Match.stringLikeRegexp(`cdk-apigateway-patterns:${id}`);

describe('rule: CloudWatch may publish to every alarm topic (a topic policy replaces the default policy)', () => {
  test('a topic whose policy holds only the TLS Deny, and a key without CloudWatch, are violations', () => {
    // GIVEN the pre-fix setup: enforceSSL writes a policy with the Deny only; the key does not mention CloudWatch
    const stack = new Stack(new App(), 'S');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const topic = new sns.Topic(stack, 'Topic', { masterKey: key, enforceSSL: true });
    new cloudwatch.Alarm(stack, 'Alarm', {
      metric: new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName: 'Count' }),
      threshold: 1,
      evaluationPeriods: 1,
    }).addAlarmAction(new cwActions.SnsAction(topic));
    // THEN the rule reports both
    expect(alarmDeliveryProblems(Template.fromStack(stack).toJSON())).toEqual([
      expect.stringMatching(/does not allow cloudwatch.amazonaws.com to sns:Publish/),
      expect.stringMatching(/key policy does not let cloudwatch.amazonaws.com use it/),
    ]);
  });

  test('the default topic lets this account\'s alarms publish, and its key lets CloudWatch use it', () => {
    const { template } = watched();
    expect(alarmDeliveryProblems(template.toJSON())).toEqual([]);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', Match.arrayWith([':cloudwatch:', ':alarm:*'])] } },
            },
          }),
        ]),
      },
    });
  });

  test('a given key and topic of the app get the CloudWatch statements', () => {
    const stack = new Stack(new App(), 'S');
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    const topic = new sns.Topic(stack, 'MyTopic', { masterKey: key });
    new ApiObservability(stack, 'Obs', { encryptionKey: key, alarmTopic: topic }).watchRestApi({ apiName: 'a', apiId: 'abc1234567', stageName: 'prod' });
    expect(alarmDeliveryProblems(Template.fromStack(stack).toJSON())).toEqual([]);
  });

  test('a given key for the created topic gets the CloudWatch statement', () => {
    const stack = new Stack(new App(), 'S');
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    new ApiObservability(stack, 'Obs', { encryptionKey: key }).watchRestApi({ apiName: 'a', apiId: 'abc1234567', stageName: 'prod' });
    expect(alarmDeliveryProblems(Template.fromStack(stack).toJSON())).toEqual([]);
  });

  test('an imported topic or key cannot be changed: each warns with an id', () => {
    const stack = new Stack(new App(), 'S');
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new ApiObservability(stack, 'A', { alarmTopic: sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:eu-west-1:111122223333:alarms') });
    new ApiObservability(stack, 'B', { encryptionKey: key });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/S/A', WARNING('AlarmTopicPolicy'));
    annotations.hasWarning('/S/B', WARNING('AlarmTopicKeyPolicy'));
  });
});

describe('a topic alone notifies no one: subscriptions through props', () => {
  test('alarmEmails and alarmSubscriptions subscribe to the topic', () => {
    const stack = new Stack(new App(), 'S');
    const queue = new sqs.Queue(stack, 'Q', { enforceSSL: true });
    new ApiObservability(stack, 'Obs', {
      alarmEmails: ['ops@example.com', 'oncall@example.com'],
      alarmSubscriptions: [new subscriptions.SqsSubscription(queue)],
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SNS::Subscription', 3);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: Match.stringLikeRegexp('ObsAlarmTopic') } });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs' });
  });

  test('rule: e-mail subscriptions have a dead-letter queue SNS may send to and whose key SNS may use', () => {
    // GIVEN a subscription without one (a violation), and the library's (compliant) subscriptions
    const bare = new Stack(new App(), 'Bare');
    new sns.Topic(bare, 'T').addSubscription(new subscriptions.EmailSubscription('ops@example.com'));
    expect(subscriptionDeadLetterProblems(Template.fromStack(bare).toJSON())).toEqual([expect.stringMatching(/no dead-letter queue/)]);
    for (const encryptionKey of [undefined, 'given'] as const) {
      const stack = new Stack(new App(), 'S');
      const key = encryptionKey ? new kms.Key(stack, 'MyKey', { enableKeyRotation: true }) : undefined;
      new ApiObservability(stack, 'Obs', { alarmEmails: ['ops@example.com', 'oncall@example.com'], encryptionKey: key });
      const t = Template.fromStack(stack);
      expect(subscriptionDeadLetterProblems(t.toJSON())).toEqual([]);
      t.resourceCountIs('AWS::SQS::Queue', 1);
      t.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue(), MessageRetentionPeriod: 1209600 });
    }
  });

  test('e-mail subscriptions also work on a given (even imported) topic', () => {
    const stack = new Stack(new App(), 'S');
    new ApiObservability(stack, 'Obs', { alarmTopic: sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:eu-west-1:111122223333:alarms'), alarmEmails: ['ops@example.com'] });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', { TopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms', Protocol: 'email' });
  });

  test.each([
    [['not-an-address'], 'S/Obs: invalid alarmEmails "not-an-address": entries must be e-mail addresses such as ops@example.com'],
    [['a@example.com', 'a@example.com'], 'S/Obs: invalid alarmEmails "a@example.com": must not contain duplicates'],
  ])('bad alarmEmails fail clearly: %j', (alarmEmails, message) => {
    expect(() => new ApiObservability(new Stack(new App(), 'S'), 'Obs', { alarmEmails })).toThrow(message);
  });
});

describe('rule: no retained log group has a name that survives the stack (the next deploy fails with "already exists")', () => {
  test('a retained group with a literal name is a violation', () => {
    const template = { Resources: { G: { Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Retain', Properties: { LogGroupName: 'API-Gateway-Execution-Logs_a1b2c3d4e5/prod' } } } };
    expect(retainedLogGroupsWithFixedNames(template)).toEqual(['G']);
  });

  test('with the API id token, the execution log group keeps API Gateway\'s exact name and changes per deployment', () => {
    const stack = new Stack(new App(), 'S');
    const obs = new ApiObservability(stack, 'Obs');
    const apiId = new sns.Topic(stack, 'StandsInForTheApi').topicName; // any token of a resource in the stack
    obs.watchRestApi({ apiName: 'orders', apiId, stageName: 'prod' });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', Match.anyValue(), '/prod']] } });
    expect(retainedLogGroupsWithFixedNames(t.toJSON())).toEqual([]);
    Annotations.fromStack(stack).hasNoWarning('*', WARNING('ExecutionLogGroupFixedName'));
  });

  test('a literal API id warns with an id; DESTROY or executionLogGroup: false avoid the fixed retained name', () => {
    const literal = watched({}, 'a1b2c3d4e5');
    Annotations.fromStack(literal.stack).hasWarning('/S/Obs', WARNING('ExecutionLogGroupFixedName'));
    expect(retainedLogGroupsWithFixedNames(literal.template.toJSON())).toHaveLength(1);

    const destroyed = watched({ logRemovalPolicy: RemovalPolicy.DESTROY }, 'a1b2c3d4e5');
    Annotations.fromStack(destroyed.stack).hasNoWarning('*', WARNING('ExecutionLogGroupFixedName'));
    expect(retainedLogGroupsWithFixedNames(destroyed.template.toJSON())).toEqual([]);

    const stack = new Stack(new App(), 'S');
    new ApiObservability(stack, 'Obs').watchRestApi({ apiName: 'legacy', apiId: 'a1b2c3d4e5', stageName: 'prod', executionLogGroup: false });
    const t = Template.fromStack(stack);
    expect(Object.values(t.findResources('AWS::Logs::LogGroup')).map((g) => g.Properties.LogGroupName)).toEqual([undefined]);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 4);
  });
});

describe('rule: every access-log line is JSON whatever the substituted values hold', () => {
  /** Substitutes like API Gateway: bare `$context.error.messageString` gets a quoted, escaped string; others raw text. */
  function substitute(format: string, message: string): string {
    return format
      .replace(/\$context\.error\.messageString/g, JSON.stringify(message))
      .replace(/\$context\.[A-Za-z.]+/g, (v) => (v === '$context.error.message' ? message : 'sample-value'));
  }
  const message = 'Invalid "id" \\ value';

  test('the old format with "$context.error.message" breaks on a quote in the message', () => {
    expect(() => JSON.parse(substitute('{"errorMessage":"$context.error.message"}', message))).toThrow();
  });

  test('the REST format parses after substitution and carries the message intact', () => {
    const line = substitute(ApiObservability.restAccessLogFormat().toString(), message);
    const parsed = JSON.parse(line);
    expect(parsed.errorMessage).toBe(message);
    expect(parsed.requestId).toBe('sample-value');
    expect(ApiObservability.restAccessLogFormat().toString()).toContain('"errorMessage":$context.error.messageString');
  });
});

describe('ApiGatewayAccountLogging in environment-agnostic apps', () => {
  test('every environment-agnostic stack gets its own account setting (it may be deployed to any region)', () => {
    const app = new App();
    const a = new Stack(app, 'A');
    const b = new Stack(app, 'B');
    expect(ApiGatewayAccountLogging.of(a)).not.toBe(ApiGatewayAccountLogging.of(b));
    expect(ApiGatewayAccountLogging.of(a)).toBe(ApiGatewayAccountLogging.of(a));
    Template.fromStack(a).resourceCountIs('AWS::ApiGateway::Account', 1);
    Template.fromStack(b).resourceCountIs('AWS::ApiGateway::Account', 1);
  });

  test('a nested stack shares its top-level stack\'s setting; a second instance there throws', () => {
    const app = new App();
    const parent = new Stack(app, 'P');
    const nested = new NestedStack(parent, 'N');
    expect(ApiGatewayAccountLogging.of(nested)).toBe(ApiGatewayAccountLogging.of(parent));
    expect(() => new ApiGatewayAccountLogging(parent, 'Again')).toThrow(
      'P/Again: invalid ApiGatewayAccountLogging: the app already has one for the environment-agnostic stack P at P/N/ApiGatewayAccountLogging',
    );
  });
});
