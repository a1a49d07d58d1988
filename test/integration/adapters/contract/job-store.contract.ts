import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { QueryResult } from "../../../../shared/domain/job";
import type { JobStore } from "../../../../shared/ports/job-store";

// What every JobStore adapter must do: guarded transitions (JOB_TRANSITIONS), a gap-free event log
// even under racing writers and across store instances (other processes), checkpoints, attempts,
// subscriptions, and per-caller / per-tenant counts where offered.

export interface JobStoreFixture {
  jobs: JobStore;
  /** Another instance on the same backend: another process. */
  twin(): JobStore;
}

const result: QueryResult = {
  answer: "a [1]",
  citations: [{ n: 1, documentKey: "d", chunkId: "c", text: "ünïcode ✓" }],
  abstained: false,
  backends: { generate: "x" },
  timings: { retrieve: 1.5 },
};

export function jobStoreContract(label: string, fixture: () => JobStoreFixture) {
  const id = () => `job-${randomUUID()}`;

  describe(`JobStore contract: ${label}`, () => {
    it("creates a pending job and reads it back whole", async () => {
      const { jobs } = fixture();
      const j = id();
      const created = await jobs.create(j, { question: "q?", topK: 3, filters: { department: "hr" }, principal: { tenant: "t", subject: "u", groups: ["g"] } });
      expect(created).toMatchObject({ id: j, status: "pending", attempts: 0, checkpoints: {} });
      const got = await jobs.get(j);
      expect(got).toMatchObject({ id: j, status: "pending", request: { question: "q?", topK: 3, filters: { department: "hr" } } });
      expect(Date.parse(got!.createdAt)).not.toBeNaN();
      expect(await jobs.get(id())).toBeUndefined();
    });

    it("guards transitions: pending → working → completed, and nothing leaves a terminal state", async () => {
      const { jobs } = fixture();
      const j = id();
      await jobs.create(j, { question: "q" });
      expect(await jobs.transition(j, ["working"], "completed")).toBeUndefined();
      expect((await jobs.transition(j, ["pending"], "working"))?.status).toBe("working");
      expect((await jobs.transition(j, ["working"], "working"))?.status).toBe("working");
      const done = await jobs.transition(j, ["working"], "completed", { result });
      expect(done?.status).toBe("completed");
      expect(done?.result).toEqual(result);
      expect(await jobs.transition(j, ["completed"], "working")).toBeUndefined();
      expect(await jobs.transition(j, ["working", "pending"], "failed")).toBeUndefined();
      expect(await jobs.transition(id(), ["pending"], "working")).toBeUndefined(); // no such job
      expect((await jobs.get(j))?.status).toBe("completed");
    });

    it("exactly one of racing transitions wins", async () => {
      const { jobs, twin } = fixture();
      const other = twin();
      const j = id();
      await jobs.create(j, { question: "q" });
      const outcomes = await Promise.all([
        jobs.transition(j, ["pending"], "working"),
        other.transition(j, ["pending"], "working"),
        jobs.transition(j, ["pending"], "cancelled"),
        other.transition(j, ["pending"], "failed", { error: "x" }),
      ]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    });

    it("keeps the error of a failed job", async () => {
      const { jobs } = fixture();
      const j = id();
      await jobs.create(j, { question: "q" });
      expect((await jobs.transition(j, ["pending"], "failed", { error: "boom" }))?.error).toBe("boom");
    });

    it("appends gap-free sequence numbers while appends race, from two instances", async () => {
      const { jobs, twin } = fixture();
      const other = twin();
      const j = id();
      await jobs.create(j, { question: "q" });
      const appended = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? other : jobs).appendEvent(j, "delta", { i, text: "é" })));
      expect(appended.map((e) => e!.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      const after = await jobs.events(j, 25);
      expect(after.map((e) => e.seq)).toEqual([26, 27, 28, 29, 30]);
      expect(after[0]).toMatchObject({ jobId: j, type: "delta", data: { text: "é" } });
      expect((await other.events(j, 0, 3)).map((e) => e.seq)).toEqual([1, 2, 3]);
      // The other instance continues where the log ends, not where it last wrote.
      expect((await jobs.appendEvent(j, "done", {}))!.seq).toBe(31);
      expect((await other.appendEvent(j, "done", {}))!.seq).toBe(32);
    });

    it("closes a job's log when it ends: after a cancel, stage/retrieved/delta events are refused (undefined), the terminal one was the last", async () => {
      const { jobs } = fixture();
      const j = id();
      await jobs.create(j, { question: "q" });
      await jobs.transition(j, ["pending"], "working");
      expect(await jobs.appendEvent(j, "delta", { text: "a" })).toMatchObject({ seq: 1 });
      await jobs.transition(j, ["pending", "working"], "cancelled", { error: "cancelled by request" });
      expect(await jobs.appendEvent(j, "cancelled", {})).toMatchObject({ seq: 2 });
      // A runner still finishing its stage after the cancel:
      expect(await jobs.appendEvent(j, "delta", { text: "b" })).toBeUndefined();
      expect(await jobs.appendEvent(j, "stage", { stage: "generate", status: "done" })).toBeUndefined();
      expect((await jobs.events(j, 0)).map((e) => e.type)).toEqual(["delta", "cancelled"]);
    });

    it("commits a stage's end: its checkpoints, then its events in order; after the log closed, no event", async () => {
      const { jobs, twin } = fixture();
      const j = id();
      await jobs.create(j, { question: "q" });
      await jobs.transition(j, ["pending"], "working");
      await jobs.appendEvent(j, "stage", { stage: "retrieve", status: "started" });
      const logged = await jobs.commitStage(j, { retrieve: { chunks: [{ id: "c", score: 0.5 }] }, timings: { retrieve: 2 } }, [
        { type: "retrieved", data: { chunks: [] } },
        { type: "stage", data: { stage: "retrieve", status: "finished" } },
      ]);
      expect(logged.map((e) => [e.seq, e.type])).toEqual([
        [2, "retrieved"],
        [3, "stage"],
      ]);
      expect((await twin().get(j))?.checkpoints).toEqual({ retrieve: { chunks: [{ id: "c", score: 0.5 }] }, timings: { retrieve: 2 } });
      await jobs.transition(j, ["working"], "cancelled", { error: "cancelled by request" });
      await jobs.appendEvent(j, "cancelled", {});
      expect(await jobs.commitStage(j, { rerank: { chunks: [] } }, [{ type: "stage", data: { stage: "rerank", status: "finished" } }])).toEqual([]);
      expect((await jobs.events(j, 0)).map((e) => e.type)).toEqual(["stage", "retrieved", "stage", "cancelled"]);
    });

    it("keeps checkpoints per stage and counts attempts", async () => {
      const { jobs } = fixture();
      const j = id();
      await jobs.create(j, { question: "q" });
      await jobs.saveCheckpoint(j, "retrieve", { chunks: [1, 2], nested: { a: null } });
      await jobs.saveCheckpoint(j, "rerank", { chunks: [2] });
      await jobs.saveCheckpoint(j, "rerank", { chunks: [3] });
      expect(await jobs.recordAttempt(j)).toBe(1);
      expect(await jobs.recordAttempt(j)).toBe(2);
      const got = await jobs.get(j);
      expect(got?.checkpoints).toEqual({ retrieve: { chunks: [1, 2], nested: { a: null } }, rerank: { chunks: [3] } });
      expect(got?.attempts).toBe(2);
      await jobs.saveCheckpoint(id(), "retrieve", {}); // no such job: no error
    });

    it("keeps a checkpoint larger than one DynamoDB item (400 KB): 1.2 MB of chunk texts round-trip", async () => {
      const { jobs, twin } = fixture();
      const j = id();
      await jobs.create(j, { question: "q" });
      // Random words barely compress: the stored form spans several items where items are limited.
      const words = () => Array.from({ length: 200 }, () => randomUUID().slice(0, 8)).join(" ");
      const big = { chunks: Array.from({ length: 800 }, (_, i) => ({ id: `c${i}`, text: words(), score: i / 800 })) };
      expect(JSON.stringify(big).length).toBeGreaterThan(1_200_000);
      await jobs.saveCheckpoint(j, "retrieve", big);
      await jobs.saveCheckpoint(j, "retrieve", big); // saved again (a retried stage): still one value
      expect((await twin().get(j))?.checkpoints.retrieve).toEqual(big);
    });

    it("drops a finished job's stage checkpoints, keeping timings and the webhook record", async () => {
      const { jobs } = fixture();
      const j = id();
      await jobs.create(j, { question: "q" });
      await jobs.transition(j, ["pending"], "working");
      for (const stage of ["retrieve", "rerank", "assemble", "generate"]) await jobs.saveCheckpoint(j, stage, { chunks: [{ text: "x".repeat(1000) }] });
      await jobs.saveCheckpoint(j, "timings", { retrieve: 3 });
      await jobs.saveCheckpoint(j, "webhook", { attempts: [] });
      expect(Object.keys((await jobs.get(j))!.checkpoints).sort()).toEqual(["assemble", "generate", "rerank", "retrieve", "timings", "webhook"]);
      const done = await jobs.transition(j, ["working"], "completed", { result });
      expect(done?.checkpoints).toEqual({ timings: { retrieve: 3 }, webhook: { attempts: [] } });
      expect((await jobs.get(j))?.checkpoints).toEqual({ timings: { retrieve: 3 }, webhook: { attempts: [] } });
      await jobs.saveCheckpoint(j, "webhook", { attempts: [{ status: 200 }], delivered: true }); // delivery is recorded after the end
      expect((await jobs.get(j))?.checkpoints.webhook).toEqual({ attempts: [{ status: 200 }], delivered: true });
    });

    it("records subscriptions per job and drops a connection's on unsubscribe", async () => {
      const { jobs } = fixture();
      const [j1, j2] = [id(), id()];
      const [c1, c2] = [`c-${randomUUID()}`, `c-${randomUUID()}`];
      await jobs.subscribe(j1, c1);
      await jobs.subscribe(j1, c2);
      await jobs.subscribe(j1, c1);
      await jobs.subscribe(j2, c1);
      expect((await jobs.subscribers(j1)).sort()).toEqual([c1, c2].sort());
      await jobs.unsubscribe(c1);
      expect(await jobs.subscribers(j1)).toEqual([c2]);
      expect(await jobs.subscribers(j2)).toEqual([]);
    });

    it("counts a caller's active jobs and a tenant's working ones", async () => {
      const { jobs } = fixture();
      if (!jobs.countActive || !jobs.countWorking) return;
      const tenant = `t-${randomUUID().slice(0, 6)}`;
      const principal = { tenant, subject: "alice", groups: [] };
      const [a, b, c] = [id(), id(), id()];
      for (const j of [a, b, c]) await jobs.create(j, { question: "q", principal });
      await jobs.create(id(), { question: "q", principal: { tenant, subject: "bob", groups: [] } });
      await jobs.transition(a, ["pending"], "working");
      await jobs.transition(b, ["pending"], "working");
      await jobs.transition(b, ["working"], "completed", { result });
      expect(await jobs.countActive(`${tenant}/alice`)).toBe(2);
      expect(await jobs.countWorking(tenant)).toBe(1);
    });

    it("purges finished jobs with their events, where offered", async () => {
      const { jobs } = fixture();
      if (!jobs.purgeFinished) return;
      const [done, running] = [id(), id()];
      await jobs.create(done, { question: "q" });
      await jobs.create(running, { question: "q" });
      await jobs.appendEvent(done, "done", {});
      await jobs.transition(done, ["pending"], "cancelled");
      await jobs.transition(running, ["pending"], "working");
      expect(await jobs.purgeFinished(new Date(Date.now() + 1000).toISOString())).toBeGreaterThanOrEqual(1);
      expect(await jobs.get(done)).toBeUndefined();
      expect(await jobs.events(done, 0)).toEqual([]);
      expect((await jobs.get(running))?.status).toBe("working");
    });
  });
}
