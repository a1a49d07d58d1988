import type { DocumentMetadata, DocumentRecord } from "../domain/document";
import { NotFoundError } from "../domain/errors";
import type { Context, Uses } from "../runtime/context";
import { QUEUES } from "../topology";
import { allDocuments } from "./all-documents";
import { isDocumentKey } from "./keys";
import { isStuck, onObjectCreated, sourceChanged, type IngestOutcome } from "./object-events";

// Keeping the index equal to its sources: explicit change events, a staleness report, and a
// reconciliation that repairs whatever notifications missed.

/** New metadata written onto the object (merged into what it has); the bytes stay as they are. */
export async function writeSourceMetadata(ctx: Uses<"objects">, key: string, metadata: DocumentMetadata): Promise<void> {
  const obj = await ctx.objects.get(key);
  if (!obj) throw new NotFoundError(`object ${key}`);
  const flat = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  await ctx.objects.put(key, obj.body, { contentType: obj.info.contentType, metadata: { ...obj.info.metadata, ...flat } });
}

/** `source.changed` (CMS webhook, queue message): new metadata is written to the object, then the object is re-read. */
export async function onSourceChanged(
  ctx: Uses<"catalog" | "index" | "objects" | "queue", "access" | "ingest"> & Pick<Context, "offload">,
  key: string,
  metadata?: DocumentMetadata,
  force = false,
): Promise<IngestOutcome> {
  if (metadata) await writeSourceMetadata(ctx, key, metadata);
  // Same bytes with new metadata → a new version whose chunks keep their ids, so no embedding call.
  return onObjectCreated(ctx, key, { force });
}

export interface StaleDocument {
  key: string;
  status: DocumentRecord["status"] | "missing";
  reasons: string[];
}

/**
 * Documents whose index entry does not match the source, uses another embedding model, or failed.
 * One listing of the bucket (1,000 objects a page, each with its etag) is compared with the
 * catalog: no request per document. A HEAD per object, one after another, took minutes at 5,000
 * documents, past API Gateway's 30 s.
 */
export async function staleDocuments(ctx: Uses<"catalog" | "embedder" | "objects">, records?: DocumentRecord[]): Promise<StaleDocument[]> {
  const objects = new Map<string, string | undefined>();
  for await (const obj of ctx.objects.list()) objects.set(obj.key, obj.etag);
  const out: StaleDocument[] = [];
  for (const rec of records ?? (await allDocuments(ctx))) {
    const reasons: string[] = [];
    if (!objects.has(rec.key)) reasons.push("the source object no longer exists");
    else if (rec.sourceEtag && objects.get(rec.key) !== rec.sourceEtag) reasons.push("the source changed since it was indexed");
    objects.delete(rec.key);
    if (rec.status === "failed") reasons.push(`ingestion failed: ${rec.error ?? "unknown reason"}`);
    if (rec.status === "indexed" && rec.embeddingModel && rec.embeddingModel !== ctx.embedder.model)
      reasons.push(`embedded with ${rec.embeddingModel}, current model is ${ctx.embedder.model}`);
    if (isStuck(rec)) reasons.push("stuck in processing (its messages dead-lettered); reconciliation or POST /documents/{key}/retry ingests it again");
    else if ((rec.status === "processing" || rec.status === "pending") && rec.indexedVersion !== rec.version)
      reasons.push("a newer version is not indexed yet");
    if (reasons.length) out.push({ key: rec.key, status: rec.status, reasons });
  }
  for (const key of objects.keys()) if (isDocumentKey(key)) out.push({ key, status: "missing", reasons: ["in the bucket but never indexed"] });
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** Sends the bucket events that were missed: new or changed objects, and index entries whose object is gone. */
export async function reconcile(ctx: Uses<"catalog" | "objects" | "queue">): Promise<{ created: number; removed: number }> {
  const records = await allDocuments(ctx);
  const byKey = new Map(records.map((r) => [r.key, r]));
  const events: string[] = [];
  let created = 0;
  for await (const obj of ctx.objects.list()) {
    if (!isDocumentKey(obj.key)) continue;
    const rec = byKey.get(obj.key);
    byKey.delete(obj.key);
    if (rec && rec.sourceEtag === obj.etag && rec.status !== "pending" && !isStuck(rec)) continue;
    events.push(sourceChanged(obj.key));
    created++;
  }
  for (const key of byKey.keys()) events.push(sourceChanged(key)); // its object is gone: the handler removes it
  if (events.length) await ctx.queue.sendBatch(QUEUES.ingestEvents, events);
  return { created, removed: byKey.size };
}
