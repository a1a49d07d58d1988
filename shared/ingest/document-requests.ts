import { authorizeDocumentWrite, canReadDocument, hasRole } from "../auth/policy";
import type { SourceChanged } from "../../events/messages";
import type { Principal } from "../auth/principal";
import { tenantOf } from "../domain/access";
import type { DocumentRecord } from "../domain/document";
import { NotFoundError, ValidationError } from "../domain/errors";
import type { Context } from "../runtime/context";
import { QUEUES } from "../topology";
import { allDocuments } from "./all-documents";
import { staleDocuments, writeSourceMetadata, type StaleDocument } from "./freshness";
import { isDocumentKey } from "./keys";
import { documentMetadata, objectMetadata } from "./metadata";

// The documents API's core: every read, write and listing through ../auth/policy.ts, so the HTTP
// handler stays a translation of requests and the rules hold on every runtime.

/** Metadata a client may never set: the server writes them from the authenticated uploader. */
const SERVER_SET = ["tenant", "owner"];

/** A key the API serves: not a sidecar, not hidden (the same rule as the bucket's notifications). */
export function requireDocumentKey(key: string): void {
  if (!isDocumentKey(key)) throw new ValidationError(`${key} is not a document key (sidecar '.meta.json' keys and hidden segments are not writable through the API)`, [{ field: "path.key", message: "not a document key" }]);
}

/**
 * The document as the bucket holds it now (the catalog follows the bucket and may lag a change that
 * is still queued), or as the catalog last knew it when its object is gone.
 */
async function existing(ctx: Context, key: string): Promise<Pick<DocumentRecord, "metadata"> | undefined> {
  const head = await ctx.objects.head(key);
  if (head) return { metadata: objectMetadata(key, head.metadata, ctx.config.RAGLINE_DEFAULT_ACCESS) };
  return ctx.catalog.get(key);
}

export async function uploadDocument(ctx: Context, p: Principal, key: string, body: Buffer, opts: { contentType?: string; userMetadata: Record<string, string> }) {
  const raw = await uploadMetadata(ctx, p, key, opts.userMetadata);
  const info = await ctx.objects.put(key, body, { contentType: opts.contentType, metadata: raw });
  await recordUpload(ctx, key, info.size, raw);
  return { key, status: "pending" as const, size: info.size };
}

/**
 * The object metadata an upload by `p` writes, once the write is allowed: tenant and owner set by
 * the server (the first uploader stays the owner), the ACL kept on an overwrite that names none.
 * Shared by PUT /documents and POST /uploads (whose URL pins exactly these). `where` names the
 * request field a refused key came in.
 */
export async function uploadMetadata(ctx: Context, p: Principal, key: string, userMetadata: Record<string, string>, where: "headers" | "body" = "headers"): Promise<Record<string, string>> {
  requireDocumentKey(key);
  const name = (k: string) => (where === "headers" ? `x-amz-meta-${k}` : `metadata.${k}`);
  const forbidden = Object.keys(userMetadata).filter((k) => SERVER_SET.includes(k.toLowerCase()));
  if (forbidden.length) throw new ValidationError(`${name(forbidden[0])} is set by the server from the API key`, forbidden.map((k) => ({ field: `${where}.${name(k)}`, message: "not settable" })));
  const prev = await existing(ctx, key);
  const hasAcl = Object.keys(userMetadata).some((k) => k.toLowerCase() === "acl");
  const asked = documentMetadata(userMetadata);
  authorizeDocumentWrite(p, key, prev, hasAcl ? asked.acl ?? [] : undefined);
  const raw: Record<string, string> = { ...userMetadata, tenant: p.tenant, owner: String(prev?.metadata?.owner ?? p.subject) };
  if (!hasAcl && prev?.metadata?.acl?.length) raw.acl = JSON.stringify(prev.metadata.acl);
  return raw;
}

/** After an upload through the API: the document is pending until the bucket notification reaches the parser. */
export async function recordUpload(ctx: Context, key: string, size: number, raw: Record<string, string>): Promise<void> {
  const metadata = objectMetadata(key, raw, ctx.config.RAGLINE_DEFAULT_ACCESS);
  const rec = await ctx.catalog.get(key);
  if (!rec || rec.status !== "processing") await ctx.catalog.put(key, { status: "pending", size, error: undefined, metadata });
}

export async function deleteDocument(ctx: Context, p: Principal, key: string): Promise<void> {
  requireDocumentKey(key);
  const prev = await existing(ctx, key);
  if (!prev) throw new NotFoundError(`document ${key}`);
  authorizeDocumentWrite(p, key, prev);
  await ctx.objects.delete(key);
}

/** A document the caller may read; 404 otherwise (whether or not it exists). */
export async function readableDocument(ctx: Context, p: Principal, key: string): Promise<DocumentRecord> {
  const doc = await ctx.catalog.get(key);
  if (!doc || !canReadDocument(p, doc)) throw new NotFoundError(`document ${key}`);
  return redactDuplicate(ctx, p, doc);
}

/** `duplicateOf` names a key only when the caller may read it. */
async function redactDuplicate(ctx: Context, p: Principal, doc: DocumentRecord): Promise<DocumentRecord> {
  if (!doc.duplicateOf) return doc;
  const twin = await ctx.catalog.get(doc.duplicateOf);
  return twin && canReadDocument(p, twin) ? doc : { ...doc, duplicateOf: undefined };
}

export async function listDocuments(ctx: Context, p: Principal, q: { prefix?: string; status?: DocumentRecord["status"]; limit: number; after?: string }) {
  const page = await ctx.catalog.list(q);
  const documents = await Promise.all(page.filter((d) => canReadDocument(p, d)).map((d) => redactDuplicate(ctx, p, d)));
  // Counts of what this caller may see, not of the whole catalog (which would say that hidden documents exist).
  const counts: Record<string, number> = {};
  for (const d of await allDocuments(ctx)) if (canReadDocument(p, d)) counts[d.status] = (counts[d.status] ?? 0) + 1;
  return { documents, counts, next: page.length === q.limit ? page.at(-1)?.key : undefined };
}

/** The staleness report, of documents the caller may read; objects never ingested only for admins of their tenant. */
export async function staleReport(ctx: Context, p: Principal): Promise<StaleDocument[]> {
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
export async function announceSourceChange(ctx: Context, p: Principal, key: string, metadata?: SourceChanged["metadata"], force?: boolean): Promise<void> {
  requireDocumentKey(key);
  const forbidden = Object.keys(metadata ?? {}).filter((k) => SERVER_SET.includes(k.toLowerCase()));
  if (forbidden.length) throw new ValidationError(`metadata.${forbidden[0]} is set by the server`, forbidden.map((k) => ({ field: `body.metadata.${k}`, message: "not settable" })));
  const prev = await existing(ctx, key);
  if (!prev) throw new NotFoundError(`document ${key}`);
  // An `acl` key, even an empty list, is an ACL change; its absence leaves the ACL as it is.
  authorizeDocumentWrite(p, key, prev, metadata && "acl" in metadata ? metadata.acl ?? [] : undefined);
  if (metadata) await writeSourceMetadata(ctx, key, metadata);
  await ctx.queue.send(QUEUES.ingestEvents, JSON.stringify({ type: "source.changed", key, ...(force ? { force } : {}) }));
}

/**
 * Ingest a document again from its object (after a failure, or when it is stuck because its messages
 * dead-lettered): a write, so the same rules; the work goes through the ingest queue like any change.
 */
export async function retryDocument(ctx: Context, p: Principal, key: string): Promise<void> {
  requireDocumentKey(key);
  const prev = await existing(ctx, key);
  if (!prev || !(await ctx.objects.head(key))) throw new NotFoundError(`document ${key}`);
  authorizeDocumentWrite(p, key, prev);
  await ctx.queue.send(QUEUES.ingestEvents, JSON.stringify({ type: "source.changed", key, force: true }));
}
