import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadHandler } from "../../../host/handlers";
import { QueuePoller } from "../../../host/queue-poller";
import { TransientError } from "../../../shared/domain/errors";
import { purgeExpiredJobs } from "../../../shared/jobs/retention";
import { verifyWebhook } from "../../../shared/jobs/webhook";
import type { Generator } from "../../../shared/ports/models";
import { dlqName } from "../../../shared/ports/queue";
import { runQueryJob } from "../../../shared/query/run-job";
import { submitQuery } from "../../../shared/query/submit";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, setContext } from "../../../shared/runtime/context";
import { QUEUES, topology } from "../../../shared/topology";
import { tempDir, waitFor } from "../../helpers/tmp";

const SECRET = "a-webhook-secret-of-some-length";

describe("jobs that survive (in-process, real SQLite queue and job store)", () => {
  let t: ReturnType<typeof tempDir>;
  let ctx: ReturnType<typeof createEmbeddedContext>;
  let searches: number;

  beforeEach(async () => {
    t = tempDir();
    // The webhook receiver below listens on 127.0.0.1 over http: both must be allowed explicitly.
    ctx = createEmbeddedContext(
      loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_WEBHOOK_SECRET: SECRET, RAGLINE_WEBHOOK_ALLOW_HTTP: "true", RAGLINE_WEBHOOK_ALLOWLIST: "127.0.0.1" }),
    );
    setContext(ctx);
    searches = 0;
    // A small index, so the generator is reached (with no relevant source the job abstains without it).
    const texts = [
      "Glaciers carve U-shaped valleys during ice ages.",
      "Coral reefs bleach when ocean temperatures rise.",
      "Volcanic eruptions release sulfur dioxide.",
      "Interest rates influence inflation.",
      "The Roman aqueducts carried water.",
      "Vaccines train the immune system.",
      "Neural networks learn by gradient descent.",
      "Photosynthesis happens in chloroplasts.",
    ];
    const vectors = await ctx.embedder.embed(texts, "document");
    for (const [i, text] of texts.entries()) {
      await ctx.index.stage([
        {
          id: `c${i}`,
          documentKey: `d${i}.txt`,
          version: "v1",
          ordinal: 0,
          text,
          sectionPath: [],
          kind: "text",
          metadata: {},
          vector: vectors[i],
          embeddingModel: ctx.embedder.model,
        },
      ]);
      await ctx.index.activate(`d${i}.txt`, "v1");
    }
    const search = ctx.index.search.bind(ctx.index);
    ctx.index.search = (req) => {
      searches++;
      return search(req);
    };
  });
  afterEach(async () => {
    setContext(undefined);
    await ctx.close();
    t.cleanup();
  });

  /** A generator that throws a transient error `failures` times, then streams a fixed answer. */
  const flaky = (failures: number): Generator => ({
    model: "flaky",
    backend: "test",
    async *generate() {
      if (failures-- > 0) throw new TransientError("model host went away");
      yield "It works [1].";
    },
  });

  it("a stage that fails twice then succeeds resumes from its checkpoint; earlier stages do not run again", async () => {
    ctx.generator = flaky(2);
    const job = await submitQuery(ctx, { question: "How do glaciers carve valleys?" });
    await expect(runQueryJob(ctx, job.id, { maxAttempts: 3 })).rejects.toThrow(/went away/);
    await expect(runQueryJob(ctx, job.id, { maxAttempts: 3 })).rejects.toThrow(/went away/);
    expect(await runQueryJob(ctx, job.id, { maxAttempts: 3 })).toBe("completed");
    expect(searches).toBe(1);
    const events = await ctx.jobs.events(job.id, 0);
    const started = events.filter((e) => e.type === "stage" && e.data.status === "started").map((e) => `${e.data.stage}#${e.data.attempt}`);
    expect(started).toEqual(["retrieve#1", "rerank#1", "assemble#1", "generate#1", "generate#2", "generate#3", "ground#3"]);
    expect((await ctx.jobs.get(job.id))?.status).toBe("completed");
  });

  it("after max attempts the job is failed with its reason and its message is in the DLQ", async () => {
    ctx.generator = flaky(99);
    const job = await submitQuery(ctx, { question: "How do glaciers carve valleys?" });
    const def = topology.functions["query-run"];
    const poller = new QueuePoller({
      name: "query-run",
      queue: ctx.queue,
      timeoutSeconds: 10,
      concurrency: 1,
      trigger: { kind: "queue", queue: QUEUES.queryJobs, batchSize: 1, visibilityTimeoutSeconds: 5, maxReceives: 3 },
      handler: () => loadHandler(def.handler),
      retryDelaySeconds: () => 0,
    });
    poller.start();
    try {
      await waitFor(() => ctx.queue.peek(dlqName(QUEUES.queryJobs)).length === 1, "the job's message in the DLQ");
    } finally {
      await poller.stop();
    }
    const failed = await ctx.jobs.get(job.id);
    expect(failed?.status).toBe("failed");
    expect(failed?.error).toMatch(/model host went away/);
    expect(failed?.attempts).toBe(3);
    expect(JSON.parse(ctx.queue.peek(dlqName(QUEUES.queryJobs))[0].body).jobId).toBe(job.id);
  });

  it("POSTs a signed webhook on completion, retrying until the receiver accepts, with every attempt recorded", async () => {
    const received: { headers: IncomingMessage["headers"]; body: string }[] = [];
    let status = 500;
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(status).end();
        status = 204;
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const job = await submitQuery(ctx, { question: "How do glaciers carve valleys?", callbackUrl: url });
      expect(await runQueryJob(ctx, job.id)).toBe("completed");
      const poller = new QueuePoller({
        name: "webhook-deliver",
        queue: ctx.queue,
        timeoutSeconds: 10,
        concurrency: 1,
        trigger: { kind: "queue", queue: QUEUES.webhooks, batchSize: 5, visibilityTimeoutSeconds: 5, maxReceives: 8 },
        handler: () => loadHandler("queue/webhook-deliver"),
        retryDelaySeconds: () => 0,
      });
      poller.start();
      try {
        await waitFor(() => received.length === 2 && poller.stats.succeeded === 1, "second delivery accepted");
      } finally {
        await poller.stop();
      }

      const last = received[1];
      expect(verifyWebhook(SECRET, last.headers as Record<string, string>, last.body)).toBe(true);
      expect(verifyWebhook("another-secret-of-some-length", last.headers as Record<string, string>, last.body)).toBe(false);
      expect(verifyWebhook(SECRET, last.headers as Record<string, string>, last.body.replace("completed", "failed"))).toBe(false);
      expect(JSON.parse(last.body)).toMatchObject({ jobId: job.id, status: "completed" });
      const hook = (await ctx.jobs.get(job.id))?.checkpoints.webhook as { attempts: { status: number }[]; delivered: boolean };
      expect(hook.attempts.map((a) => a.status)).toEqual([500, 204]);
      expect(hook.delivered).toBe(true);
    } finally {
      server.close();
    }
  });

  it("a job whose worker is lost on every attempt ends failed with a reason, and its message is dead-lettered", async () => {
    const job = await submitQuery(ctx, { question: "How do glaciers carve valleys?" });
    for (let i = 0; i < 3; i++) {
      await ctx.jobs.recordAttempt(job.id);
      await ctx.jobs.transition(job.id, ["pending", "working"], "working");
    } // three lost workers
    await expect(runQueryJob(ctx, job.id, { maxAttempts: 3 })).rejects.toThrow(/failed after its last attempt/);
    const failed = await ctx.jobs.get(job.id);
    expect(failed?.status).toBe("failed");
    expect(failed?.error).toMatch(/worker running it was lost/);
    expect(searches).toBe(0);
    // Redelivered again: it keeps failing the message, so the queue moves it to the DLQ.
    await expect(runQueryJob(ctx, job.id, { maxAttempts: 3 })).rejects.toThrow(/failed after its last attempt/);
  });

  it("cancellation ends a pending job cancelled, and the runner then does nothing", async () => {
    const job = await submitQuery(ctx, { question: "How do glaciers carve valleys?" });
    const { cancelJob } = await import("../../../shared/jobs/cancel");
    await cancelJob(ctx, job.id);
    expect(await runQueryJob(ctx, job.id)).toBe("skipped");
    expect(searches).toBe(0);
    expect((await ctx.jobs.events(job.id, 0)).map((e) => e.type)).toEqual(["cancelled"]);
    await expect(cancelJob(ctx, job.id)).rejects.toThrow(/already cancelled/);
  });

  it("a tenant over its running cap waits in the queue instead of running", async () => {
    const principal = { tenant: "busy", subject: "u1", groups: [] };
    const jobs = [];
    for (let i = 0; i < ctx.config.RAGLINE_MAX_RUNNING_PER_TENANT + 1; i++) jobs.push(await submitQuery(ctx, { question: `q${i}`, principal }));
    for (const j of jobs.slice(0, -1)) await ctx.jobs.transition(j.id, ["pending"], "working");
    const before = await ctx.queue.depth(QUEUES.queryJobs);
    expect(await runQueryJob(ctx, jobs.at(-1)!.id)).toBe("deferred");
    expect((await ctx.jobs.get(jobs.at(-1)!.id))?.status).toBe("pending");
    expect((await ctx.queue.depth(QUEUES.queryJobs)).visible + (await ctx.queue.depth(QUEUES.queryJobs)).inFlight).toBe(before.visible + before.inFlight + 1);
  });

  it("expires finished jobs and their logs after the TTL, keeping running ones", async () => {
    const done = await submitQuery(ctx, { question: "old" });
    await runQueryJob(ctx, done.id);
    const running = await submitQuery(ctx, { question: "running" });
    await ctx.jobs.transition(running.id, ["pending"], "working");
    expect(await purgeExpiredJobs(ctx)).toBe(0);
    const later = Date.now() + (ctx.config.RAGLINE_JOB_TTL_HOURS + 1) * 3_600_000;
    expect(await purgeExpiredJobs(ctx, later)).toBe(1);
    expect(await ctx.jobs.get(done.id)).toBeUndefined();
    expect(await ctx.jobs.events(done.id, 0)).toEqual([]);
    expect((await ctx.jobs.get(running.id))?.status).toBe("working");
  });
});
