import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoDbJobStore } from "../../../shared/adapters/aws/dynamodb-job-store";
import { ensureTables } from "../../../shared/adapters/aws/dynamodb-tables";
import { SqliteJobStore } from "../../../shared/adapters/embedded/sqlite-job-store";
import { TooManyRequestsError, ValidationError } from "../../../shared/domain/errors";
import type { QueryRequest } from "../../../shared/domain/job";
import { cancelJob } from "../../../shared/jobs/cancel";
import { AdmissionRefused, type JobStore } from "../../../shared/ports/job-store";
import { dlqName } from "../../../shared/ports/queue";
import { runQueryJob } from "../../../shared/query/run-job";
import { submitQuery } from "../../../shared/query/submit";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, setContext } from "../../../shared/runtime/context";
import { QUEUES } from "../../../shared/topology";
import { api, startHostProcess, type HostProcess } from "../../helpers/host-process";
import { tempDir } from "../../helpers/tmp";
import { startDynamo } from "../adapters/servers";

// Admission under concurrency: per-caller and per-queue counters taken in the same write as the job
// (SQLite: one IMMEDIATE transaction; DynamoDB: conditional increments on counter items, against
// dynalite), and given back on every way a job ends.

const principal = (subject: string) => ({ tenant: "acme", subject, groups: [] });
const req = (subject = "alice"): QueryRequest => ({ question: "How do glaciers carve valleys?", principal: principal(subject) });

/** The same checks on each store: a burst from many submitters never overshoots a slot's limit. */
function slotContract(name: string, make: () => JobStore | Promise<JobStore>) {
  describe(`admission slots: ${name}`, () => {
    it("30 simultaneous creates against a limit of 3: exactly 3 admitted, 27 refused, and the counter says 3", async () => {
      const jobs = await make();
      const key = `caller:acme/burst-${Math.random()}`;
      const outcomes = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => jobs.create(`burst-${key}-${i}`, req(), { slots: [{ key, limit: 3 }] })));
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(3);
      const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
      expect(refused).toHaveLength(27);
      for (const r of refused) expect(r.reason).toBeInstanceOf(AdmissionRefused);
      expect(await jobs.slotsHeld!(key)).toBe(3);
    });

    it("a refusal on a second slot takes nothing from the first; a job's end gives its slots back once", async () => {
      const jobs = await make();
      const a = `queue:q-${Math.random()}`;
      const b = `caller:c-${Math.random()}`;
      const id = `one-${Math.random()}`;
      await jobs.create(id, req(), {
        slots: [
          { key: a, limit: 10 },
          { key: b, limit: 1 },
        ],
      });
      await expect(
        jobs.create(`two-${Math.random()}`, req(), {
          slots: [
            { key: a, limit: 10 },
            { key: b, limit: 1 },
          ],
        }),
      ).rejects.toBeInstanceOf(AdmissionRefused);
      expect([await jobs.slotsHeld!(a), await jobs.slotsHeld!(b)]).toEqual([1, 1]);
      await jobs.transition(id, ["pending"], "working");
      expect(await jobs.slotsHeld!(b)).toBe(1); // working still holds
      await jobs.transition(id, ["working"], "completed", { result: { answer: "a", citations: [], abstained: false, backends: {}, timings: {} } });
      await jobs.transition(id, ["working", "completed"], "failed", { error: "late" }); // refused: terminal is final
      expect([await jobs.slotsHeld!(a), await jobs.slotsHeld!(b)]).toEqual([0, 0]);
    });
  });
}

const sqliteDir = tempDir();
afterAll(() => sqliteDir.cleanup());
slotContract("SQLite", () => new SqliteJobStore(`${sqliteDir.dir}/jobs-${Math.random()}.db`));

let dynamo: Awaited<ReturnType<typeof startDynamo>> | undefined;
beforeAll(async () => {
  dynamo = await startDynamo();
  await ensureTables(dynamo.client, { jobs: "admission-jobs", documents: "admission-docs" });
});
afterAll(async () => {
  await dynamo?.stop();
});
slotContract("DynamoDB API (dynalite)", () => new DynamoDbJobStore({ table: "admission-jobs", client: dynamo!.client }));

describe("submitQuery: every way a job ends gives its caller's slot back (embedded, real SQLite queue and job store)", () => {
  let t: ReturnType<typeof tempDir>;
  let ctx: ReturnType<typeof createEmbeddedContext>;
  beforeEach(() => {
    t = tempDir();
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_MAX_JOBS_PER_CALLER: "1", RAGLINE_MAX_QUEUED_JOBS: "100" }));
    setContext(ctx);
  });
  afterEach(async () => {
    setContext(undefined);
    await ctx.close();
    t.cleanup();
  });

  const full = () => expect(submitQuery(ctx, req())).rejects.toBeInstanceOf(TooManyRequestsError);

  it("30 simultaneous submits from one caller with a limit of 3: 3 accepted, 27 refused with Retry-After", async () => {
    ctx.settings.jobs.maxPerCaller = 3;
    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => submitQuery(ctx, req())));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(3);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected").map((o) => o.reason);
    expect(refused).toHaveLength(27);
    for (const e of refused) expect(e).toMatchObject({ status: 429, retryAfterSeconds: ctx.config.RAGLINE_RETRY_AFTER_SECONDS });
    expect((await ctx.queue.depth(QUEUES.queryJobs)).visible).toBe(3); // refused ones left nothing behind
    await expect(submitQuery(ctx, req("bob"))).resolves.toBeDefined(); // another caller has its own slot
  });

  it("completed", async () => {
    const job = await submitQuery(ctx, req());
    await full();
    expect(await runQueryJob(ctx, job.id)).toBe("completed");
    await expect(submitQuery(ctx, req())).resolves.toBeDefined();
  });

  it("cancelled", async () => {
    const job = await submitQuery(ctx, req());
    await full();
    await cancelJob(ctx, job.id);
    await expect(submitQuery(ctx, req())).resolves.toBeDefined();
  });

  it("failed for good (a permanent error) and dead-lettered (its workers lost on every attempt)", async () => {
    const bad = await submitQuery(ctx, req());
    ctx.index.search = async () => {
      throw new ValidationError("bad filter");
    }; // a permanent error: no retry

    expect(await runQueryJob(ctx, bad.id)).toBe("failed");
    const lost = await submitQuery(ctx, req());
    for (let i = 0; i < 3; i++) await ctx.jobs.recordAttempt(lost.id); // three attempts whose workers died
    await expect(runQueryJob(ctx, lost.id, { maxAttempts: 3 })).rejects.toThrow(/last attempt/);
    expect((await ctx.jobs.get(lost.id))?.status).toBe("failed");
    await expect(submitQuery(ctx, req())).resolves.toBeDefined();
  });

  it("a job whose queue message cannot be sent ends failed and gives its slot back", async () => {
    const send = ctx.queue.send.bind(ctx.queue);
    ctx.queue.send = async () => {
      throw new Error("queue unavailable");
    };
    await expect(submitQuery(ctx, req())).rejects.toThrow(/queue unavailable/);
    ctx.queue.send = send;
    await expect(submitQuery(ctx, req())).resolves.toBeDefined();
    expect(ctx.queue.peek(dlqName(QUEUES.queryJobs))).toEqual([]);
  });
});

describe("POST /queries over HTTP (the host as a child process): 30 simultaneous submissions from one caller", () => {
  const t = tempDir();
  let host: HostProcess | undefined;
  afterAll(async () => {
    await host?.stop();
    t.cleanup();
  });

  it("with RAGLINE_MAX_JOBS_PER_CALLER=3: at most 3 × 202, the rest 429 with Retry-After", async () => {
    const key = "alice-key-0123456789abcdef";
    host = await startHostProcess(t.dir, {
      RAGLINE_AUTH: "required",
      RAGLINE_API_KEYS: JSON.stringify([{ key, tenant: "acme", subject: "alice", groups: [] }]),
      RAGLINE_MAX_JOBS_PER_CALLER: "3",
      // No worker finishes a job during the burst: none of its slots comes back mid-way.
      RAGLINE_GENERATOR: "openai",
      RAGLINE_LLM_URL: "http://127.0.0.1:9/v1",
      RAGLINE_LLM_MODEL: "unreachable",
    });
    const rs = await Promise.all(
      Array.from({ length: 30 }, () => api(host!.url, "POST", "/queries", { question: "How do glaciers carve valleys?" }, { "x-api-key": key })),
    );
    const statuses = rs.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(27);
    for (const r of rs.filter((r) => r.status === 429)) {
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(r.body.error.code).toBe("too_many_requests");
    }
  }, 60_000);
});
