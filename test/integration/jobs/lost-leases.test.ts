import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteQueue } from "../../../shared/adapters/embedded/sqlite-queue";
import { recordLostWork } from "../../../shared/jobs/worker-lost";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { QUEUES } from "../../../shared/topology";
import { tempDir, waitFor } from "../../helpers/tmp";

// Leases of lost workers on the embedded queue, across real processes on one SQLite file: a worker
// process takes a message and is killed (SIGKILL) or stays alive; this process sweeps.

const root = join(import.meta.dirname, "..", "..", "..");
const VISIBILITY = 300; // far beyond the test: a release before it comes from the sweep, not the timeout

/** A worker process: opens the queue, heartbeats every `beatMs`, leases one message, prints "leased <id>", then idles. */
function worker(path: string, beatMs: number): Promise<{ proc: ChildProcess; messageId: string; pid: number }> {
  const code = `
    const { SqliteQueue } = await import(${JSON.stringify(join(root, "shared/adapters/embedded/sqlite-queue.ts"))});
    const q = new SqliteQueue(${JSON.stringify(path)});
    q.startHeartbeat(${beatMs});
    const [m] = await q.receive("work", { maxMessages: 1, visibilityTimeoutSeconds: ${VISIBILITY}, waitSeconds: 5 });
    console.log("leased " + m.id);
    setInterval(() => {}, 1000);`;
  const proc = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  return waitFor(
    () => {
      if (proc.exitCode !== null) throw new Error(`worker exited: ${out}`);
      const id = /leased (\S+)/.exec(out)?.[1];
      return id ? { proc, messageId: id, pid: proc.pid! } : undefined;
    },
    "the worker to lease a message",
    30_000,
    50,
  );
}

const kill = (p: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode) return resolve();
    p.once("exit", () => resolve());
    p.kill("SIGKILL");
  });

describe("lost leases on the embedded queue (real processes, one SQLite file)", () => {
  let t: ReturnType<typeof tempDir>;
  let q: SqliteQueue;
  let path: string;
  const procs: ChildProcess[] = [];
  beforeEach(() => {
    t = tempDir();
    path = join(t.dir, "queue.db");
    q = new SqliteQueue(path);
  });
  afterEach(async () => {
    for (const p of procs) await kill(p);
    q.close();
    t.cleanup();
  });

  it("releases at once the lease of a worker killed with SIGKILL, naming when it was last seen", async () => {
    await q.send("work", "job-1");
    const w = await worker(path, 500);
    procs.push(w.proc);
    expect(q.claimLost()).toEqual([]); // alive: nothing to take
    const killedAt = Date.now();
    await kill(w.proc);
    const lost = q.claimLost();
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ queue: "work", messageId: w.messageId, body: "job-1", receiveCount: 1 });
    expect(Date.parse(lost[0].lostAt)).toBeLessThanOrEqual(killedAt);
    expect(Date.parse(lost[0].lostAt)).toBeGreaterThan(killedAt - 5_000);
    // Claimed, not yet visible: the claimer records why first, then releases.
    expect(await q.receive("work", { maxMessages: 1, visibilityTimeoutSeconds: 30 })).toEqual([]);
    q.release(lost);
    const [again] = await q.receive("work", { maxMessages: 1, visibilityTimeoutSeconds: 30 });
    expect(again).toMatchObject({ id: w.messageId, receiveCount: 2 });
    expect(Date.now() - killedAt).toBeLessThan((VISIBILITY * 1000) / 10);
  });

  it("never takes the lease of a live worker in another process, however often it sweeps", async () => {
    await q.send("work", "job-live");
    const w = await worker(path, 200);
    procs.push(w.proc);
    const until = Date.now() + 2_500; // > 3 heartbeat periods + 1 s: a stopped heartbeat would have shown
    while (Date.now() < until) {
      expect(q.claimLost()).toEqual([]);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await q.depth("work")).inFlight).toBe(1);
  });

  it("a recorded pid now reused by another, live process: released at once (the process start time differs)", async () => {
    await q.send("work", "job-reused");
    const [m] = await q.receive("work", { maxMessages: 1, visibilityTimeoutSeconds: VISIBILITY });
    const sleeper = spawn("sleep", ["30"]); // holds the pid the lost instance had
    procs.push(sleeper);
    const db = new Database(path);
    const machine = (db.prepare("SELECT machine FROM instances WHERE id = ?").get(q.instanceId) as { machine: string }).machine;
    db.prepare("INSERT INTO instances (id, pid, machine, started_at, last_seen, heartbeat_ms, pid_start) VALUES ('lost-one', ?, ?, ?, ?, 60000, '1')").run(
      sleeper.pid,
      machine,
      Date.now(),
      Date.now(),
    );
    db.prepare("UPDATE messages SET owner = 'lost-one' WHERE id = ?").run(m.id);
    db.close();
    expect(q.claimLost().map((l) => l.messageId)).toEqual([m.id]);
  });

  it("an instance on another machine: its leases are kept while its heartbeat goes on, released once it is overdue", async () => {
    await q.send("work", "job-remote");
    const [m] = await q.receive("work", { maxMessages: 1, visibilityTimeoutSeconds: VISIBILITY });
    const db = new Database(path);
    const beatMs = 200;
    const beat = () => db.prepare("UPDATE instances SET last_seen = ? WHERE id = 'remote'").run(Date.now());
    db.prepare("INSERT INTO instances (id, pid, machine, started_at, last_seen, heartbeat_ms) VALUES ('remote', ?, 'other-host/pid:[1]', ?, ?, ?)").run(
      process.pid,
      Date.now(),
      Date.now(),
      beatMs,
    );
    db.prepare("UPDATE messages SET owner = 'remote' WHERE id = ?").run(m.id);
    const beating = setInterval(beat, beatMs);
    try {
      const until = Date.now() + 5 * beatMs + 2000 + 500; // past the margin: only a stopped heartbeat would release it
      while (Date.now() < until) {
        expect(q.claimLost()).toEqual([]);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      clearInterval(beating);
    }
    const stoppedAt = Date.now();
    const lost = await waitFor(
      () => {
        const l = q.claimLost();
        return l.length ? l : undefined;
      },
      "the overdue heartbeat to release it",
      10_000,
      50,
    );
    expect(lost[0].messageId).toBe(m.id);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(5 * beatMs + 2000 - 250);
    db.close();
  });

  it("an instance judged lost that is in fact alive registers again, so its new leases are kept", async () => {
    const other = new SqliteQueue(path);
    other.startHeartbeat(50);
    const db = new Database(path);
    db.prepare("DELETE FROM instances WHERE id = ?").run(other.instanceId); // as a sweep that judged it lost would
    db.close();
    await waitFor(
      () => {
        const ro = new Database(path, { readonly: true });
        try {
          return ro.prepare("SELECT 1 FROM instances WHERE id = ?").get(other.instanceId);
        } finally {
          ro.close();
        }
      },
      "it to register again",
      2_000,
      20,
    );
    await q.send("work", "after");
    const [m] = await other.receive("work", { maxMessages: 1, visibilityTimeoutSeconds: VISIBILITY });
    expect(m.body).toBe("after");
    expect(q.claimLost()).toEqual([]);
    other.close();
  });

  it("a lease recorded under this process's own pid by another instance (a restarted container) is released at once", async () => {
    await q.send("work", "job-same-pid");
    const [m] = await q.receive("work", { maxMessages: 1, visibilityTimeoutSeconds: VISIBILITY });
    const db = new Database(path);
    const machine = (db.prepare("SELECT machine FROM instances WHERE id = ?").get(q.instanceId) as { machine: string }).machine;
    db.prepare("INSERT INTO instances (id, pid, machine, started_at, last_seen, heartbeat_ms) VALUES ('before-restart', ?, ?, ?, ?, 60000)").run(
      process.pid,
      machine,
      Date.now(),
      Date.now(),
    );
    db.prepare("UPDATE messages SET owner = 'before-restart' WHERE id = ?").run(m.id);
    db.close();
    expect(q.claimLost().map((l) => l.messageId)).toEqual([m.id]);
  });

  it("a stale receipt of the lost worker does nothing after the release", async () => {
    await q.send("work", "job-fenced");
    const other = new SqliteQueue(path); // same process, another instance: closed = gone
    const [m] = await other.receive("work", { maxMessages: 1, visibilityTimeoutSeconds: VISIBILITY });
    other.close();
    const lost = q.claimLost();
    expect(lost.map((l) => l.messageId)).toEqual([m.id]);
    q.release(lost);
    const reopened = new SqliteQueue(path);
    await reopened.delete("work", m.receiptHandle); // the lost worker's late delete
    reopened.close();
    expect((await q.depth("work")).visible).toBe(1);
  });

  it("a named lease (a schedule) is held by one instance until released or its holder is gone", async () => {
    const other = new SqliteQueue(path);
    expect(q.tryLease("schedule:x", 60_000)).toBe(true);
    expect(other.tryLease("schedule:x", 60_000)).toBe(false);
    expect(q.tryLease("schedule:x", 60_000)).toBe(true); // renewal
    q.releaseLease("schedule:x");
    expect(other.tryLease("schedule:x", 60_000)).toBe(true);
    other.close(); // its holder gone: free for others
    expect(q.tryLease("schedule:x", 60_000)).toBe(true);
  });
});

describe("what a lost worker leaves on its job and its document (embedded context, real SQLite stores)", () => {
  let t: ReturnType<typeof tempDir>;
  let ctx: ReturnType<typeof createEmbeddedContext>;
  beforeEach(() => {
    t = tempDir();
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));
  });
  afterEach(async () => {
    await ctx.close();
    t.cleanup();
  });

  /** A message of `queue` leased by another instance that then died (closed without finishing). */
  async function lostOn(queue: string, body: unknown) {
    await ctx.queue.send(queue, JSON.stringify(body));
    const dead = new SqliteQueue(join(t.dir, "state", "queue.db"));
    await dead.receive(queue, { maxMessages: 1, visibilityTimeoutSeconds: VISIBILITY });
    dead.close();
    return ctx.queue.claimLost();
  }

  it("a processing document being embedded says which stage lost its worker, at which attempt; its next write clears it", async () => {
    await ctx.catalog.put("report.pdf", { status: "processing", version: "v2" });
    const lost = await lostOn(QUEUES.embed, {
      type: "chunks.embed",
      documentKey: "report.pdf",
      version: "v2",
      total: 1,
      chunks: [{ id: "c1", documentKey: "report.pdf", version: "v2", ordinal: 0, text: "x", sectionPath: [], kind: "text", metadata: {} }],
    });
    await recordLostWork(ctx, lost, new Date("2030-01-01T00:00:00.000Z"));
    const doc = await ctx.catalog.get("report.pdf");
    expect(doc?.status).toBe("processing");
    expect(doc?.waiting).toMatchObject({ cause: "worker-lost", stage: "embed", attempt: 1, maxAttempts: 5, lostAt: lost[0].lostAt });
    expect(doc?.waiting?.reason).toBe(`waiting to resume: worker lost at ${lost[0].lostAt}, attempt 1 of 5, next attempt by 2030-01-01T00:00:00.000Z (embed)`);
    await ctx.catalog.putIfVersion("report.pdf", "v2", { status: "indexed", indexedVersion: "v2" });
    expect((await ctx.catalog.get("report.pdf"))?.waiting).toBeUndefined();
  });

  it("a note is not put on a newer version, nor on a document that is no longer processing", async () => {
    await ctx.catalog.put("a.txt", { status: "processing", version: "v3" });
    await ctx.catalog.put("b.txt", { status: "indexed", version: "v1" });
    const lostA = await lostOn(QUEUES.index, {
      type: "chunks.index",
      documentKey: "a.txt",
      version: "v2",
      total: 1,
      embeddingModel: "m",
      chunks: [{ id: "c", documentKey: "a.txt", version: "v2", ordinal: 0, text: "x", sectionPath: [], kind: "text", metadata: {}, vector: "AAAA" }],
    });
    const lostB = await lostOn(QUEUES.ingestEvents, { type: "source.changed", key: "b.txt" });
    await recordLostWork(ctx, [...lostA, ...lostB], new Date());
    expect((await ctx.catalog.get("a.txt"))?.waiting).toBeUndefined();
    expect((await ctx.catalog.get("b.txt"))?.waiting).toBeUndefined();
  });

  it("a working query job gets a waiting event and note naming the attempt; the next attempt clears the note", async () => {
    const job = await ctx.jobs.create("5d7e8a0c-1b2c-4d3e-8f90-a1b2c3d4e5f6", { question: "q" });
    await ctx.jobs.recordAttempt(job.id);
    await ctx.jobs.transition(job.id, ["pending"], "working");
    const lost = await lostOn(QUEUES.queryJobs, { type: "query.run", jobId: job.id });
    await recordLostWork(ctx, lost, new Date("2030-01-01T00:00:00.000Z"));
    const [event] = await ctx.jobs.events(job.id, 0);
    expect(event).toMatchObject({ type: "stage", data: { stage: "waiting", status: "waiting", cause: "worker-lost", attempt: 1, maxAttempts: 3 } });
    expect((await ctx.jobs.get(job.id))?.checkpoints.waiting).toMatchObject({ reason: event.data.reason });
  });
});
