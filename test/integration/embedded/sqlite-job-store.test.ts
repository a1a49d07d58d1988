import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { SqliteJobStore } from "../../../shared/adapters/embedded/sqlite-job-store";
import { tempDir } from "../../helpers/tmp";

describe("SqliteJobStore", () => {
  let t: ReturnType<typeof tempDir>;
  let jobs: SqliteJobStore;
  beforeEach(() => {
    t = tempDir();
    jobs = new SqliteJobStore(join(t.dir, "jobs.db"));
  });
  afterEach(() => {
    jobs.close();
    t.cleanup();
  });

  it("guards transitions: pending → working → completed, and nothing leaves a terminal state", async () => {
    await jobs.create("j1", { question: "q" });
    expect(await jobs.transition("j1", ["working"], "completed")).toBeUndefined(); // not working yet
    expect((await jobs.transition("j1", ["pending"], "working"))?.status).toBe("working");
    const done = await jobs.transition("j1", ["working"], "completed", { result: { answer: "a", citations: [], abstained: false, backends: {}, timings: {} } });
    expect(done?.status).toBe("completed");
    expect(done?.result?.answer).toBe("a");
    expect(await jobs.transition("j1", ["completed"], "working")).toBeUndefined();
    expect(await jobs.transition("j1", ["working", "pending"], "failed")).toBeUndefined();
    expect((await jobs.get("j1"))?.status).toBe("completed");
  });

  it("appends events with gap-free sequence numbers, even when appends race", async () => {
    await jobs.create("j2", { question: "q" });
    const appended = await Promise.all(Array.from({ length: 50 }, (_, i) => jobs.appendEvent("j2", "delta", { i })));
    expect(appended.map((e) => e!.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const after = await jobs.events("j2", 45);
    expect(after.map((e) => e.seq)).toEqual([46, 47, 48, 49, 50]);
  });

  it("a second store on the same file continues the sequence (another process)", async () => {
    await jobs.create("j3", { question: "q" });
    await jobs.appendEvent("j3", "stage", {});
    const other = new SqliteJobStore(join(t.dir, "jobs.db"));
    expect((await other.appendEvent("j3", "stage", {}))!.seq).toBe(2);
    other.close();
    expect((await jobs.appendEvent("j3", "done", {}))!.seq).toBe(3);
  });

  it("keeps checkpoints per stage and counts attempts", async () => {
    await jobs.create("j4", { question: "q" });
    await jobs.saveCheckpoint("j4", "retrieve", { chunks: [1, 2] });
    await jobs.saveCheckpoint("j4", "rerank", { chunks: [2] });
    expect(await jobs.recordAttempt("j4")).toBe(1);
    expect(await jobs.recordAttempt("j4")).toBe(2);
    const j = await jobs.get("j4");
    expect(j?.checkpoints).toEqual({ retrieve: { chunks: [1, 2] }, rerank: { chunks: [2] } });
  });

  it("records subscriptions per job and drops them on disconnect", async () => {
    await jobs.subscribe("j5", "c1");
    await jobs.subscribe("j5", "c2");
    await jobs.subscribe("j5", "c1");
    expect((await jobs.subscribers("j5")).sort()).toEqual(["c1", "c2"]);
    await jobs.unsubscribe("c1");
    expect(await jobs.subscribers("j5")).toEqual(["c2"]);
  });
});
