/**
 * The fan-out queue of WebSocketChatApi: KMS-encrypted, TLS only, a dead-letter queue that only this queue may use,
 * a visibility timeout derived from the worker's timeout, and a policy that refuses every sender but the chat's
 * own roles. Internal.
 */
import { createHash } from 'node:crypto';
import { Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createDeadLetterQueue } from '../core/private/functions';

/**
 * Lambda's SQS guidance: "set the source queue's visibility timeout to at least six times the timeout that you
 * configure on your function", so that a batch being retried after throttling is not redelivered meanwhile
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
 */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** Receives before a job moves to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 3;

/**
 * A queue name that is known before the queue exists (SQS: 1-80 letters, digits, `-`, `_`), unique per stack and
 * construct path, so the dead-letter queue can name its one source queue without a reference cycle (the source
 * queue's RedrivePolicy already references the dead-letter queue).
 */
export function fanOutQueueName(scope: Construct): string {
  const stack = Stack.of(scope);
  const prefix = Token.isUnresolved(stack.stackName) ? '' : `${stack.stackName}-`;
  const name = `${prefix}${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}-fanout`.replace(/[^A-Za-z0-9_-]/g, '-');
  if (name.length <= 80) return name;
  return `${name.slice(0, 71)}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

export interface FanOutQueues {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
}

/** The queue and its dead-letter queue, for a worker whose timeout is `workerTimeout`. */
export function createFanOutQueues(scope: Construct, key: kms.IKey, workerTimeout: Duration): FanOutQueues {
  const queueName = fanOutQueueName(scope);
  const queueArn = Stack.of(scope).formatArn({ service: 'sqs', resource: queueName });
  const deadLetterQueue = createDeadLetterQueue(scope, 'FanOutDlq', key, 'of the fan-out queue');
  // Only the fan-out queue may move messages here (RedriveAllowPolicy byQueue), not every queue of the account.
  (deadLetterQueue.node.defaultChild as sqs.CfnQueue).redriveAllowPolicy = { redrivePermission: 'byQueue', sourceQueueArns: [queueArn] };
  const queue = new sqs.Queue(scope, 'FanOut', {
    queueName,
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    visibilityTimeout: Duration.seconds(workerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
  });
  return { queue, deadLetterQueue };
}

/**
 * Denies `sqs:SendMessage` to every principal but `senders`: jobs name rooms and connections to post to, so
 * nobody else, not even an administrator of the account, may enqueue one. `aws:PrincipalArn` is the role's ARN
 * for its sessions; the key is absent for service principals, which the negated operator then denies too
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
 */
export function restrictSenders(queue: sqs.Queue, senders: iam.IRole[]): void {
  queue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyTheChatFunctionsSend',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': senders.map((r) => r.roleArn) } },
    }),
  );
}
