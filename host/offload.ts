import { DocumentError } from "../shared/domain/errors";
import { parseAndChunk as parseAndChunkHere } from "../shared/ingest/parse-and-chunk";
import { detectContentType, TYPES } from "../shared/ingest/parse/detect";
import type { Offload, ParseChunkRequest, ParsedChunks } from "../shared/ports/offload";
import type { Context } from "../shared/runtime/context";
import { ownBytes, poolSize, WorkerPool } from "../shared/runtime/worker-pool";
import type { Topology } from "../shared/topology";
import { OffloadedEmbedder } from "./offloaded-embedder";
import { asBuffer } from "./worker-tasks";

// The host's worker threads: document parsing and chunking, and the local embedder's document
// batches, leave the thread that serves HTTP, WebSocket and the queues. RAGLINE_WORKERS sizes the pool (unset: one per core less the request thread's; 0: in-process).

/**
 * A hop to a worker costs about half a CPU-millisecond (copies both ways, two wake-ups): more than
 * parsing and chunking a small text file. Text formats under this size are parsed on the calling
 * thread (a few milliseconds at most); anything larger, and every binary format (PDF, office, images
 * for OCR, mail with attachments), goes to a worker. Measured on scifact abstracts (~1.4 KB each):
 * through the pipeline 0.35x → 0.38-0.39x of the direct stage calls, 3.7 → 2.8 CPU-ms a document.
 */
export const PARSE_HERE_MAX_BYTES = 32 * 1024;
const PARSED_HERE: ReadonlySet<string> = new Set([TYPES.text, TYPES.markdown, TYPES.csv, TYPES.tsv, TYPES.html]);

/**
 * Ingest events the host runs at once. A small text parses on the calling thread in well under a
 * millisecond, so a document's time goes to its commits (catalog, queues, index); documents in flight
 * together share them (group commit). Through the pipeline on scifact abstracts: 2 at once 0.39x of
 * the direct stage calls, 16 at once 0.65-0.75x (bench/ingest-ratio). Those that may bring a large
 * document stay as few at once as before (see mayBringLargeDocument).
 */
export const PARSES_IN_FLIGHT = 16;

/**
 * Whether an ingest event may bring a document larger than PARSE_HERE_MAX_BYTES (its bytes held in
 * memory while it waits for a worker and parses): a created object over that size or of unknown size,
 * or a source change (it re-reads an object of unknown size). Removals, S3's test event and
 * unreadable bodies (which fail validation at once) hold nothing. The size is the event's: an object
 * rewritten larger before it is read comes with its own, later event.
 */
export function mayBringLargeDocument(body: string): boolean {
  let event: { Records?: { eventName?: string; s3?: { object?: { size?: unknown } } }[]; type?: unknown };
  try {
    event = JSON.parse(body);
  } catch {
    return false;
  }
  if (!Array.isArray(event?.Records)) return typeof event?.type === "string";
  return event.Records.some((r) => {
    if (/Removed/.test(r?.eventName ?? "")) return false;
    const size = r?.s3?.object?.size;
    return typeof size !== "number" || size > PARSE_HERE_MAX_BYTES;
  });
}

/** Past the parse's own deadline (which the worker enforces between pages), how long before its worker is stopped. */
const HARD_STOP_GRACE_MS = 5_000;

export class WorkerOffload implements Offload {
  constructor(readonly pool: WorkerPool) {}

  async parseAndChunk(req: ParseChunkRequest): Promise<ParsedChunks> {
    if (await parsesHere(req)) return parseAndChunkHere(req);
    const { bytes, transfer } = ownBytes(req.body);
    const timeoutMs = req.limits.timeoutMs + HARD_STOP_GRACE_MS;
    const out = await this.pool
      .run<ParsedChunks>(
        "parseAndChunk",
        { ...req, body: bytes },
        {
          transfer: [transfer],
          timeoutMs,
          onTimeout: () => new DocumentError("parse_timeout", `parsing took longer than ${Math.round(timeoutMs / 1000)} s (its worker was stopped)`),
        },
      )
      .catch((err) => {
        throw revive(err);
      });
    return { ...out, attachments: out.attachments?.map((a) => ({ ...a, body: asBuffer(a.body) })) };
  }

  /** Undoes what the offload changed on its context. */
  onClose?: () => void;

  close() {
    this.onClose?.();
    return this.pool.close();
  }
}

async function parsesHere(req: ParseChunkRequest): Promise<boolean> {
  return req.body.byteLength <= PARSE_HERE_MAX_BYTES && PARSED_HERE.has(await detectContentType(req.key, req.body, req.contentType));
}

/** A bad document stays a DocumentError (the document fails); anything else stays transient (the queue retries). */
function revive(err: unknown): unknown {
  const e = err as { name?: string; code?: string; message?: string };
  return e?.name === "DocumentError" && e.code ? new DocumentError(e.code, e.message ?? e.code) : err;
}

/** The pool for a host that runs the ingest workers, set on the context; undefined when configured off. */
export function startOffload(ctx: Context, topology: Topology): WorkerOffload | undefined {
  const size = poolSize(ctx.config.RAGLINE_WORKERS);
  if (size === 0) return undefined;
  // Each thread gets the parse function's memory, as Lambda would: a document past it ends its thread only.
  const memoryMb = topology.functions["ingest-parse"]?.memoryMB;
  const offload = new WorkerOffload(new WorkerPool({ size, memoryMb, tasks: new URL("./worker-tasks.ts", import.meta.url).href }));
  ctx.offload = offload;
  // The local embedder's document batches run there too (a model over HTTP does not block this thread).
  const embedder = ctx.embedder;
  const offloaded = OffloadedEmbedder.wrap(embedder, offload.pool);
  if (offloaded) ctx.embedder = offloaded;
  offload.onClose = () => {
    if (ctx.offload === offload) ctx.offload = undefined;
    if (ctx.embedder === offloaded) ctx.embedder = embedder;
  };
  return offload;
}
