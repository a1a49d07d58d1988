import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { SqliteQueue } from "../../../shared/adapters/embedded/sqlite-queue";
import { dlqName } from "../../../shared/ports/queue";
import { tempDir, waitFor } from "../../helpers/tmp";

describe("SqliteQueue (SQS semantics on a real SQLite file)", () => {
  let t: ReturnType<typeof tempDir>;
  let q: SqliteQueue;
  beforeEach(() => {
    t = tempDir();
    q = new SqliteQueue(join(t.dir, "q.db"));
  });
  afterEach(() => {
    q.close();
    t.cleanup();
  });

  it("delivers a batch, hides it for the visibility timeout, and deletes by receipt", async () => {
    await q.sendBatch("jobs", ["a", "b", "c"]);
    const first = await q.receive("jobs", { maxMessages: 2, visibilityTimeoutSeconds: 30 });
    expect(first.map((m) => m.body)).toEqual(["a", "b"]);
    expect(first.every((m) => m.receiveCount === 1)).toBe(true);
    const second = await q.receive("jobs", { maxMessages: 10, visibilityTimeoutSeconds: 30 });
    expect(second.map((m) => m.body)).toEqual(["c"]);
    expect(await q.depth("jobs")).toEqual({ visible: 0, inFlight: 3 });
    await q.delete("jobs", first[0].receiptHandle);
    expect(await q.depth("jobs")).toEqual({ visible: 0, inFlight: 2 });
  });

  it("redelivers after the visibility timeout with a higher receive count, and a stale receipt deletes nothing", async () => {
    await q.send("jobs", "x");
    const [m1] = await q.receive("jobs", { maxMessages: 1, visibilityTimeoutSeconds: 0.05 });
    // Waits for the redelivery itself, not for a clock margin.
    const [m2] = await waitFor(
      async () => {
        const got = await q.receive("jobs", { maxMessages: 1, visibilityTimeoutSeconds: 30 });
        return got.length ? got : undefined;
      },
      "the message redelivered",
      10_000,
      20,
    );
    expect(m2.id).toBe(m1.id);
    expect(m2.receiveCount).toBe(2);
    await q.delete("jobs", m1.receiptHandle); // stale
    expect((await q.depth("jobs")).inFlight).toBe(1);
    await q.delete("jobs", m2.receiptHandle);
    expect(await q.depth("jobs")).toEqual({ visible: 0, inFlight: 0 });
  });

  it("moves a message to the dead-letter queue once it was received maxReceives times", async () => {
    await q.send("jobs", "poison");
    for (let i = 0; i < 2; i++) {
      const got = await q.receive("jobs", { maxMessages: 1, visibilityTimeoutSeconds: 0, maxReceives: 2 });
      expect(got).toHaveLength(1);
    }
    expect(await q.receive("jobs", { maxMessages: 1, visibilityTimeoutSeconds: 0, maxReceives: 2 })).toHaveLength(0);
    expect(q.peek(dlqName("jobs")).map((m) => m.body)).toEqual(["poison"]);
  });

  it("long-polls: a receive waiting on an empty queue returns as soon as a message is sent", async () => {
    const started = Date.now();
    const pending = q.receive("jobs", { maxMessages: 1, visibilityTimeoutSeconds: 30, waitSeconds: 5 });
    setTimeout(() => void q.send("jobs", "late"), 100);
    const got = await pending;
    expect(got.map((m) => m.body)).toEqual(["late"]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("an empty poll is a read: it answers while another process holds the write lock, and never blocks that writer", async () => {
    await q.send("jobs", "later", { delaySeconds: 600 }); // not due
    const writer = new Database(join(t.dir, "q.db"));
    writer.pragma("busy_timeout = 0");
    writer.exec("BEGIN IMMEDIATE");
    try {
      // A write transaction here would wait for the writer (busy timeout 10 s) and then fail.
      expect(await q.receive("jobs", { maxMessages: 5, visibilityTimeoutSeconds: 30 })).toEqual([]);
      expect(await q.receive("other", { maxMessages: 5, visibilityTimeoutSeconds: 30 })).toEqual([]);
    } finally {
      writer.exec("COMMIT");
      writer.close();
    }
    // And while a poll runs, the writer (busy timeout 0) still gets its lock.
    const polling = q.receive("jobs", { maxMessages: 1, visibilityTimeoutSeconds: 30, waitSeconds: 0.3 });
    const other = new Database(join(t.dir, "q.db"));
    other.pragma("busy_timeout = 0");
    for (let i = 0; i < 5; i++) {
      other.exec("BEGIN IMMEDIATE; COMMIT");
      await new Promise((r) => setTimeout(r, 40));
    }
    other.close();
    expect(await polling).toEqual([]);
  });

  it("group commit: writes asked in one turn share one commit, and the next lease takes the writes waiting before it", async () => {
    await q.sendBatch("jobs", ["a", "b", "c", "d"]);
    const [a, b, c] = await q.receive("jobs", { maxMessages: 3, visibilityTimeoutSeconds: 30 });
    const before = q.commits;
    // Two deletes, a return and a send, asked together: one transaction, each resolved once committed.
    await Promise.all([
      q.delete("jobs", a.receiptHandle),
      q.delete("jobs", b.receiptHandle),
      q.changeVisibility("jobs", c.receiptHandle, 0),
      q.send("jobs", "e"),
    ]);
    expect(q.commits).toBe(before + 1);
    expect(await q.depth("jobs")).toEqual({ visible: 3, inFlight: 0 });
    // A delete asked just before a lease commits with it (what the poller does between batches).
    const [first] = await q.receive("jobs", { maxMessages: 1, visibilityTimeoutSeconds: 30 });
    const deleted = q.delete("jobs", first.receiptHandle);
    const rest = await q.receive("jobs", { maxMessages: 5, visibilityTimeoutSeconds: 30 });
    await deleted;
    expect(q.commits).toBe(before + 3);
    expect([first, ...rest].map((m) => m.body).sort()).toEqual(["c", "d", "e"]);
    expect(await q.depth("jobs")).toEqual({ visible: 0, inFlight: 2 });
  });

  it("group commit: receivers leasing in the same turn share one commit and never get the same message", async () => {
    await q.sendBatch("jobs", ["a", "b", "c", "d", "e"]);
    const before = q.commits;
    const got = await Promise.all(Array.from({ length: 4 }, () => q.receive("jobs", { maxMessages: 1, visibilityTimeoutSeconds: 30 })));
    expect(q.commits).toBe(before + 1);
    const bodies = got.flat().map((m) => m.body);
    expect(bodies).toHaveLength(4);
    expect(new Set(bodies).size).toBe(4);
    expect(await q.depth("jobs")).toEqual({ visible: 1, inFlight: 4 });
  });

  it("group commit: a write that fails is undone alone, its batch-mates commit", async () => {
    const bad = q.send("jobs", null as unknown as string); // body NOT NULL: this insert throws inside the shared transaction
    const good = q.sendBatch("jobs", ["ok1", "ok2"]);
    await expect(bad).rejects.toThrow(/NOT NULL/);
    expect(await good).toHaveLength(2);
    expect(q.peek("jobs").map((m) => m.body)).toEqual(["ok1", "ok2"]);
  });

  it("a write asked just before close is committed, not dropped", async () => {
    const sent = q.send("jobs", "last");
    q.close();
    await sent;
    q = new SqliteQueue(join(t.dir, "q.db"));
    expect(q.peek("jobs").map((m) => m.body)).toEqual(["last"]);
  });

  it("survives reopening: messages are durable across processes", async () => {
    await q.send("jobs", "durable");
    q.close();
    q = new SqliteQueue(join(t.dir, "q.db"));
    expect((await q.receive("jobs", { maxMessages: 1, visibilityTimeoutSeconds: 1 }))[0].body).toBe("durable");
  });
});
