import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

// A pool of worker threads for CPU-heavy pure tasks, so the calling thread (HTTP, WebSocket,
// queues, SQLite) stays responsive. Tasks are the named exports of one module, loaded in each
// worker through a bootstrap that registers tsx (the code is TypeScript run without a build).
// A task that kills its worker (out of memory, a crash) or overruns its time rejects that one
// call; the worker is replaced, the caller's process never goes down with it.

export interface WorkerPoolOptions {
  /** Threads at most; started on first use. */
  size: number;
  /** file: URL of the module whose exports are the tasks. */
  tasks: string;
  /** Heap limit of each worker, MB (a task past it ends its worker, not the process). */
  memoryMb?: number;
}

/** What a task returns: its value and the buffers to hand back without a copy. */
export interface TaskResult<T> {
  value: T;
  transfer?: ArrayBuffer[];
}

/** A task that ended without an answer: its worker died or was stopped. */
export class WorkerLost extends Error {
  override name = "WorkerLost";
}

interface Pending {
  id: number;
  task: string;
  payload: unknown;
  transfer: ArrayBuffer[];
  timeoutMs?: number;
  onTimeout?: () => Error;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}
interface Slot {
  worker: Worker;
  job?: Pending;
  timer?: NodeJS.Timeout;
  threadId: number;
}

const bootstrap = new URL("./worker-thread.mjs", import.meta.url);

/**
 * Threads for a setting: `undefined` = one per core the process may use, less the one the calling thread
 * needs (at least one); 0 = none (in-process). On 2 cores, 2 workers measured slower than 1 (oversubscribed).
 */
export const poolSize = (setting: number | undefined): number => setting ?? Math.max(1, availableParallelism() - 1);

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private nextId = 1;
  private closed = false;
  stats = { completed: 0, failed: 0, lost: 0, timedOut: 0, running: 0, started: 0 };
  /** Thread ids that ran at least one task (tests prove the work left the calling thread). */
  readonly threadIds = new Set<number>();

  constructor(private readonly opts: WorkerPoolOptions) {
    if (opts.size < 1) throw new Error("a worker pool needs at least one thread");
  }

  get size() {
    return this.opts.size;
  }

  /**
   * Runs `task` on a free worker (queued while all are busy). `transfer`: buffers handed over, not copied.
   * Past `timeoutMs` the worker is terminated (a synchronous loop cannot be interrupted otherwise) and the
   * call rejects with `onTimeout()`.
   */
  run<T>(task: string, payload: unknown, opts: { transfer?: ArrayBuffer[]; timeoutMs?: number; onTimeout?: () => Error } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the worker pool is closed"));
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
        id: this.nextId++,
        task,
        payload,
        transfer: opts.transfer ?? [],
        timeoutMs: opts.timeoutMs,
        onTimeout: opts.onTimeout,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.waiting.splice(0)) p.reject(new Error("the worker pool is closed"));
    await Promise.all(
      this.slots.splice(0).map((s) => {
        s.job?.reject(new WorkerLost("the worker pool closed while the task ran"));
        clearTimeout(s.timer);
        return s.worker.terminate();
      }),
    );
  }

  private dispatch() {
    while (this.waiting.length) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.opts.size) slot = this.spawn();
      if (!slot) return;
      this.assign(slot, this.waiting.shift()!);
    }
  }

  private assign(slot: Slot, job: Pending) {
    slot.job = job;
    slot.worker.ref(); // a task under way keeps the process alive, an idle thread does not
    this.stats.running++;
    if (job.timeoutMs !== undefined) {
      slot.timer = setTimeout(
        () => this.lose(slot, job.onTimeout?.() ?? new WorkerLost(`task ${job.task} took longer than ${job.timeoutMs} ms`), "timedOut"),
        job.timeoutMs,
      );
      slot.timer.unref();
    }
    try {
      slot.worker.postMessage({ id: job.id, task: job.task, payload: job.payload }, job.transfer);
    } catch (err) {
      this.finish(slot);
      job.reject(err);
    }
  }

  private spawn(): Slot {
    const mb = this.opts.memoryMb;
    const worker = new Worker(bootstrap, {
      workerData: { tasks: this.opts.tasks },
      resourceLimits: mb ? { maxOldGenerationSizeMb: mb } : undefined,
      stdout: false,
      stderr: false,
    });
    worker.unref(); // an idle pool never holds the process open
    const slot: Slot = { worker, threadId: worker.threadId };
    this.slots.push(slot);
    this.stats.started++;
    worker.on("message", (m: { id: number; ok: boolean; value?: unknown; error?: { name: string; message: string; code?: string } }) => {
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      this.finish(slot);
      this.threadIds.add(slot.threadId);
      if (m.ok) {
        this.stats.completed++;
        job.resolve(m.value);
      } else {
        this.stats.failed++;
        job.reject(Object.assign(new Error(m.error?.message), m.error));
      }
      this.dispatch();
    });
    worker.on("error", (err) => this.lose(slot, new WorkerLost(`the worker thread failed: ${err.message}`), "lost"));
    worker.on("exit", (code) => this.lose(slot, new WorkerLost(`the worker thread exited (code ${code})`), "lost"));
    return slot;
  }

  /** The slot's worker is gone (or made to go): its task fails with `err`, a new worker takes its place on demand. */
  private lose(slot: Slot, err: Error, why: "lost" | "timedOut") {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const job = slot.job;
    this.finish(slot);
    if (job) {
      this.stats[why]++;
      job.reject(err);
    }
    void slot.worker.terminate();
    if (!this.closed) this.dispatch();
  }

  private finish(slot: Slot) {
    if (slot.job) this.stats.running--;
    slot.worker.unref();
    slot.job = undefined;
    clearTimeout(slot.timer);
    slot.timer = undefined;
  }
}

/** The bytes of `buf` as an ArrayBuffer that may be transferred: its own when it owns all of it, a copy otherwise. */
export function ownBytes(buf: Uint8Array): { bytes: Uint8Array; transfer: ArrayBuffer } {
  if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer) return { bytes: buf, transfer: buf.buffer };
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return { bytes: copy, transfer: copy.buffer };
}
