import { canReadDocument } from "../auth/policy";
import type { Principal } from "../auth/principal";
import { NotFoundError } from "../domain/errors";
import type { Uses } from "../runtime/context";
import { readableDocument } from "./document-requests";
import { objectMetadata } from "./metadata";

// A document's bytes (`GET /documents/{key}?content`), for the console's page viewer and anyone who may
// read the document. The object is what the bucket holds now, which may be newer than the catalog
// (an upload still queued): both the catalog record and the object's own metadata must admit the
// caller, so a new version with a narrower ACL is never served under the old one.

export interface DocumentContent {
  body: Buffer;
  contentType: string;
  filename: string;
}

export async function documentContent(ctx: Uses<"catalog" | "objects", "access">, p: Principal, key: string): Promise<DocumentContent> {
  const record = await readableDocument(ctx, p, key);
  const object = await ctx.objects.get(key);
  if (!object || !canReadDocument(p, { metadata: objectMetadata(key, object.info.metadata, ctx.settings.access.defaultRules) }))
    throw new NotFoundError(`document ${key}`);
  const claimed = object.info.contentType ?? record.contentType;
  return { body: object.body, contentType: validType(claimed) ?? "application/octet-stream", filename: key.split("/").at(-1)! };
}

/** The headers that keep served bytes inert: a download, never sniffed, and (were it opened as a page) sandboxed with no script. */
export function contentHeaders(c: DocumentContent): Record<string, string> {
  return {
    "content-type": c.contentType,
    "content-disposition": `attachment; filename="${c.filename.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(c.filename)}`,
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox; default-src 'none'",
    "cache-control": "private, no-store",
  };
}

const validType = (t: string | undefined) => (t && /^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=[\w.+"-]+)*$/.test(t) ? t : undefined);
