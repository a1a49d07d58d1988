import { canReadDocument } from "../auth/policy";
import type { Principal } from "../auth/principal";
import { NotFoundError } from "../domain/errors";
import type { ObjectInfo } from "../ports/object-store";
import type { Context, Uses } from "../runtime/context";
import { presignedUrls } from "../runtime/presigning";
import { readableDocument } from "./document-requests";
import { objectMetadata } from "./metadata";

// A document's bytes (`GET /documents/{key}?content`), for the console's page viewer and anyone who may
// read the document. The object is what the bucket holds now, which may be newer than the catalog
// (an upload still queued): both the catalog record and the object's own metadata must admit the
// caller, so a new version with a narrower ACL is never served under the old one. Where URLs are presigned
// (Lambda), an object too large for the response is answered with a URL to the bucket, valid a minute: the
// object's metadata is checked when the URL is made, so a narrower ACL written within that minute is the
// window (S3 cannot pin a presigned GET to an ETag without the client sending If-Match).

export interface DocumentContent {
  body: Buffer;
  contentType: string;
  filename: string;
}

/** Where the bytes are too large for the response: a short-lived URL that fetches them from the bucket. */
export interface DocumentContentLink {
  url: string;
  expiresAt: string;
  size: number;
}

/**
 * Larger objects than this are not returned in the response where URLs are presigned: Lambda's response
 * stops at 6 MB, and base64 makes 4 MiB of bytes 5.6 MB.
 */
export const CONTENT_INLINE_MAX_BYTES = 4 * 1024 * 1024;
/** Long enough to start a download, short enough that a URL copied out of a log is soon dead. */
export const CONTENT_URL_SECONDS = 60;

export async function documentContent(
  ctx: Uses<"catalog" | "objects", "access"> & Pick<Context, "bucket" | "config">,
  p: Principal,
  key: string,
  now = Date.now(),
): Promise<DocumentContent | DocumentContentLink> {
  const record = await readableDocument(ctx, p, key);
  const readable = (info: ObjectInfo | undefined): info is ObjectInfo =>
    Boolean(info) && canReadDocument(p, { metadata: objectMetadata(key, info!.metadata, ctx.settings.access.defaultRules) });
  const filename = key.split("/").at(-1)!;
  const typeOf = (info: ObjectInfo) => validType(info.contentType ?? record.contentType) ?? "application/octet-stream";
  const signer = presignedUrls(ctx.config);
  if (signer) {
    const head = await ctx.objects.head(key);
    if (!readable(head)) throw new NotFoundError(`document ${key}`);
    if (head.size > CONTENT_INLINE_MAX_BYTES) {
      const { presignGet } = await import("../adapters/aws/s3-presign");
      const url = await presignGet(await signer(), ctx.bucket, key, {
        contentType: typeOf(head),
        contentDisposition: contentDisposition(filename),
        expiresInSeconds: CONTENT_URL_SECONDS,
      });
      return { url, expiresAt: new Date(now + CONTENT_URL_SECONDS * 1000).toISOString(), size: head.size };
    }
  }
  const object = await ctx.objects.get(key);
  if (!object || !readable(object.info)) throw new NotFoundError(`document ${key}`);
  return { body: object.body, contentType: typeOf(object.info), filename };
}

const contentDisposition = (filename: string) =>
  `attachment; filename="${filename.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(filename)}`;

/** The headers that keep served bytes inert: a download, never sniffed, and (were it opened as a page) sandboxed with no script. */
export function contentHeaders(c: DocumentContent): Record<string, string> {
  return {
    "content-type": c.contentType,
    "content-disposition": contentDisposition(c.filename),
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox; default-src 'none'",
    "cache-control": "private, no-store",
  };
}

const validType = (t: string | undefined) => (t && /^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=[\w.+"-]+)*$/.test(t) ? t : undefined);
