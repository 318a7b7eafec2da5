/**
 * A local stand-in for Amazon SQS on 127.0.0.1: enough of the JSON protocol the AWS SDK v3 speaks
 * (`x-amz-target: AmazonSQS.SendMessage` / `SendMessageBatch`, `application/x-amz-json-1.0`) to accept messages,
 * answering `MD5OfMessageBody` (hex MD5 of the body, which the SDK verifies), and hands them back as the records
 * of a Lambda SQS event.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

export interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentTimestamp: number;
  readonly queueUrl: string;
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

export class SqsStub {
  public readonly messages: QueuedMessage[] = [];
  /** Requests by `x-amz-target`. */
  public readonly calls: string[] = [];
  private server!: http.Server;

  constructor(public readonly queueName: string) {}

  public get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public get queueUrl(): string {
    return `${this.endpoint}/${ACCOUNT}/${this.queueName}`;
  }

  public get queueArn(): string {
    return `arn:aws:sqs:${REGION}:${ACCOUNT}:${this.queueName}`;
  }

  public async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        this.calls.push(target);
        let input: any;
        try {
          input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return this.reply(res, 400, { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: 'body is not JSON' });
        }
        if (input.QueueUrl !== this.queueUrl) return this.reply(res, 400, { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'no such queue' });
        if (target === 'AmazonSQS.SendMessage') return this.reply(res, 200, this.accept(input.MessageBody));
        if (target === 'AmazonSQS.SendMessageBatch') {
          const entries = (input.Entries ?? []) as Array<{ Id: string; MessageBody: string }>;
          return this.reply(res, 200, { Successful: entries.map((e) => ({ Id: e.Id, ...this.accept(e.MessageBody) })), Failed: [] });
        }
        this.reply(res, 400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: `${target} is not supported by the stub` });
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
  }

  public async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Lambda SQS events of up to `batchSize` records for the given messages (as the event source mapping delivers). */
  public events(messages: QueuedMessage[] = this.messages, batchSize: number = 5): SQSEvent[] {
    const events: SQSEvent[] = [];
    for (let i = 0; i < messages.length; i += batchSize) events.push({ Records: messages.slice(i, i + batchSize).map((m) => this.record(m)) });
    return events;
  }

  /** One SQS record, in the shape Lambda passes it. */
  public record(m: QueuedMessage): SQSRecord {
    return {
      messageId: m.messageId,
      receiptHandle: randomBytes(64).toString('base64'),
      body: m.body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(m.sentTimestamp),
        SenderId: 'AROAEXAMPLEID:chat-handler',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: md5(m.body),
      eventSource: 'aws:sqs',
      eventSourceARN: this.queueArn,
      awsRegion: REGION,
    };
  }

  private accept(body: unknown): { MessageId: string; MD5OfMessageBody: string } {
    if (typeof body !== 'string' || body.length === 0) throw new Error('MessageBody is required');
    const message = { messageId: randomUUID(), body, sentTimestamp: Date.now(), queueUrl: this.queueUrl };
    this.messages.push(message);
    return { MessageId: message.messageId, MD5OfMessageBody: md5(body) };
  }

  private reply(res: http.ServerResponse, status: number, payload: unknown): void {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() }).end(JSON.stringify(payload));
  }
}
