import { authorizeDocumentWrite, canReadDocument, hasRole } from "../auth/policy";
import type { SourceChanged } from "../../events/messages";
import type { Principal } from "../auth/principal";
import { tenantOf } from "../domain/access";
import type { DocumentRecord } from "../domain/document";
import { pipeline, type Readable } from "node:stream";
import { NotFoundError, RaglineError } from "../domain/errors";
import type { Uses } from "../runtime/context";
import { QUEUES } from "../topology";
import { byteLimit } from "../util/byte-limit";
import { allDocuments } from "./all-documents";
import { staleDocuments, writeSourceMetadata, type StaleDocument } from "./freshness";
import { existing, recordUpload, refuseServerSet, requireDocumentKey, uploadMetadata } from "./document-writes";
import { sourceChanged } from "./object-events";

// The documents API's core: every read, write and listing through ../auth/policy.ts, so the HTTP
// handler stays a translation of requests and the rules hold on every runtime. What a write to one
// key checks and stores is in ./document-writes.ts (shared with POST /uploads).

/**
 * PUT /documents/{key}: authorized before a byte of the body is read; a streamed body goes to the
 * bucket as it arrives, and past RAGLINE_MAX_OBJECT_BYTES (announced or counted) the upload fails
 * with 413 at once and nothing is stored.
 */
export async function uploadDocument(
  ctx: Uses<"catalog" | "objects", "access" | "ingest">,
  p: Principal,
  key: string,
  body: Buffer | Readable,
  opts: { contentType?: string; userMetadata: Record<string, string>; contentLength?: number },
) {
  const max = ctx.settings.ingest.maxObjectBytes;
  const tooLarge = () => new RaglineError("too_large", `the body exceeds RAGLINE_MAX_OBJECT_BYTES (${max} bytes)`, { status: 413 });
  if ((Buffer.isBuffer(body) ? body.length : (opts.contentLength ?? 0)) > max) throw tooLarge();
  const raw = await uploadMetadata(ctx, p, key, opts.userMetadata);
  // pipeline, not pipe: a failing body (the client gone) fails the limiter too, so the store stops.
  const source = Buffer.isBuffer(body) ? body : pipeline(body, byteLimit(max, tooLarge), () => {});
  const info = await ctx.objects.put(key, source, { contentType: opts.contentType, metadata: raw, contentLength: opts.contentLength });
  await recordUpload(ctx, key, info.size, raw);
  return { key, status: "pending" as const, size: info.size };
}

export async function deleteDocument(ctx: Uses<"catalog" | "objects", "access">, p: Principal, key: string): Promise<void> {
  requireDocumentKey(key);
  const prev = await existing(ctx, key);
  if (!prev) throw new NotFoundError(`document ${key}`);
  authorizeDocumentWrite(p, key, prev);
  await ctx.objects.delete(key);
}

/** A document the caller may read; 404 otherwise (whether or not it exists). */
export async function readableDocument(ctx: Uses<"catalog">, p: Principal, key: string): Promise<DocumentRecord> {
  const doc = await ctx.catalog.get(key);
  if (!doc || !canReadDocument(p, doc)) throw new NotFoundError(`document ${key}`);
  return redactDuplicate(ctx, p, doc);
}

/** `duplicateOf` names a key only when the caller may read it. */
async function redactDuplicate(ctx: Uses<"catalog">, p: Principal, doc: DocumentRecord): Promise<DocumentRecord> {
  if (!doc.duplicateOf) return doc;
  const twin = await ctx.catalog.get(doc.duplicateOf);
  return twin && canReadDocument(p, twin) ? doc : { ...doc, duplicateOf: undefined };
}

export async function listDocuments(
  ctx: Uses<"catalog">,
  p: Principal,
  q: { prefix?: string; status?: DocumentRecord["status"]; limit: number; after?: string },
) {
  const page = await ctx.catalog.list(q);
  const documents = await Promise.all(page.filter((d) => canReadDocument(p, d)).map((d) => redactDuplicate(ctx, p, d)));
  // Counts of what this caller may see, not of the whole catalog (which would say that hidden documents exist).
  const counts: Record<string, number> = {};
  for (const d of await allDocuments(ctx)) if (canReadDocument(p, d)) counts[d.status] = (counts[d.status] ?? 0) + 1;
  return { documents, counts, next: page.length === q.limit ? page.at(-1)?.key : undefined };
}

/** The staleness report, of documents the caller may read; objects never ingested only for admins of their tenant. */
export async function staleReport(ctx: Uses<"catalog" | "embedder" | "objects", "access">, p: Principal): Promise<StaleDocument[]> {
  const all = await allDocuments(ctx);
  const records = new Map(all.map((d) => [d.key, d]));
  const out: StaleDocument[] = [];
  for (const s of await staleDocuments(ctx, all)) {
    const d = records.get(s.key) ?? (hasRole(p, "admin") ? await existing(ctx, s.key) : undefined);
    if (!d) continue;
    if (records.has(s.key) ? canReadDocument(p, d) : tenantOf(d.metadata) === p.tenant) out.push(s);
  }
  return out;
}

/**
 * `source.changed` from outside is a write to the document: the caller must be allowed to write it,
 * may not set tenant or owner, and changes its ACL only as its owner or an admin. New metadata is
 * written onto the object before the answer, so two calls apply in the order they were answered
 * (queued, they could be taken by two workers at once and land in either order); the queued event
 * then re-reads the object.
 */
export async function announceSourceChange(
  ctx: Uses<"catalog" | "objects" | "queue", "access">,
  p: Principal,
  key: string,
  metadata?: SourceChanged["metadata"],
  force?: boolean,
): Promise<void> {
  requireDocumentKey(key);
  refuseServerSet(Object.keys(metadata ?? {}), (k) => ({ shown: `metadata.${k}`, path: `body.metadata.${k}` }), "");
  const prev = await existing(ctx, key);
  if (!prev) throw new NotFoundError(`document ${key}`);
  // An `acl` key, even an empty list, is an ACL change; its absence leaves the ACL as it is.
  authorizeDocumentWrite(p, key, prev, metadata && "acl" in metadata ? (metadata.acl ?? []) : undefined);
  if (metadata) await writeSourceMetadata(ctx, key, metadata);
  await ctx.queue.send(QUEUES.ingestEvents, sourceChanged(key, { force }));
}

/**
 * Ingest a document again from its object (after a failure, or when it is stuck because its messages
 * dead-lettered): a write, so the same rules; the work goes through the ingest queue like any change.
 */
export async function retryDocument(ctx: Uses<"catalog" | "objects" | "queue", "access">, p: Principal, key: string): Promise<void> {
  requireDocumentKey(key);
  const prev = await existing(ctx, key);
  if (!prev || !(await ctx.objects.head(key))) throw new NotFoundError(`document ${key}`);
  authorizeDocumentWrite(p, key, prev);
  await ctx.queue.send(QUEUES.ingestEvents, sourceChanged(key, { force: true }));
}
