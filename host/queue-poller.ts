import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { logger } from "../shared/observability/logger";
import { retryDelaySeconds, type Queue, type QueueMessage } from "../shared/ports/queue";
import type { QueueTrigger } from "../shared/topology";
import { sleep } from "../shared/util/time";
import type { LambdaHandler } from "./handlers";
import { InvocationTimeout, lambdaContext, runWithTimeout } from "./lambda-context";

// Lambda's SQS event-source mapping, for the host: long-poll a batch, invoke the handler with an
// SQSEvent, delete the records that succeeded, leave the failed ones (batchItemFailures, or all of
// them if the handler threw) to reappear after a backoff; the queue moves a message to its DLQ
// once it has been received maxReceives times. A failed queue call is retried and logged, never
// fatal: the worst case is a redelivery, which handlers tolerate. A handler past its timeout is
// aborted (context.abortSignal) and fenced: its messages stay leased until it has really stopped.

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
  /**
   * Messages that may not run many at once (a large document's bytes held while it parses): a batch
   * holding one runs only in one of `slots`, first come first served; other batches run beside them
   * up to `concurrency`.
   */
  heavy?: { isHeavy: (m: QueueMessage) => boolean; slots: number };
  /**
   * Loops that keep polling an empty queue (default: `concurrency`). More start, one per batch
   * received, up to `concurrency` while batches keep coming, and stop at their first empty receive
   * (Lambda's pollers scale with the backlog the same way): an idle host does not poll 16 times over.
   */
  idleConcurrency?: number;
}

export class QueuePoller {
  private running = false;
  private readonly workers = new Set<Promise<void>>();
  /** Batches handled (for tests and health). */
  stats = { batches: 0, succeeded: 0, failed: 0, timedOut: 0, queueErrors: 0, running: 0, maxRunning: 0, heavyRunning: 0, maxHeavyRunning: 0 };
  /** Batches waiting for a heavy slot, in arrival order; a finishing one hands its slot to the first. */
  private readonly heavyWaiting: ((admitted: boolean) => void)[] = [];

  /** Loops kept polling an empty queue (see PollerOptions.idleConcurrency). */
  private readonly idleLoops: number;

  constructor(private readonly opts: PollerOptions) {
    this.idleLoops = Math.min(opts.concurrency, opts.idleConcurrency ?? opts.concurrency);
  }

  /** Loops polling now. */
  private loops = 0;
  get pollingLoops(): number {
    return this.loops;
  }

  start() {
    this.running = true;
    for (let i = 0; i < this.idleLoops; i++) this.startLoop();
  }

  private startLoop() {
    this.loops++;
    const loop: Promise<void> = this.loop().finally(() => this.workers.delete(loop));
    this.workers.add(loop);
  }

  async stop() {
    this.running = false;
    // Batches still waiting for a heavy slot are not run (a shutdown must not wait for each in turn).
    for (const waiting of this.heavyWaiting.splice(0)) waiting(false);
    // A handler that ignores its abort must not hold shutdown forever: wait out its timeout, then go
    // (its messages come back after their visibility timeout, or at once to a live instance's sweep).
    const bound = (this.opts.timeoutSeconds + 5) * 1000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.workers]),
      new Promise((r) => {
        timer = setTimeout(r, bound);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  private async loop() {
    const { queue, trigger } = this.opts;
    let receiveFailures = 0;
    // The last batch's deletes and returns, started but not awaited before the next receive: on the
    // embedded queue they commit in the same transaction as the next lease.
    let finishing: Promise<void> = Promise.resolve();
    let retired = false;
    while (this.running) {
      let messages: QueueMessage[] = [];
      const asked = Date.now();
      try {
        messages = await queue.receive(trigger.queue, {
          maxMessages: trigger.batchSize,
          visibilityTimeoutSeconds: trigger.visibilityTimeoutSeconds,
          waitSeconds: this.opts.waitSeconds ?? 1,
          maxReceives: trigger.maxReceives,
        });
        receiveFailures = 0;
      } catch (err) {
        this.stats.queueErrors++;
        receiveFailures++;
        const delay = Math.min(30_000, 250 * 2 ** Math.min(receiveFailures, 7));
        logger.error("receive failed; polling again after a backoff", {
          queue: trigger.queue,
          failures: receiveFailures,
          retryInMs: delay,
          error: err as Error,
        });
        await sleep(delay);
        continue;
      } finally {
        await finishing;
      }
      if (!messages.length && this.loops > this.idleLoops) {
        this.loops--; // counted off at once, so loops retiring together never leave fewer than idleLoops
        retired = true;
        break;
      }
      if (messages.length && this.loops < this.opts.concurrency && this.running) this.startLoop();
      // Nothing a batch does may end the worker (or the process): log and go on polling.
      if (messages.length)
        finishing = (
          await this.handle(messages).catch((err) => {
            logger.error("batch handling failed", { queue: trigger.queue, error: err as Error });
            return { finished: Promise.resolve() };
          })
        ).finished;
      else if (Date.now() - asked < 50) await sleep(50); // a receive that does not wait (waitSeconds 0) must not spin
    }
    if (!retired) this.loops--;
    await finishing;
  }

  /** A queue call retried with backoff; after the last try it is logged and given up (the message is redelivered later). */
  private async queueCall(what: string, call: () => Promise<void>, tries = 4): Promise<boolean> {
    for (let i = 1; ; i++) {
      try {
        await call();
        return true;
      } catch (err) {
        this.stats.queueErrors++;
        if (i >= tries) {
          logger.error(`${what} failed ${tries} times; the message will be redelivered after its visibility timeout`, {
            queue: this.opts.trigger.queue,
            error: err as Error,
          });
          return false;
        }
        logger.warn(`${what} failed; retrying`, { queue: this.opts.trigger.queue, try: i, error: err as Error });
        await sleep(100 * 2 ** i);
      }
    }
  }

  /**
   * Waits for a heavy slot when the batch holds a heavy message; returns what gives it up, or
   * undefined when the poller stopped first (the batch has not run and goes back to the queue).
   */
  private async takeHeavySlot(messages: QueueMessage[]): Promise<(() => void) | undefined> {
    const heavy = this.opts.heavy;
    if (!heavy || !messages.some(heavy.isHeavy)) return () => {};
    if (this.stats.heavyRunning < heavy.slots) this.stats.heavyRunning++;
    else if (!(await new Promise<boolean>((r) => this.heavyWaiting.push(r)))) return undefined; // woken holding the slot handed over, or by stop
    this.stats.maxHeavyRunning = Math.max(this.stats.maxHeavyRunning, this.stats.heavyRunning);
    return () => {
      const next = this.heavyWaiting.shift();
      if (next) next(true);
      else this.stats.heavyRunning--;
    };
  }

  /** Handles a batch, then deletes the records that succeeded and returns the failed ones; resolved once done. */
  async invoke(messages: QueueMessage[]) {
    await (await this.handle(messages)).finished;
  }

  /**
   * Runs the handler on a batch; resolves once it has finished, with `finished`: the batch's deletes
   * and returns, already asked of the queue (all at once: one commit on the embedded queue), which
   * never rejects.
   */
  private async handle(messages: QueueMessage[]): Promise<{ finished: Promise<void> }> {
    const { queue, trigger, name, timeoutSeconds } = this.opts;
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, trigger.queue)) };
    let failed: Set<string>;
    // While the handler runs, keep the batch invisible so no other worker picks it up.
    const heartbeat = setInterval(
      () => {
        for (const m of messages) {
          void queue.changeVisibility(trigger.queue, m.receiptHandle, trigger.visibilityTimeoutSeconds).catch((err) => {
            this.stats.queueErrors++;
            logger.warn("extending a lease failed; the next beat tries again", { queue: trigger.queue, error: err as Error });
          });
        }
      },
      Math.max(50, (trigger.visibilityTimeoutSeconds * 1000) / 2),
    );
    // Admitted before the handler starts (and its timeout counts), leased meanwhile (the heartbeat beats).
    const leaveSlot = await this.takeHeavySlot(messages);
    if (!leaveSlot) {
      // Stopped while it waited: visible again at once, for this host's next start or another host.
      clearInterval(heartbeat);
      const back = messages.map((m) => this.queueCall("returning a message not run", () => queue.changeVisibility(trigger.queue, m.receiptHandle, 0)));
      return { finished: Promise.all(back).then(() => undefined) };
    }
    this.stats.running++;
    this.stats.maxRunning = Math.max(this.stats.maxRunning, this.stats.running);
    try {
      const handler = await this.opts.handler();
      const run = runWithTimeout((signal) => handler(event, lambdaContext(name, timeoutSeconds, signal)) as Promise<unknown>, timeoutSeconds, name);
      try {
        const res = (await run.result) as SQSBatchResponse | undefined;
        failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (err) {
        failed = new Set(messages.map((m) => m.id));
        if (!(err instanceof InvocationTimeout)) throw err;
        // Fence: the handler was told to stop; until it has, its messages stay leased (the
        // heartbeat goes on), so a redelivery cannot run beside it.
        this.stats.timedOut++;
        logger.error("handler past its timeout: aborted; its messages stay leased until it stops", { function: name, timeoutSeconds });
        await run.settled;
      }
    } catch (err) {
      logger.error("batch failed", { function: name, error: err as Error });
      failed = new Set(messages.map((m) => m.id));
    } finally {
      clearInterval(heartbeat);
      this.stats.running--;
      leaveSlot();
    }
    this.stats.batches++;
    const done = messages.map((m) => {
      if (failed.has(m.id)) {
        this.stats.failed++;
        const delay = Math.min(
          trigger.visibilityTimeoutSeconds,
          this.opts.retryDelaySeconds ? this.opts.retryDelaySeconds(m.receiveCount) : retryDelaySeconds(m.receiveCount, trigger.visibilityTimeoutSeconds),
        );
        return this.queueCall("returning a failed message", () => queue.changeVisibility(trigger.queue, m.receiptHandle, delay));
      }
      this.stats.succeeded++;
      return this.queueCall("deleting a handled message", () => queue.delete(trigger.queue, m.receiptHandle));
    });
    return { finished: Promise.all(done).then(() => undefined) };
  }
}

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
