import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { threadId } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { ownBytes, WorkerLost, WorkerPool } from "../../../shared/runtime/worker-pool";

// The pool on real worker threads; the tasks are stand-ins (test/fixtures/pool-tasks.ts) that block,
// crash or exhaust memory on purpose.

const tasks = new URL("../../fixtures/pool-tasks.ts", import.meta.url).href;

describe("worker pool (real threads, stand-in tasks)", () => {
  let pool: WorkerPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it("runs tasks on threads other than the caller's, at most `size` of them", async () => {
    pool = new WorkerPool({ size: 2, tasks });
    const ids = await Promise.all([1, 2, 3, 4].map(() => pool!.run<number>("spin", 50)));
    expect(ids).not.toContain(threadId);
    expect(new Set(ids).size).toBeLessThanOrEqual(2);
    expect(pool.stats).toMatchObject({ completed: 4, started: 2, running: 0 });
  });

  it("keeps the calling thread free while a task blocks its worker: a timer fires before the task ends", async () => {
    pool = new WorkerPool({ size: 1, tasks });
    await pool.run("whoAmI", undefined); // thread started
    const order: string[] = [];
    const task = pool.run("spin", 1500).then(() => order.push("task"));
    await new Promise((r) => setTimeout(r, 20)).then(() => order.push("timer"));
    await task;
    expect(order).toEqual(["timer", "task"]);
  });

  it("a task that ends its thread fails alone (WorkerLost); the next task gets a new thread", async () => {
    pool = new WorkerPool({ size: 1, tasks });
    const first = await pool.run<number>("whoAmI", undefined);
    await expect(pool.run("exitThread", undefined)).rejects.toBeInstanceOf(WorkerLost);
    const next = await pool.run<number>("whoAmI", undefined);
    expect(next).not.toBe(first);
    expect(pool.stats).toMatchObject({ lost: 1, started: 2 });
  });

  it("a task past its heap limit ends its thread, not the process", async () => {
    pool = new WorkerPool({ size: 1, tasks, memoryMb: 64 });
    await expect(pool.run("exhaustMemory", undefined)).rejects.toThrow(/worker thread (failed|exited)/);
    expect(await pool.run<number>("whoAmI", undefined)).not.toBe(threadId);
  });

  it("a task past its time has its thread terminated and rejects with the caller's error; queued tasks go on", async () => {
    pool = new WorkerPool({ size: 1, tasks });
    const stuck = pool.run("spin", 60_000, { timeoutMs: 300, onTimeout: () => new Error("too slow") });
    const queued = pool.run<number>("whoAmI", undefined);
    await expect(stuck).rejects.toThrow("too slow");
    expect(await queued).not.toBe(threadId);
    expect(pool.stats.timedOut).toBe(1);
  });

  it("a task's error keeps its name, message and code across the thread", async () => {
    pool = new WorkerPool({ size: 1, tasks });
    await expect(pool.run("fail", "nope")).rejects.toMatchObject({ name: "DocumentError", message: "nope", code: "bad_input" });
  });

  it("hands bytes over without copying when it owns them (the sender's view empties), copies a slice of a larger buffer", async () => {
    pool = new WorkerPool({ size: 1, tasks });
    const own = new Uint8Array([1, 2, 3]);
    const a = ownBytes(own);
    expect(await pool.run<number>("sum", a.bytes, { transfer: [a.transfer] })).toBe(6);
    expect(own.byteLength).toBe(0);
    const big = Buffer.from([9, 9, 4, 5, 9]);
    const slice = big.subarray(2, 4);
    const b = ownBytes(slice);
    expect(await pool.run<number>("sum", b.bytes, { transfer: [b.transfer] })).toBe(9);
    expect([...big]).toEqual([9, 9, 4, 5, 9]);
  });

  it("a task under way keeps the process alive; an idle pool lets it exit (a real child process)", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(new URL("../../fixtures/pool-alone.ts", import.meta.url))], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stdout).toMatch(/^answered by thread [1-9]\d*$/m);
    expect(r.status).toBe(0);
  }, 90_000);
});
