import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { logger } from "../shared/observability/logger";
import type { Queue, QueueMessage } from "../shared/ports/queue";
import type { QueueTrigger } from "../shared/topology";
import { sleep } from "../shared/util/time";
import type { LambdaHandler } from "./handlers";
import { lambdaContext, withTimeout } from "./lambda-context";

// Lambda's SQS event-source mapping, for the host: long-poll a batch, invoke the handler with an
// SQSEvent, delete the records that succeeded, leave the failed ones (batchItemFailures, or all of
// them if the handler threw) to reappear after a backoff; the queue moves a message to its DLQ
// once it has been received maxReceives times.

export interface PollerOptions {
  name: string;
  queue: Queue;
  trigger: QueueTrigger;
  timeoutSeconds: number;
  concurrency: number;
  handler: () => Promise<LambdaHandler>;
  /** Long-poll wait per receive, seconds. */
  waitSeconds?: number;
  /** Seconds before a failed record is visible again, by receive count (capped by the visibility timeout). */
  retryDelaySeconds?: (receiveCount: number) => number;
}

export class QueuePoller {
  private running = false;
  private workers: Promise<void>[] = [];
  /** Batches handled (for tests and health). */
  stats = { batches: 0, succeeded: 0, failed: 0 };

  constructor(private readonly opts: PollerOptions) {}

  start() {
    this.running = true;
    for (let i = 0; i < this.opts.concurrency; i++) this.workers.push(this.loop());
  }

  async stop() {
    this.running = false;
    await Promise.all(this.workers);
    this.workers = [];
  }

  private async loop() {
    const { queue, trigger } = this.opts;
    while (this.running) {
      let messages: QueueMessage[] = [];
      try {
        messages = await queue.receive(trigger.queue, {
          maxMessages: trigger.batchSize, visibilityTimeoutSeconds: trigger.visibilityTimeoutSeconds, waitSeconds: this.opts.waitSeconds ?? 1, maxReceives: trigger.maxReceives,
        });
      } catch (err) {
        logger.error("receive failed", { queue: trigger.queue, error: err as Error });
        await sleep(1000);
        continue;
      }
      if (messages.length) await this.invoke(messages);
    }
  }

  async invoke(messages: QueueMessage[]) {
    const { queue, trigger, name, timeoutSeconds } = this.opts;
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, trigger.queue)) };
    let failed: Set<string>;
    // While the handler runs, keep the batch invisible so no other worker picks it up.
    const heartbeat = setInterval(() => {
      for (const m of messages) void queue.changeVisibility(trigger.queue, m.receiptHandle, trigger.visibilityTimeoutSeconds).catch(() => undefined);
    }, Math.max(50, (trigger.visibilityTimeoutSeconds * 1000) / 2));
    try {
      const handler = await this.opts.handler();
      const res = (await withTimeout(handler(event, lambdaContext(name, timeoutSeconds)), timeoutSeconds, name)) as SQSBatchResponse | undefined;
      failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (err) {
      logger.error("batch failed", { function: name, error: err as Error });
      failed = new Set(messages.map((m) => m.id));
    } finally {
      clearInterval(heartbeat);
    }
    this.stats.batches++;
    for (const m of messages) {
      if (failed.has(m.id)) {
        this.stats.failed++;
        const delay = Math.min(trigger.visibilityTimeoutSeconds, (this.opts.retryDelaySeconds ?? defaultRetryDelay)(m.receiveCount));
        await queue.changeVisibility(trigger.queue, m.receiptHandle, delay).catch(() => undefined);
      } else {
        this.stats.succeeded++;
        await queue.delete(trigger.queue, m.receiptHandle);
      }
    }
  }
}

const defaultRetryDelay = (receiveCount: number) => Math.min(60, 2 ** receiveCount);

function toRecord(m: QueueMessage, queue: string): SQSRecord {
  return {
    messageId: m.id,
    receiptHandle: m.receiptHandle,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(Date.parse(m.sentAt)),
      SenderId: "ragline-host",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: `arn:ragline:sqs:local:000000000000:${queue}`,
    awsRegion: "local",
  };
}
