import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { resourceLimits } from "node:worker_threads";
import { DocumentError, TransientError } from "../../../domain/errors";
import { WorkerPool } from "../../../runtime/worker-pool";
import type { Deadline } from "../limits";
import type { PagesRead } from "./read-pages";
import type { RangeRequest } from "./range-task";

// A large PDF is read by two threads at once: this one reads the first half of its pages while a
// second thread (pdf.js's text extraction is ~90% of a parse) reads the second half. pdf.js stays
// in-thread on both, so each page costs what it did; the second opening (xref, fonts learnt again)
// is the only extra work. Where the task's source is not on disk (a bundled Lambda) or there is one
// core, a PDF is read by one thread as before.

const TASKS = new URL("./range-task.ts", import.meta.url);
/** Pages each thread must have at least: below that the second opening costs more than it saves. */
const MIN_PAGES_PER_THREAD = 20;
/** Past the parse's own deadline (which the range reader enforces between pages), how long before its thread is stopped. */
const HARD_STOP_GRACE_MS = 5_000;

let pool: WorkerPool | undefined;
const available = availableParallelism() > 1 && existsSync(fileURLToPath(TASKS));

/** The first page the second thread reads, or undefined where one thread reads the PDF. */
export function secondHalfStart(numPages: number): number | undefined {
  return available && numPages >= 2 * MIN_PAGES_PER_THREAD ? Math.ceil(numPages / 2) + 1 : undefined;
}

/** Pages `first` to `last` of the PDF in `body`, read on the range reader's thread. */
export async function readElsewhere(body: Buffer, first: number, last: number, deadline: Deadline): Promise<PagesRead> {
  // The thread's heap limit is this thread's (a pool worker's: a hostile PDF ends that thread only).
  pool ??= new WorkerPool({ size: 1, tasks: TASKS.href, memoryMb: resourceLimits.maxOldGenerationSizeMb });
  const copy = new Uint8Array(body); // handed over; the caller's bytes stay for its own half and OCR
  const timeoutMs = deadline.remaining() + HARD_STOP_GRACE_MS;
  const request: RangeRequest = { body: copy, first, last, timeoutMs: deadline.remaining() };
  return pool
    .run<PagesRead>("readPdfRange", request, {
      transfer: [copy.buffer],
      timeoutMs,
      onTimeout: () => new DocumentError("parse_timeout", `reading the PDF took longer than ${Math.round(timeoutMs / 1000)} s (its thread was stopped)`),
    })
    .catch((err) => {
      throw revive(err);
    });
}

/** A bad document stays a DocumentError (the document fails); a lost thread is transient (the queue retries). */
function revive(err: unknown): Error {
  if (err instanceof DocumentError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  if (e?.name === "DocumentError" && e.code) return new DocumentError(e.code, e.message ?? e.code);
  return new TransientError(`the second PDF reader failed: ${e?.message ?? String(err)}`, err);
}
