import type { EmbedMessage, SourceChanged } from "../../events/messages";
import type { Chunk } from "../domain/chunk";
import type { Attachment, DocumentRecord } from "../domain/document";
import { DocumentError } from "../domain/errors";
import { logger } from "../observability/logger";
import { metrics, MetricUnit } from "../observability/metrics";
import type { ParseChunkRequest } from "../ports/offload";
import type { Context, Uses } from "../runtime/context";
import { QUEUES, topology } from "../topology";
import { sha256 } from "../util/hash";
import { allDocuments } from "./all-documents";
import { isDocumentKey } from "./keys";
import { objectMetadata } from "./metadata";
import { sameAccessScope } from "../domain/access";
import { parseAndChunk } from "./parse-and-chunk";

// Bucket events → documents. The content hash decides: the same bytes are never processed twice.

/** Keep queue bodies well under SQS's 256 KiB once vectors are added by the embed stage. */
const BATCH_TEXT_BYTES = 48 * 1024;
const BATCH_MAX_CHUNKS = 16;
/** Half the parse function's timeout: a too-slow document fails with parse_timeout, not a killed invocation. */
const PARSE_TIMEOUT_MS = topology.functions["ingest-parse"].timeoutSeconds * 500;
const EMAIL = "message/rfc822";

export type IngestOutcome = "queued" | "unchanged" | "duplicate" | "failed" | "removed" | "missing";

/**
 * The longest a healthy document can spend in `processing`: every ingest queue's visibility timeout
 * times its receives. Past that its messages have dead-lettered, and the document is stuck: a
 * re-upload, a retry or reconciliation ingests it again instead of taking it for work in progress.
 */
export const STUCK_AFTER_MS = (["ingest-parse", "ingest-embed", "ingest-index"] as const).reduce((ms, name) => {
  const t = topology.functions[name].trigger;
  return ms + (t.kind === "queue" ? t.visibilityTimeoutSeconds * t.maxReceives * 1000 : 0);
}, 0);

export function isStuck(rec: { status: string; updatedAt?: string }, now = Date.now()): boolean {
  return rec.status === "processing" && Boolean(rec.updatedAt) && now - Date.parse(rec.updatedAt!) > STUCK_AFTER_MS;
}

/** `force`: ingest again even when the content, metadata and state say nothing changed (a retry). */
export async function onObjectCreated(
  ctx: Uses<"catalog" | "index" | "objects" | "queue", "access" | "ingest"> & Pick<Context, "offload">,
  key: string,
  opts: { force?: boolean } = {},
): Promise<IngestOutcome> {
  if (!isDocumentKey(key)) return "unchanged";
  // The size is checked before the bytes are read: a too-large object must not cost its size in memory.
  const head = await ctx.objects.head(key);
  if (head && head.size > ctx.settings.ingest.maxObjectBytes) {
    const metadata = objectMetadata(key, head.metadata, ctx.settings.access.defaultRules);
    await ctx.catalog.put(key, {
      status: "failed",
      size: head.size,
      sourceEtag: head.etag,
      metadata,
      error: `too_large: the file is larger than ${ctx.settings.ingest.maxObjectBytes} bytes`,
    });
    return "failed";
  }
  const obj = head && (await ctx.objects.get(key));
  if (!obj) return onObjectRemoved(ctx, key).then(() => "missing" as const);
  const hash = sha256(obj.body);
  const metadata = objectMetadata(key, obj.info.metadata, ctx.settings.access.defaultRules);
  const prev = await ctx.catalog.get(key);
  const sameMeta = JSON.stringify(prev?.metadata ?? {}) === JSON.stringify(metadata);
  if (!opts.force && prev?.contentHash === hash && sameMeta && isSettled(prev)) {
    // Same content (a touch, a re-upload): only remember the new change marker.
    if (prev.sourceEtag !== obj.info.etag) await ctx.catalog.put(key, { ...prev, sourceEtag: obj.info.etag });
    return "unchanged";
  }

  // The version is content-addressed (plus metadata, which chunks carry): same input, same version.
  const version = sha256(hash + JSON.stringify(metadata)).slice(0, 16);
  const base = {
    contentHash: hash,
    version,
    size: obj.body.length,
    sourceEtag: obj.info.etag,
    metadata,
    error: undefined,
    warnings: undefined,
    duplicateOf: undefined,
  };

  // A twin only within the same tenant and ACL: a copy someone else cannot read is not a duplicate for them.
  const twin = await ctx.catalog.findByHash(hash);
  if (twin && twin.key !== key && sameAccessScope(twin.metadata, metadata)) {
    await ctx.catalog.put(key, { ...base, status: "duplicate", duplicateOf: twin.key, chunks: 0 });
    await ctx.index.removeDocument(key);
    if (lostTwins(prev, hash, metadata)) await releaseDuplicatesOf(ctx, key);
    return "duplicate";
  }

  await ctx.catalog.put(key, { ...base, status: "processing", chunks: undefined });
  if (lostTwins(prev, hash, metadata)) await releaseDuplicatesOf(ctx, key);
  try {
    if (obj.body.length > ctx.settings.ingest.maxObjectBytes)
      throw new DocumentError("too_large", `the file is larger than ${ctx.settings.ingest.maxObjectBytes} bytes`);
    // Off this thread where the runtime has a worker pool (the host), in-process otherwise.
    const request: ParseChunkRequest = {
      key,
      body: obj.body,
      contentType: obj.info.contentType,
      version,
      metadata,
      limits: { timeoutMs: PARSE_TIMEOUT_MS, ...ctx.settings.ingest.parse },
      chunking: ctx.settings.ingest.chunking,
    };
    const doc = await (ctx.offload ? ctx.offload.parseAndChunk(request) : parseAndChunk(request));
    await syncAttachments(ctx, key, doc.attachments ?? [], obj.info.metadata, prev?.contentType === EMAIL);
    const chunks = doc.chunks;
    if (!chunks.length) throw new DocumentError("no_text", "no text could be extracted");
    const messages = batches(chunks).map((b): EmbedMessage => ({ type: "chunks.embed", documentKey: key, version, total: chunks.length, chunks: b }));
    await ctx.queue.sendBatch(
      QUEUES.embed,
      messages.map((m) => JSON.stringify(m)),
    );
    // `chunks` is written only after the batches are queued: a crash before this line re-parses on redelivery.
    // The status is left as it is: `processing` since the put above, unless the embed and index stages
    // finished first (they may: nothing orders them after this write), and `indexed` must then stay.
    await ctx.catalog.putIfVersion(key, version, { contentType: doc.contentType, chunks: chunks.length, warnings: doc.warnings });
    return "queued";
  } catch (err) {
    if (!(err instanceof DocumentError)) throw err; // transient: the queue retries, then dead-letters
    logger.warn("document failed", { key, code: err.code, reason: err.message });
    metrics.addMetric("DocumentsFailed", MetricUnit.Count, 1);
    await ctx.catalog.putIfVersion(key, version, { status: "failed", error: `${err.code}: ${err.message}` });
    return "failed";
  }
}

/** A record whose work is done or already queued for this content (and not stuck). */
function isSettled(rec: { status: string; chunks?: number; updatedAt?: string }): boolean {
  return (
    rec.status === "indexed" ||
    rec.status === "duplicate" ||
    rec.status === "failed" ||
    (rec.status === "processing" && rec.chunks !== undefined && !isStuck(rec))
  );
}

export async function onObjectRemoved(ctx: Uses<"catalog" | "index" | "objects" | "queue">, key: string): Promise<IngestOutcome> {
  if (await ctx.objects.head(key)) return "unchanged"; // re-created since the event was sent
  const wasEmail = (await ctx.catalog.get(key))?.contentType === EMAIL;
  await ctx.index.removeDocument(key);
  await ctx.catalog.delete(key);
  await releaseDuplicatesOf(ctx, key);
  if (wasEmail) await syncAttachments(ctx, key, [], undefined, true);
  return "removed";
}

/**
 * Email attachments become objects of their own under `<key>.attachments/`, so the bucket's events ingest
 * them as documents (with the mail's metadata and ACL); ones the new version no longer has are removed.
 */
async function syncAttachments(
  ctx: Uses<"objects">,
  key: string,
  attachments: Attachment[],
  metadata: Record<string, string> | undefined,
  hadAttachments: boolean,
): Promise<void> {
  const prefix = `${key}.attachments/`;
  const written = new Set<string>();
  for (const a of attachments) {
    let name = a.name;
    for (let n = 2; written.has(prefix + name); n++) name = a.name.replace(/(\.[^.]*)?$/, `-${n}$1`);
    written.add(prefix + name);
    await ctx.objects.put(prefix + name, a.body, { contentType: a.contentType, metadata: { ...metadata, "attachment-of": encodeURIComponent(key) } });
  }
  // Listing walks the bucket in the folder store: only for keys that are, or were, emails.
  if (!attachments.length && !hadAttachments) return;
  for await (const o of ctx.objects.list(prefix)) if (!written.has(o.key)) await ctx.objects.delete(o.key);
}

/**
 * Keys recorded as duplicates of this one no longer are when its content changed, or when its tenant or
 * ACL did (a copy readable by others than this key's readers would otherwise be searchable by nobody).
 */
function lostTwins(prev: DocumentRecord | undefined, hash: string, metadata: DocumentRecord["metadata"]): boolean {
  return Boolean(prev) && (prev!.contentHash !== hash || !sameAccessScope(prev!.metadata, metadata));
}

/** Re-announces the keys recorded as duplicates of `key` (a typed source.changed each), so one of them becomes the indexed copy. */
async function releaseDuplicatesOf(ctx: Uses<"catalog" | "queue">, key: string): Promise<void> {
  const twins = (await allDocuments(ctx, "duplicate")).filter((d) => d.duplicateOf === key);
  for (const t of twins) await ctx.catalog.delete(t.key);
  if (twins.length)
    await ctx.queue.sendBatch(
      QUEUES.ingestEvents,
      twins.map((t) => sourceChanged(t.key)),
    );
}

/** The core's own message for "look at this key again" (never another service's wire format). */
export const sourceChanged = (key: string, opts: { force?: boolean } = {}): string =>
  JSON.stringify({ type: "source.changed", key, ...(opts.force ? { force: true } : {}) } satisfies SourceChanged);

function batches(chunks: Chunk[]): Chunk[][] {
  const out: Chunk[][] = [];
  let cur: Chunk[] = [];
  let bytes = 0;
  for (const c of chunks) {
    const size = Buffer.byteLength(c.text) + 256;
    if (cur.length && (cur.length >= BATCH_MAX_CHUNKS || bytes + size > BATCH_TEXT_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(c);
    bytes += size;
  }
  if (cur.length) out.push(cur);
  return out;
}
