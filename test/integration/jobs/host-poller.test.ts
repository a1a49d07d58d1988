import type { SQSEvent } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HostLambdaContext } from "../../../host/lambda-context";
import { QueuePoller, type PollerOptions } from "../../../host/queue-poller";
import { ScheduleRunner } from "../../../host/schedule";
import { SqliteScheduleClock } from "../../../host/schedule-clock";
import { SqliteQueue } from "../../../shared/adapters/embedded/sqlite-queue";
import type { Queue } from "../../../shared/ports/queue";
import { AttemptAborted, runQueryJob } from "../../../shared/query/run-job";
import { submitQuery } from "../../../shared/query/submit";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, setContext } from "../../../shared/runtime/context";
import { tempDir, waitFor } from "../../helpers/tmp";

// The host's event-source mapping and schedules on a real SQLite queue. Queue faults are injected
// by a wrapper that FAILS chosen calls of the real queue (a stand-in for a flaky SQS endpoint).

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const trigger = (visibilityTimeoutSeconds = 30) => ({ kind: "queue" as const, queue: "work", batchSize: 1, visibilityTimeoutSeconds, maxReceives: 10 });

/** The real queue, with the first `n` calls of each named method failing. */
function flaky(q: SqliteQueue, failures: Partial<Record<"receive" | "delete" | "changeVisibility", number>>): Queue & { calls: Record<string, number> } {
  const left = { ...failures };
  const calls: Record<string, number> = {};
  const wrap =
    <A extends unknown[], R>(name: keyof typeof failures, fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      calls[name] = (calls[name] ?? 0) + 1;
      if ((left[name] ?? 0) > 0) {
        left[name]!--;
        throw Object.assign(new Error(`${name}: connection reset`), { name: "NetworkingError" });
      }
      return fn(...a);
    };
  return {
    name: "flaky-sqlite",
    calls,
    send: q.send.bind(q),
    sendBatch: q.sendBatch.bind(q),
    depth: q.depth.bind(q),
    receive: wrap("receive", q.receive.bind(q)),
    delete: wrap("delete", q.delete.bind(q)),
    changeVisibility: wrap("changeVisibility", q.changeVisibility.bind(q)),
  };
}

describe("the host's queue poller and schedules (real SQLite queue)", () => {
  let t: ReturnType<typeof tempDir>;
  let q: SqliteQueue;
  let poller: QueuePoller | undefined;
  beforeEach(() => {
    t = tempDir();
    q = new SqliteQueue(`${t.dir}/queue.db`);
  });
  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
    q.close();
    t.cleanup();
  });

  it("failed receive, delete and visibility calls are retried and logged, never fatal; every message is handled and deleted once", async () => {
    const queue = flaky(q, { receive: 2, delete: 2, changeVisibility: 1 });
    const handled: string[] = [];
    for (const body of ["a", "b", "c"]) await q.send("work", body);
    poller = new QueuePoller({
      name: "flaky",
      queue,
      trigger: trigger(),
      timeoutSeconds: 10,
      concurrency: 1,
      waitSeconds: 0,
      retryDelaySeconds: () => 0,
      handler: async () => async (event: SQSEvent) => {
        const body = event.Records[0].body;
        handled.push(body);
        if (body === "b" && handled.filter((h) => h === "b").length === 1) throw new Error("b fails once"); // its return goes through a failing changeVisibility
        return { batchItemFailures: [] };
      },
    });
    poller.start();
    await waitFor(async () => (await q.depth("work")).visible + (await q.depth("work")).inFlight === 0, "all messages deleted", 20_000, 50);
    expect(handled.sort()).toEqual(["a", "b", "b", "c"]);
    expect(poller.stats.queueErrors).toBe(5);
    expect(queue.calls.delete).toBe(3 + 2);
  });

  it("a record that fails in a batch is retried and dead-lettered alone; its batch-mates are deleted after one run", async () => {
    await q.sendBatch("work", ["a", "b", "c"]);
    const runs: string[][] = [];
    poller = new QueuePoller({
      name: "batch",
      queue: q,
      trigger: { kind: "queue", queue: "work", batchSize: 3, visibilityTimeoutSeconds: 30, maxReceives: 2 },
      timeoutSeconds: 10,
      concurrency: 1,
      waitSeconds: 0,
      retryDelaySeconds: () => 0,
      handler: async () => async (event: SQSEvent) => {
        runs.push(event.Records.map((r) => r.body));
        return { batchItemFailures: event.Records.filter((r) => r.body === "b").map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    poller.start();
    await waitFor(() => q.peek("work-dlq").length === 1, "b dead-lettered", 20_000, 20);
    await poller.stop();
    poller = undefined;
    expect(runs).toEqual([["a", "b", "c"], ["b"]]);
    expect(q.peek("work-dlq").map((m) => m.body)).toEqual(["b"]);
    expect(await q.depth("work")).toEqual({ visible: 0, inFlight: 0 });
    expect(await q.receive("work", { maxMessages: 10, visibilityTimeoutSeconds: 30 })).toEqual([]);
  });

  it("a handler past its timeout is aborted, and its message is fenced: no redelivery runs beside it", async () => {
    await q.send("work", "slow");
    const running = new Set<string>();
    let overlap = 0;
    let runs = 0;
    let sawAbort = false;
    poller = new QueuePoller({
      name: "slow",
      queue: q,
      trigger: trigger(1),
      timeoutSeconds: 1,
      concurrency: 2,
      waitSeconds: 0,
      retryDelaySeconds: () => 0,
      handler: async () => async (event: SQSEvent, context: HostLambdaContext) => {
        const id = event.Records[0].messageId;
        if (running.has(id)) overlap++;
        running.add(id);
        runs++;
        try {
          if (runs === 1) {
            // the first run ignores the abort for a while (a stage that does not look), then stops
            await sleep(3_000);
            sawAbort = Boolean(context.abortSignal?.aborted);
            throw new Error("stopped at the stage boundary");
          }
          return { batchItemFailures: [] };
        } finally {
          running.delete(id);
        }
      },
    });
    poller.start();
    await waitFor(async () => (await q.depth("work")).visible + (await q.depth("work")).inFlight === 0, "the message handled by its second run", 20_000, 50);
    expect(sawAbort).toBe(true);
    expect(overlap).toBe(0);
    expect(runs).toBe(2);
    expect(poller.stats.timedOut).toBe(1);
  });

  it("a schedule never runs beside itself: in one process, nor on two replicas sharing the lease", async () => {
    let running = 0;
    let maxRunning = 0;
    const run = async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(300);
      running--;
    };
    const other = new SqliteQueue(`${t.dir}/queue.db`);
    const a = new ScheduleRunner({ name: "purge", everyMs: 40, timeoutSeconds: 5, lease: q, run });
    const b = new ScheduleRunner({ name: "purge", everyMs: 40, timeoutSeconds: 5, lease: other, run });
    a.start();
    b.start();
    await sleep(1_500);
    await a.stop();
    await b.stop();
    other.close();
    expect(maxRunning).toBe(1);
    expect(a.stats.runs + b.stats.runs).toBeGreaterThanOrEqual(3);
    expect(a.stats.skipped + b.stats.skipped).toBeGreaterThan(0);
  });

  it("a schedule's period counts from its last recorded start across restarts, not from each process start", async () => {
    const DAY = 86_400_000;
    let now = 1_000 * DAY;
    const clockAt = () => new SqliteScheduleClock(`${t.dir}/schedules.db`); // reopened: a restart
    const runner = (clock: SqliteScheduleClock) =>
      new ScheduleRunner({ name: "evals-run", everyMs: DAY, timeoutSeconds: 5, lease: q, clock, now: () => now, run: async () => undefined });

    let clock = clockAt();
    const first = runner(clock);
    first.start(); // first boot: one period from now
    expect(first.dueInMs()).toBe(DAY);
    await first.stop();
    clock.close();
    now += 20 * 3_600_000; // restarted 20 h later: due in 4 h, not in 24 h again
    clock = clockAt();
    expect(runner(clock).dueInMs()).toBe(4 * 3_600_000);
    clock.close();
    now += 5 * 3_600_000; // restarted past the due time: due at once, and after the run a full period
    clock = clockAt();
    const r = runner(clock);
    expect(r.dueInMs()).toBe(0);
    expect(await r.tick()).toBe("ran");
    expect(r.dueInMs()).toBe(DAY);
    clock.close();
  });

  it("a replica does not run a schedule again that another replica just ran (the shared clock says it is not due)", async () => {
    const clock = new SqliteScheduleClock(`${t.dir}/schedules.db`);
    let runs = 0;
    const make = () =>
      new ScheduleRunner({
        name: "reconcile",
        everyMs: 300,
        timeoutSeconds: 5,
        lease: q,
        clock,
        run: async () => {
          runs++;
        },
      });
    clock.recordStart("reconcile", Date.now() - 300); // due now
    const a = make(),
      b = make();
    a.start();
    b.start();
    await waitFor(async () => runs >= 1 && a.stats.notDue + b.stats.notDue >= 1, "one run, and the other replica's timer finding it not due", 10_000, 20);
    await a.stop();
    await b.stop();
    expect(runs).toBe(1);
    clock.close();
  });

  it("a scheduled run past its timeout is aborted, and the next tick waits until it has stopped", async () => {
    let signal: AbortSignal | undefined;
    let stopped = false;
    const runner = new ScheduleRunner({
      name: "slow",
      everyMs: 1_000_000,
      timeoutSeconds: 1,
      lease: q,
      run: async (s) => {
        signal = s;
        await sleep(1_500);
        stopped = true;
      },
    });
    const first = runner.tick();
    await sleep(1_200);
    expect(signal?.aborted).toBe(true);
    expect(await runner.tick()).toBe("skipped"); // timed out, but still stopping
    await first;
    expect(stopped).toBe(true);
    expect(await new ScheduleRunner({ name: "slow", everyMs: 1_000_000, timeoutSeconds: 1, lease: q, run: async () => undefined }).tick()).toBe("ran");
  });

  /** A started poller on the "work" queue, one message a batch; the test's handler and limits. */
  function startPoller(opts: Pick<PollerOptions, "handler" | "concurrency" | "heavy" | "idleConcurrency">): QueuePoller {
    poller = new QueuePoller({
      name: "work",
      queue: q,
      trigger: { kind: "queue", queue: "work", batchSize: 1, visibilityTimeoutSeconds: 30, maxReceives: 3 },
      timeoutSeconds: 10,
      waitSeconds: 0,
      ...opts,
    });
    poller.start();
    return poller;
  }

  it("heavy messages run one at a time while light ones run beside them; every message is handled", async () => {
    const bodies = ["H1", "L1", "L2", "H2", "L3", "L4", "H3", "L5", "L6"];
    await q.sendBatch("work", bodies);
    const running = { heavy: 0, all: 0, maxHeavy: 0, maxAll: 0 };
    const handled: string[] = [];
    poller = startPoller({
      concurrency: 4,
      heavy: { isHeavy: (m) => m.body.startsWith("H"), slots: 1 },
      handler: async () => async (event: SQSEvent) => {
        const body = event.Records[0].body;
        const heavy = body.startsWith("H");
        running.all++;
        if (heavy) running.heavy++;
        running.maxAll = Math.max(running.maxAll, running.all);
        running.maxHeavy = Math.max(running.maxHeavy, running.heavy);
        await sleep(40);
        running.all--;
        if (heavy) running.heavy--;
        handled.push(body);
        return { batchItemFailures: [] };
      },
    });
    await waitFor(async () => handled.length === bodies.length, "all handled", 20_000, 20);
    expect(handled.sort()).toEqual([...bodies].sort());
    expect(running.maxHeavy).toBe(1);
    expect(poller.stats.maxHeavyRunning).toBe(1);
    expect(running.maxAll).toBeGreaterThan(1);
    await waitFor(async () => (await q.depth("work")).visible + (await q.depth("work")).inFlight === 0, "all deleted", 10_000, 20);
  });

  it("is not run: it goes back to the queue at once, while the one running finishes", async () => {
    await q.sendBatch("work", ["H1", "H2"]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    const poller = startPoller({
      concurrency: 2,
      heavy: { isHeavy: () => true, slots: 1 },
      handler: async () => async (event: SQSEvent) => {
        started.push(event.Records[0].body);
        await held;
        return { batchItemFailures: [] };
      },
    });
    await waitFor(async () => started.length === 1 && (await q.depth("work")).inFlight === 2, "one running, one leased and waiting", 5_000, 10);
    const stopped = poller.stop();
    await waitFor(async () => (await q.depth("work")).visible === 1, "the waiting one visible again", 5_000, 10);
    release();
    await stopped;
    expect(started).toHaveLength(1);
    expect(await q.depth("work")).toEqual({ visible: 1, inFlight: 0 });
    const [back] = await q.receive("work", { maxMessages: 1, visibilityTimeoutSeconds: 30 });
    expect(back.body).not.toBe(started[0]);
  });

  it("one loop polls an empty queue; a burst runs up to the concurrency; then the extra loops stop", async () => {
    const handled: string[] = [];
    poller = startPoller({
      concurrency: 4,
      idleConcurrency: 1,
      handler: async () => async (event: SQSEvent) => {
        await sleep(40);
        handled.push(event.Records[0].body);
        return { batchItemFailures: [] };
      },
    });
    await sleep(200);
    expect(poller.pollingLoops).toBe(1);
    const bodies = Array.from({ length: 12 }, (_, i) => `m${i}`);
    await q.sendBatch("work", bodies);
    await waitFor(async () => handled.length === bodies.length, "all handled", 20_000, 20);
    expect(poller.stats.maxRunning).toBeGreaterThan(1);
    expect(poller.stats.maxRunning).toBeLessThanOrEqual(4);
    await waitFor(async () => poller!.pollingLoops === 1, "back to one loop", 5_000, 20);
    await q.send("work", "late");
    await waitFor(async () => handled.includes("late"), "a message after the burst is still handled", 5_000, 20);
  });
});

describe("query jobs and their attempts (embedded context)", () => {
  let t: ReturnType<typeof tempDir>;
  let ctx: ReturnType<typeof createEmbeddedContext>;
  beforeEach(() => {
    t = tempDir();
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));
    setContext(ctx);
  });
  afterEach(async () => {
    setContext(undefined);
    await ctx.close();
    t.cleanup();
  });

  it("an aborted attempt stops at the next stage boundary and says it waits to retry", async () => {
    const job = await submitQuery(ctx, { question: "How do glaciers carve valleys?" });
    const abort = new AbortController();
    abort.abort(new Error("query-run timed out after 300s"));
    await expect(runQueryJob(ctx, job.id, { maxAttempts: 3, signal: abort.signal })).rejects.toBeInstanceOf(AttemptAborted);
    const events = await ctx.jobs.events(job.id, 0);
    expect(events.filter((e) => e.data.status === "started")).toEqual([]); // no stage began
    expect(events.at(-1)?.data).toMatchObject({ stage: "waiting", cause: "attempt-failed", attempt: 1, maxAttempts: 3 });
    expect((await ctx.jobs.get(job.id))?.checkpoints.waiting).toMatchObject({
      reason: expect.stringMatching(/attempt 1 of 3 failed \(attempt aborted: query-run timed out/),
    });
    expect(await runQueryJob(ctx, job.id, { maxAttempts: 3 })).toBe("completed");
    expect((await ctx.jobs.get(job.id))?.checkpoints.waiting ?? undefined).toBeUndefined();
  });

  it("a retry after a worker lost without notice (AWS: back after the visibility timeout) records the loss when it starts", async () => {
    const job = await submitQuery(ctx, { question: "How do glaciers carve valleys?" });
    await ctx.jobs.recordAttempt(job.id); // attempt 1 began, and its Lambda died: nothing else was written
    await ctx.jobs.transition(job.id, ["pending"], "working");
    const lastSeen = (await ctx.jobs.get(job.id))!.updatedAt;
    expect(await runQueryJob(ctx, job.id, { maxAttempts: 3, receiveCount: 2 })).toBe("completed");
    const [resumed] = (await ctx.jobs.events(job.id, 0)).filter((e) => e.data.stage === "waiting");
    expect(resumed.data).toMatchObject({ status: "resumed", cause: "worker-lost", attempt: 2, maxAttempts: 3, receiveCount: 2, lostAt: lastSeen });
    expect(resumed.data.reason).toBe(`resumed: worker lost (last seen at ${lastSeen}), attempt 1 of 3 ended without a result; this is attempt 2`);
  });
});
