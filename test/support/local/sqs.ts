/**
 * A local stand-in for Amazon SQS and Lambda's SQS event source mappings, from the assembly: every
 * `AWS::SQS::Queue` gets a queue (URL `http://127.0.0.1:{port}/{account}/{name}`), with its visibility timeout
 * and redrive policy; every `AWS::Lambda::EventSourceMapping` from a queue polls it and invokes its function
 * with batches of up to `BatchSize` records. With `ReportBatchItemFailures`, the `batchItemFailures` of the
 * response return to the queue; an invocation error returns the whole batch. A message received
 * `maxReceiveCount` times moves to the dead-letter queue.
 *
 * The SDK's JSON protocol (`x-amz-target: AmazonSQS.SendMessage` / `SendMessageBatch`), SigV4-signed by a
 * local function whose role must allow the action on the queue ARN.
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (event shape, batch item failures,
 * visibility), https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { TemplateResource } from './assembly';
import { NotModelled } from './intrinsics';
import { IssuedCredential, checkSignature } from './sigv4';

export interface LocalMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentTimestamp: number;
  receiveCount: number;
  visibleAt: number;
}

export interface LocalQueue {
  readonly resource: TemplateResource;
  readonly name: string;
  readonly arn: string;
  readonly url: string;
  readonly visibilityTimeoutSeconds: number;
  readonly redrive?: { readonly deadLetterTargetArn: string; readonly maxReceiveCount: number };
  readonly messages: LocalMessage[];
  /** Every message ever sent (for assertions). */
  readonly sent: LocalMessage[];
}

/** The function an event source mapping invokes. */
export interface MappingTarget {
  invoke(event: unknown): Promise<{ result?: any; error?: { errorType: string; errorMessage: string } }>;
}

export interface EventSourceMapping {
  readonly queue: LocalQueue;
  readonly target: MappingTarget;
  readonly batchSize: number;
  readonly reportBatchItemFailures: boolean;
  /** Batches in flight at most (Lambda starts with 5 concurrent pollers). */
  readonly concurrency: number;
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

export class LocalSqs {
  public readonly queues = new Map<string, LocalQueue>();
  public readonly calls: string[] = [];
  private readonly mappings: EventSourceMapping[] = [];
  private server!: http.Server;
  private timer?: NodeJS.Timeout;
  private inFlight = 0;
  private closed = false;

  constructor(
    private readonly region: string,
    private readonly credentials: ReadonlyMap<string, IssuedCredential>,
    /** Whether a credential's role allows an action on a resource. */
    private readonly allows: (credential: IssuedCredential, action: string, resource: string) => boolean,
    /** Visibility timeouts are multiplied by this (tests shorten them). */
    private readonly timeScale: number = 1,
  ) {}

  public get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.timer = setInterval(() => this.poll(), 20);
  }

  /** Declares a queue of the template (before start: URLs need the port, so call after start). */
  public addQueue(resource: TemplateResource, name: string, arn: string, redrive?: LocalQueue['redrive']): LocalQueue {
    const p = resource.properties;
    if (p.FifoQueue) throw new NotModelled(`${resource.stack.path}/${resource.logicalId}`, 'a FIFO queue');
    const queue: LocalQueue = {
      resource,
      name,
      arn,
      url: `${this.endpoint}/${arn.split(':')[4]}/${name}`,
      visibilityTimeoutSeconds: Number(p.VisibilityTimeout ?? 30),
      redrive,
      messages: [],
      sent: [],
    };
    this.queues.set(arn, queue);
    return queue;
  }

  public addMapping(mapping: EventSourceMapping): void {
    this.mappings.push(mapping);
  }

  /** Resolves when no message is visible or in flight on any mapped queue (bounded). */
  public async drained(timeoutMs: number = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.inFlight > 0 || this.mappings.some((m) => m.queue.messages.some((msg) => msg.visibleAt <= Date.now()))) {
      if (Date.now() > end) throw new Error('local SQS: queues not drained in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  public async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private poll(): void {
    for (const m of this.mappings) {
      while (!this.closed && this.inFlight < m.concurrency * this.mappings.length) {
        const now = Date.now();
        const batch = m.queue.messages.filter((msg) => msg.visibleAt <= now).slice(0, m.batchSize);
        if (batch.length === 0) break;
        for (const msg of batch) {
          msg.receiveCount += 1;
          msg.visibleAt = now + m.queue.visibilityTimeoutSeconds * 1000 * this.timeScale;
        }
        this.inFlight += 1;
        void this.deliver(m, batch).finally(() => (this.inFlight -= 1));
      }
    }
  }

  private async deliver(m: EventSourceMapping, batch: LocalMessage[]): Promise<void> {
    const event = { Records: batch.map((msg) => this.record(m.queue, msg)) };
    const out = await m.target.invoke(event);
    let failed: Set<string>;
    if (out.error) {
      failed = new Set(batch.map((b) => b.messageId));
    } else if (m.reportBatchItemFailures) {
      failed = new Set(((out.result?.batchItemFailures ?? []) as Array<{ itemIdentifier: string }>).map((f) => f.itemIdentifier));
    } else {failed = new Set();}
    for (const msg of batch) {
      if (failed.has(msg.messageId)) {
        if (m.queue.redrive && msg.receiveCount >= m.queue.redrive.maxReceiveCount) {
          this.remove(m.queue, msg);
          this.queues.get(m.queue.redrive.deadLetterTargetArn)?.messages.push({ ...msg, receiveCount: 0, visibleAt: 0 });
        }
        continue; // it becomes visible again after the visibility timeout
      }
      this.remove(m.queue, msg);
    }
  }

  private remove(queue: LocalQueue, msg: LocalMessage): void {
    const i = queue.messages.indexOf(msg);
    if (i >= 0) queue.messages.splice(i, 1);
  }

  private record(queue: LocalQueue, m: LocalMessage) {
    return {
      messageId: m.messageId,
      receiptHandle: randomBytes(32).toString('base64'),
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentTimestamp),
        SenderId: 'AROALOCAL:local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: md5(m.body),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: this.region,
    };
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void this.handle(req, Buffer.concat(chunks)).then(([status, payload]) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() }).end(JSON.stringify(payload));
      });
    });
  }

  private async handle(req: http.IncomingMessage, body: Buffer): Promise<[number, unknown]> {
    const target = String(req.headers['x-amz-target'] ?? '');
    this.calls.push(target);
    const signature = await checkSignature(req, body, { service: 'sqs', region: this.region }, this.credentials);
    if ('refused' in signature) return [403, { __type: 'com.amazonaws.sqs#InvalidSecurity', message: signature.refused }];
    let input: any;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return [400, { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: 'body is not JSON' }];
    }
    const queue = [...this.queues.values()].find((q) => q.url === input.QueueUrl);
    if (!queue) return [400, { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: `no queue ${input.QueueUrl}` }];
    const action = target.replace(/^AmazonSQS\./, '');
    // SendMessageBatch is authorized as sqs:SendMessage (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html).
    const iamAction = `sqs:${action === 'SendMessageBatch' ? 'SendMessage' : action}`;
    if (!this.allows(signature.credential, iamAction, queue.arn)) {
      return [400, { __type: 'com.amazonaws.sqs#AccessDenied', message: `${signature.credential.owner} is not authorized to perform ${iamAction} on ${queue.arn}` }];
    }
    const entries = (action === 'SendMessage' ? [{ Id: '', MessageBody: input.MessageBody }] : input.Entries ?? []) as Array<{ Id: string; MessageBody: unknown }>;
    if (action === 'SendMessage' || action === 'SendMessageBatch') {
      if (entries.length === 0 || entries.length > 10) return [400, { __type: 'com.amazonaws.sqs#TooManyEntriesInBatchRequest', message: 'between 1 and 10 entries' }];
      // A message body is 1 byte to 1 MiB (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html).
      if (entries.some((e) => typeof e.MessageBody !== 'string' || e.MessageBody.length === 0 || Buffer.byteLength(e.MessageBody) > 1_048_576)) {
        return [400, { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: 'MessageBody must be 1 byte to 1 MiB' }];
      }
      const accepted = entries.map((e) => ({ Id: e.Id, ...this.accept(queue, e.MessageBody as string) }));
      return [200, action === 'SendMessage' ? { MessageId: accepted[0].MessageId, MD5OfMessageBody: accepted[0].MD5OfMessageBody } : { Successful: accepted, Failed: [] }];
    }
    return [400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: `${target} is not modelled by the local SQS` }];
  }

  private accept(queue: LocalQueue, text: string): { MessageId: string; MD5OfMessageBody: string } {
    const message: LocalMessage = { messageId: randomUUID(), body: text, sentTimestamp: Date.now(), receiveCount: 0, visibleAt: 0 };
    queue.messages.push(message);
    queue.sent.push(message);
    return { MessageId: message.messageId, MD5OfMessageBody: md5(text) };
  }
}
