import { authorizeDocumentWrite, authorizeKeySpace } from "../auth/policy";
import type { Principal } from "../auth/principal";
import type { DocumentRecord } from "../domain/document";
import { ValidationError } from "../domain/errors";
import type { Uses } from "../runtime/context";
import { isDocumentKey } from "./keys";
import { documentMetadata, objectMetadata } from "./metadata";

// A write to one document key: who may, and which metadata the object gets. Used by the documents
// API (./document-requests.ts) and the upload URLs (./uploads.ts); it touches only the bucket and
// the catalog, so a function that only uploads is granted no more.

/** Metadata a client may never set: the server writes them from the authenticated uploader. */
const SERVER_SET = ["tenant", "owner"];

/**
 * Refuses metadata a client may not set; `field(k)` names where key `k` came in (a header, a body
 * field), `why` ends the message.
 */
export function refuseServerSet(keys: string[], field: (k: string) => { shown: string; path: string }, why: string): void {
  const forbidden = keys.filter((k) => SERVER_SET.includes(k.toLowerCase()));
  if (forbidden.length)
    throw new ValidationError(
      `${field(forbidden[0]).shown} is set by the server${why}`,
      forbidden.map((k) => ({ field: field(k).path, message: "not settable" })),
    );
}

/** A key the API serves: not a sidecar, not hidden (the same rule as the bucket's notifications). */
export function requireDocumentKey(key: string): void {
  if (!isDocumentKey(key))
    throw new ValidationError(`${key} is not a document key (sidecar '.meta.json' keys and hidden segments are not writable through the API)`, [
      { field: "path.key", message: "not a document key" },
    ]);
}

/**
 * The document as the bucket holds it now (the catalog follows the bucket and may lag a change that
 * is still queued), or as the catalog last knew it when its object is gone.
 */
export async function existing(ctx: Uses<"catalog" | "objects", "access">, key: string): Promise<Pick<DocumentRecord, "metadata"> | undefined> {
  const head = await ctx.objects.head(key);
  if (head) return { metadata: objectMetadata(key, head.metadata, ctx.settings.access.defaultRules) };
  return ctx.catalog.get(key);
}

/**
 * The object metadata an upload by `p` writes, once the write is allowed: tenant and owner set by
 * the server (the first uploader stays the owner), the ACL kept on an overwrite that names none.
 * Shared by PUT /documents and POST /uploads (whose URL pins exactly these). `where` names the
 * request field a refused key came in.
 */
export async function uploadMetadata(
  ctx: Uses<"catalog" | "objects", "access">,
  p: Principal,
  key: string,
  userMetadata: Record<string, string>,
  where: "headers" | "body" = "headers",
): Promise<Record<string, string>> {
  requireDocumentKey(key);
  const name = (k: string) => (where === "headers" ? `x-amz-meta-${k}` : `metadata.${k}`);
  refuseServerSet(Object.keys(userMetadata), (k) => ({ shown: name(k), path: `${where}.${name(k)}` }), " from the API key");
  authorizeKeySpace(p, key, ctx.settings.access.defaultRules);
  const prev = await existing(ctx, key);
  const hasAcl = Object.keys(userMetadata).some((k) => k.toLowerCase() === "acl");
  const asked = documentMetadata(userMetadata);
  authorizeDocumentWrite(p, key, prev, hasAcl ? (asked.acl ?? []) : undefined, { upload: true });
  const raw: Record<string, string> = { ...userMetadata, tenant: p.tenant, owner: String(prev?.metadata?.owner ?? p.subject) };
  if (!hasAcl && prev?.metadata?.acl?.length) raw.acl = JSON.stringify(prev.metadata.acl);
  return raw;
}

/** After an upload through the API: the document is pending until the bucket notification reaches the parser. */
export async function recordUpload(ctx: Uses<"catalog", "access">, key: string, size: number, raw: Record<string, string>): Promise<void> {
  const metadata = objectMetadata(key, raw, ctx.settings.access.defaultRules);
  const rec = await ctx.catalog.get(key);
  if (!rec || rec.status !== "processing") await ctx.catalog.put(key, { status: "pending", size, error: undefined, metadata });
}
