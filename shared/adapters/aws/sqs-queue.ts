import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type SQSClientConfig,
} from "@aws-sdk/client-sqs";
import type { Queue, QueueMessage, ReceiveOptions } from "../../ports/queue";
import { dlqName } from "../../ports/queue";

// Queue on the SQS API: AWS SQS or ElasticMQ (endpoint). Topology names map to physical queues by a
// prefix (on-prem) or by explicit URLs (SST links on AWS). Redrive to `<queue>-dlq` is the queue's
// own RedrivePolicy (set by `ensureQueues` or the stacks); a queue that lacks one is redriven here,
// with the same rule: a message received more than maxReceives times goes to the DLQ.

export interface SqsQueueOptions {
  client?: SQSClient;
  clientConfig?: SQSClientConfig;
  /** Physical name = prefix + topology name. */
  prefix?: string;
  /** Topology name → queue URL (wins over the prefix lookup). */
  urls?: Record<string, string>;
}

export interface QueueSpec {
  name: string;
  visibilityTimeoutSeconds?: number;
  maxReceives?: number;
}

const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;
const MAX_VISIBILITY = 43_200;

const code = (e: unknown) => (e as { name?: string; Code?: string })?.name ?? (e as { Code?: string })?.Code ?? "";
/** A receipt that no longer names an in-flight delivery: like a stale receipt in the embedded queue, nothing happens. */
const isStaleReceipt = (e: unknown) => /ReceiptHandleIsInvalid|MessageNotInflight|InvalidParameterValue/i.test(code(e));

export class SqsQueue implements Queue {
  readonly name = "sqs";
  readonly client: SQSClient;
  private readonly prefix: string;
  private readonly urls = new Map<string, Promise<string>>();

  constructor({ client, clientConfig, prefix = "", urls = {} }: SqsQueueOptions = {}) {
    this.client = client ?? new SQSClient({ ...clientConfig });
    this.prefix = prefix;
    for (const [name, url] of Object.entries(urls)) this.urls.set(name, Promise.resolve(url));
  }

  /** The URL of a topology queue (looked up once, then cached; a failed lookup is retried next time). */
  url(queue: string): Promise<string> {
    let p = this.urls.get(queue);
    if (!p) {
      p = this.client.send(new GetQueueUrlCommand({ QueueName: this.prefix + queue })).then((r) => r.QueueUrl!);
      p.catch(() => this.urls.delete(queue));
      this.urls.set(queue, p);
    }
    return p;
  }

  async send(queue: string, body: string, opts: { delaySeconds?: number; attributes?: Record<string, string> } = {}): Promise<string> {
    const out = await this.client.send(
      new SendMessageCommand({
        QueueUrl: await this.url(queue),
        MessageBody: body,
        DelaySeconds: opts.delaySeconds,
        MessageAttributes: toAttributes(opts.attributes),
      }),
    );
    return out.MessageId!;
  }

  /** Split into SQS batches (10 entries, 256 KiB); entries SQS refuses are retried once, then it throws. */
  async sendBatch(queue: string, bodies: string[]): Promise<string[]> {
    const url = await this.url(queue);
    const ids: string[] = new Array(bodies.length);
    for (const group of groups(bodies)) {
      let pending = group;
      for (let attempt = 0; pending.length; attempt++) {
        const out = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: pending.map((i) => ({ Id: String(i), MessageBody: bodies[i] })),
          }),
        );
        for (const ok of out.Successful ?? []) ids[Number(ok.Id)] = ok.MessageId!;
        const failed = out.Failed ?? [];
        if (failed.length && (attempt >= 1 || failed.some((f) => f.SenderFault))) {
          throw new Error(
            `SQS refused ${failed.length} of ${pending.length} messages for ${queue}: ${failed.map((f) => `${f.Code}: ${f.Message}`).join("; ")}`,
          );
        }
        pending = failed.map((f) => Number(f.Id));
      }
    }
    return ids;
  }

  async receive(queue: string, opts: ReceiveOptions): Promise<QueueMessage[]> {
    const url = await this.url(queue);
    const out: QueueMessage[] = [];
    let wait = Math.min(20, Math.max(0, Math.round(opts.waitSeconds ?? 0)));
    while (out.length < opts.maxMessages) {
      const res = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, opts.maxMessages - out.length),
          VisibilityTimeout: Math.min(MAX_VISIBILITY, opts.visibilityTimeoutSeconds),
          WaitTimeSeconds: wait,
          MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
          MessageAttributeNames: ["All"],
        }),
      );
      const got = res.Messages ?? [];
      if (!got.length) break;
      for (const m of got) {
        const receiveCount = Number(m.Attributes?.ApproximateReceiveCount ?? 1);
        if (opts.maxReceives && receiveCount > opts.maxReceives) {
          await this.redrive(queue, m.Body ?? "", m.ReceiptHandle!);
          continue;
        }
        out.push({
          id: m.MessageId!,
          receiptHandle: m.ReceiptHandle!,
          body: m.Body ?? "",
          receiveCount,
          sentAt: new Date(Number(m.Attributes?.SentTimestamp ?? Date.now())).toISOString(),
          attributes: fromAttributes(m.MessageAttributes),
        });
      }
      wait = 0; // fill the rest of the batch with what is already there
      if (got.length < 10) break;
    }
    return out;
  }

  /** Client-side redrive for queues without a RedrivePolicy: copy to the DLQ, then delete. */
  private async redrive(queue: string, body: string, receiptHandle: string) {
    await this.send(dlqName(queue), body);
    await this.delete(queue, receiptHandle);
  }

  async delete(queue: string, receiptHandle: string): Promise<void> {
    try {
      await this.client.send(new DeleteMessageCommand({ QueueUrl: await this.url(queue), ReceiptHandle: receiptHandle }));
    } catch (e) {
      if (!isStaleReceipt(e)) throw e;
    }
  }

  async changeVisibility(queue: string, receiptHandle: string, seconds: number): Promise<void> {
    try {
      await this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: await this.url(queue),
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: Math.max(0, Math.min(MAX_VISIBILITY, Math.round(seconds))),
        }),
      );
    } catch (e) {
      if (!isStaleReceipt(e)) throw e;
    }
  }

  async depth(queue: string): Promise<{ visible: number; inFlight: number }> {
    const res = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: await this.url(queue),
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
      }),
    );
    const a = res.Attributes ?? {};
    return {
      visible: Number(a.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  /**
   * Creates each queue and its `<queue>-dlq` with a RedrivePolicy (idempotent: same attributes,
   * same queue). For on-prem first start and tests; on AWS the stacks create them.
   */
  async ensureQueues(specs: QueueSpec[]): Promise<void> {
    for (const q of specs) {
      const dlq = await this.client.send(
        new CreateQueueCommand({ QueueName: this.prefix + dlqName(q.name), Attributes: { MessageRetentionPeriod: "1209600" } }),
      );
      this.urls.set(dlqName(q.name), Promise.resolve(dlq.QueueUrl!));
      const arn = (await this.client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }))).Attributes?.QueueArn;
      const attrs: Record<string, string> = {};
      if (q.visibilityTimeoutSeconds) attrs.VisibilityTimeout = String(q.visibilityTimeoutSeconds);
      if (q.maxReceives && arn) attrs.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: q.maxReceives });
      const main = await this.client.send(new CreateQueueCommand({ QueueName: this.prefix + q.name, Attributes: attrs }));
      this.urls.set(q.name, Promise.resolve(main.QueueUrl!));
    }
  }
}

/** Consecutive groups of indexes that fit one SendMessageBatch. */
function groups(bodies: string[]): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  let bytes = 0;
  bodies.forEach((b, i) => {
    const size = Buffer.byteLength(b);
    if (size > MAX_BATCH_BYTES) throw new Error(`message ${i} is ${size} bytes; SQS takes at most ${MAX_BATCH_BYTES}`);
    if (cur.length && (cur.length >= MAX_BATCH_ENTRIES || bytes + size > MAX_BATCH_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(i);
    bytes += size;
  });
  if (cur.length) out.push(cur);
  return out;
}

function toAttributes(attrs?: Record<string, string>) {
  if (!attrs || !Object.keys(attrs).length) return undefined;
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, { DataType: "String", StringValue: v }]));
}

function fromAttributes(attrs?: Record<string, { StringValue?: string }>) {
  if (!attrs || !Object.keys(attrs).length) return undefined;
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, v.StringValue ?? ""]));
}
