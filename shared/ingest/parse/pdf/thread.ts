import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MessageChannel, type MessagePort, resourceLimits, Worker } from "node:worker_threads";
import { getResolvedPDFJS } from "unpdf";
import { TransientError } from "../../../domain/errors";

// pdf.js on a thread of its own: without one, pdf.js runs its "worker" (content streams, fonts, text
// assembly: ~90% of a parse) on the parsing thread, between the pages that thread lays out. One thread
// per parsing thread, started on first use and shared by the documents it opens; it holds the process
// open only while a document is open. Where its entry file is not on disk (a bundled Lambda), pdf.js
// stays in-thread as before.

const ENTRY = new URL("./pdfjs-thread.mjs", import.meta.url);

interface PdfThread {
  /** pdf.js's PDFWorker bound to the thread's port: passed to getDocument as `worker`. */
  pdfWorker: unknown;
  port: MessagePort;
  worker: Worker;
  open: number;
  /** Set once the thread has ended: why. */
  lost?: Error;
  onLost: Set<(err: Error) => void>;
}

/** A document's hold on the thread: `lost` rejects if the thread dies while the document is open. */
export interface ThreadLease {
  pdfWorker: unknown;
  lost: Promise<never>;
  release(): void;
}

let current: PdfThread | undefined;
let inThreadOnly = !existsSync(fileURLToPath(ENTRY));

/** The pdf.js thread for one document, or undefined where pdf.js must run in-thread. */
export async function leaseThread(): Promise<ThreadLease | undefined> {
  if (inThreadOnly) return undefined;
  if (!current || current.lost) {
    try {
      current = await start();
    } catch {
      inThreadOnly = true; // worker threads unavailable here: the in-thread way still works
      return undefined;
    }
  }
  const thread = current;
  if (thread.open++ === 0) thread.port.ref();
  let onLost: ((err: Error) => void) | undefined;
  const lost = new Promise<never>((_, reject) => {
    onLost = reject;
    thread.onLost.add(reject);
  });
  lost.catch(() => {}); // read only through races; a lease nobody races must not be an unhandled rejection
  let released = false;
  return {
    pdfWorker: thread.pdfWorker,
    lost,
    release() {
      if (released) return;
      released = true;
      if (onLost) thread.onLost.delete(onLost);
      if (--thread.open === 0 && !thread.lost) thread.port.unref();
    },
  };
}

async function start(): Promise<PdfThread> {
  const { PDFWorker } = (await getResolvedPDFJS()) as unknown as { PDFWorker: new (o: { port: MessagePort; verbosity: number }) => unknown };
  const { port1, port2 } = new MessageChannel();
  // The parsing thread's heap limit (a pool worker's) bounds pdf.js's heap too: a hostile PDF ends this thread only.
  const heapMb = resourceLimits.maxOldGenerationSizeMb;
  const worker = new Worker(ENTRY, {
    workerData: { port: port2 },
    transferList: [port2],
    resourceLimits: heapMb ? { maxOldGenerationSizeMb: heapMb } : undefined,
  });
  worker.unref();
  port1.unref();
  const thread: PdfThread = { pdfWorker: new PDFWorker({ port: port1, verbosity: 0 }), port: port1, worker, open: 0, onLost: new Set() };
  let cause: Error | undefined;
  worker.on("error", (err) => {
    cause = err;
  });
  worker.on("exit", (code) => {
    const oom = (cause as { code?: string } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY";
    thread.lost = new TransientError(
      oom ? `the PDF reader's thread ran out of memory (${heapMb ?? "default"} MB)` : `the PDF reader's thread stopped (exit code ${code})`,
      cause,
    );
    for (const reject of thread.onLost) reject(thread.lost);
    thread.onLost.clear();
    port1.close();
    if (current === thread) current = undefined;
  });
  return thread;
}

/** Ends the pdf.js thread as a crash would (documents open on it fail, the next one starts a new thread): for tests. */
export async function stopThread(): Promise<void> {
  await current?.worker.terminate();
}
