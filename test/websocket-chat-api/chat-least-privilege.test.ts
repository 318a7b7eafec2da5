/**
 * Issue 10 items 7 and 15 on the template: who may write to the fan-out queue, which queue may use its dead-letter
 * queue, and the exact actions each chat function holds.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { build, grantedActions, logicalId, resources } from './support';
import { ApiAuthorization, WebSocketChatApi } from '../../src';
import { newStack } from '../support/fixtures';

const SERVICES = ['dynamodb', 'sqs', 'kms', 'execute-api', 'lambda'];

describe('exact permissions per function (issue 10 item 15)', () => {
  const { json } = build();
  const table = logicalId(json, 'AWS::DynamoDB::Table', 'ChatConnections');
  const queue = logicalId(json, 'AWS::SQS::Queue', 'ChatFanOut');
  const key = logicalId(json, 'AWS::KMS::Key', 'ChatObservabilityKey');
  const arn = (id: string) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] });
  const index = (name: string) => JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, `/index/${name}`]] });
  const connections = (method: string) => expect.stringContaining(`/prod/${method}/@connections/*`);

  test('connection lifecycle: write its own item, count a user\'s connections, decrypt the table; nothing else', () => {
    expect(grantedActions(json, 'ChatConnectionHandlerRole', SERVICES)).toEqual({
      'dynamodb:UpdateItem': [arn(table)],
      'dynamodb:DeleteItem': [arn(table)],
      'dynamodb:Query': [index('user-index')],
      'kms:Decrypt': [arn(key)],
    });
  });

  test('message routes: items, room queries, enqueue fan-out jobs, POST to connections', () => {
    expect(grantedActions(json, 'ChatChatHandlerRole', SERVICES)).toEqual({
      'dynamodb:GetItem': [arn(table)],
      'dynamodb:UpdateItem': [arn(table)],
      'dynamodb:DeleteItem': [arn(table)],
      'dynamodb:Query': [index('room-index')],
      'sqs:SendMessage': [arn(queue)],
      'kms:Decrypt': [arn(key)],
      'kms:GenerateDataKey': [arn(key)],
      'execute-api:ManageConnections': [connections('POST')],
    });
  });

  test('fan-out worker: consume its queue, delete stale items, page rooms, re-enqueue continuations, POST; no GetItem/UpdateItem', () => {
    const granted = grantedActions(json, 'ChatFanOutHandlerRole', SERVICES);
    expect(granted).toEqual({
      'sqs:ReceiveMessage': [arn(queue)],
      'sqs:ChangeMessageVisibility': [arn(queue)],
      'sqs:GetQueueUrl': [arn(queue)],
      'sqs:DeleteMessage': [arn(queue)],
      'sqs:GetQueueAttributes': [arn(queue)],
      'sqs:SendMessage': [arn(queue)],
      'dynamodb:DeleteItem': [arn(table)],
      'dynamodb:Query': [index('room-index')],
      'kms:Decrypt': [arn(key), arn(key)],
      'kms:GenerateDataKey': [arn(key)],
      'execute-api:ManageConnections': [connections('POST')],
    });
  });

  test('no function may GET or DELETE connections (only grantManageConnections gives that)', () => {
    const policies = JSON.stringify(resources(json, 'AWS::IAM::ManagedPolicy'));
    expect(policies).not.toContain('/GET/@connections');
    expect(policies).not.toContain('/DELETE/@connections');
  });
});

describe('the fan-out queue admits only the chat functions as senders (issue 10 item 7)', () => {
  const { json } = build();
  const queue = logicalId(json, 'AWS::SQS::Queue', 'ChatFanOut');
  const policy = resources(json, 'AWS::SQS::QueuePolicy').find(([, p]) => p.Properties.Queues[0].Ref === queue)![1];

  test('SendMessage is denied to every principal whose ARN is not the message or fan-out role', () => {
    const deny = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'OnlyTheChatFunctionsSend');
    expect(deny).toEqual({
      Sid: 'OnlyTheChatFunctionsSend',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
      Condition: {
        ArnNotEquals: {
          'aws:PrincipalArn': [
            { 'Fn::GetAtt': [logicalId(json, 'AWS::IAM::Role', 'ChatChatHandlerRole'), 'Arn'] },
            { 'Fn::GetAtt': [logicalId(json, 'AWS::IAM::Role', 'ChatFanOutHandlerRole'), 'Arn'] },
          ],
        },
      },
    });
  });

  test('the connection function, which never enqueues, is not among the senders', () => {
    expect(JSON.stringify(policy)).not.toContain(logicalId(json, 'AWS::IAM::Role', 'ChatConnectionHandlerRole'));
  });
});

describe('the dead-letter queue accepts only the fan-out queue (issue 10 item 15)', () => {
  test('RedriveAllowPolicy byQueue names exactly the fan-out queue, whose RedrivePolicy targets it', () => {
    const { json } = build();
    const queue = json.Resources[logicalId(json, 'AWS::SQS::Queue', 'ChatFanOut')];
    const dlqId = logicalId(json, 'AWS::SQS::Queue', 'ChatFanOutDlq');
    expect(queue.Properties.RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': [dlqId, 'Arn'] });
    const allow = json.Resources[dlqId].Properties.RedriveAllowPolicy;
    expect(allow.redrivePermission).toBe('byQueue');
    // The source is named by its (known) queue name: referencing the queue itself would be a cycle.
    expect(allow.sourceQueueArns).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sqs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${queue.Properties.QueueName}`]] },
    ]);
    expect((queue.Properties.QueueName as string).length).toBeLessThanOrEqual(80);
    expect(queue.Properties.QueueName).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test('two chats in one stack get different queue names', () => {
    const stack = newStack();
    new WebSocketChatApi(stack, 'One', { authorization: ApiAuthorization.iam() });
    new WebSocketChatApi(stack, 'Two', { authorization: ApiAuthorization.iam() });
    const names = Object.values(Template.fromStack(stack).findResources('AWS::SQS::Queue')).map((q) => q.Properties.QueueName).filter(Boolean);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
  });
});
