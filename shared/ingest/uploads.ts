import { createHash, randomBytes } from "node:crypto";
import { pipeline, type Readable } from "node:stream";
import { z } from "zod";
import { documentKeySchema } from "../../events/api";
import { ForbiddenError, type Principal } from "../auth/principal";
import { ConflictError, RaglineError, ValidationError } from "../domain/errors";
import type { Context, Uses } from "../runtime/context";
import { exactBytes } from "../util/byte-limit";
import { recordUpload, uploadMetadata } from "./document-writes";
import { presignedUrls } from "../runtime/presigning";

// Uploads that do not pass through the API's request body (Lambda's ~6 MB cap): POST /uploads
// authorizes the write exactly as PUT /documents does and answers with a URL for one PUT of those
// bytes. On Lambda (or RAGLINE_UPLOAD_URLS=presigned) that is a presigned S3 URL whose signature pins
// size, type and the server-set metadata; where the host serves the API (embedded, on-prem, k8s) it
// is the host's own PUT /uploads/{token}, a single-use capability that expires, and stores the object
// through the same path as PUT /documents, into whichever bucket is configured.

export const UPLOAD_URL_SECONDS = 900;
/**
 * Host upload grants: hidden keys (no notification, never a document, never listed), named by the
 * token's hash so the bucket's contents do not hand out usable URLs.
 */
const GRANTS = ".uploads/";

export const uploadRequestSchema = z
  .object({
    key: documentKeySchema,
    contentType: z
      .string()
      .max(255)
      .regex(/^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=[\w.+"-]+)*$/, "must be a media type such as application/pdf"),
    size: z.number().int().min(1),
    // Values are strings as in x-amz-meta-*; a list (tags, acl) may be given as an array.
    metadata: z
      .record(
        z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]*$/i, "letters, digits and '-' (an x-amz-meta-* name)")
          .max(128),
        z.union([z.string().max(2048), z.array(z.string().max(256)).max(100)]),
      )
      .optional(),
  })
  .strict();
export type UploadRequest = z.infer<typeof uploadRequestSchema>;

export interface UploadTicket {
  key: string;
  url: string;
  method: "PUT";
  headers: Record<string, string>;
  expiresAt: string;
}

interface HostGrant {
  key: string;
  contentType: string;
  size: number;
  userMetadata: Record<string, string>;
  metadata: Record<string, string>;
  principal: Principal;
  expiresAt: string;
}

/** POST /uploads: the caller may write the key (401/403/404 as PUT /documents); the answer is a URL for one PUT. */
export async function requestUpload(
  ctx: Uses<"catalog" | "objects", "access" | "ingest"> & Pick<Context, "bucket" | "config">,
  p: Principal,
  req: UploadRequest,
  hostBaseUrl: string,
  now = Date.now(),
): Promise<UploadTicket> {
  if (req.size > ctx.settings.ingest.maxObjectBytes)
    throw new RaglineError("too_large", `size ${req.size} exceeds RAGLINE_MAX_OBJECT_BYTES (${ctx.settings.ingest.maxObjectBytes})`, { status: 413 });
  const userMetadata = Object.fromEntries(Object.entries(req.metadata ?? {}).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? JSON.stringify(v) : v]));
  const metadata = await uploadMetadata(ctx, p, req.key, userMetadata, "body");
  const expiresAt = new Date(now + UPLOAD_URL_SECONDS * 1000).toISOString();
  const signer = presignedUrls(ctx.config);
  if (signer) {
    const { presignPut } = await import("../adapters/aws/s3-presign");
    const signed = await presignPut(await signer(), ctx.bucket, req.key, {
      contentType: req.contentType,
      size: req.size,
      metadata,
      expiresInSeconds: UPLOAD_URL_SECONDS,
    });
    return { key: req.key, method: "PUT", ...signed, expiresAt };
  }
  await sweepExpiredGrants(ctx, now);
  const token = randomBytes(32).toString("base64url");
  const grant: HostGrant = { key: req.key, contentType: req.contentType, size: req.size, userMetadata, metadata, principal: p, expiresAt };
  await ctx.objects.put(grantKey(token), Buffer.from(JSON.stringify(grant)), { contentType: "application/json" });
  const headers = { "content-type": req.contentType, ...Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`x-amz-meta-${k}`, v])) };
  return { key: req.key, url: `${hostBaseUrl}/uploads/${token}`, method: "PUT", headers, expiresAt };
}

/** Tokens being redeemed in this process: a second PUT of the same URL never races the first past the grant's removal. */
const redeeming = new Set<string>();

/**
 * PUT /uploads/{token} on the host: the token is the credential. Used once (its grant is removed
 * before the body is stored), refused once expired, and the request must carry exactly the size,
 * type and x-amz-meta-* headers the URL was issued for, as S3 holds a presigned PUT to its signature.
 * The write is authorized again for the grant's principal, so a document changed since is not overwritten blindly.
 */
export async function redeemHostUpload(
  ctx: Uses<"catalog" | "objects", "access">,
  token: string,
  body: Buffer | Readable,
  headers: Record<string, string | undefined>,
  now = Date.now(),
) {
  const name = /^[\w-]{43}$/.test(token) ? grantKey(token) : undefined;
  if (!name || redeeming.has(name)) throw new ForbiddenError("upload URL unknown, already used or expired");
  redeeming.add(name);
  try {
    const stored = await ctx.objects.get(name);
    if (!stored) throw new ForbiddenError("upload URL unknown, already used or expired");
    await ctx.objects.delete(name);
    const grant = JSON.parse(stored.body.toString("utf8")) as HostGrant;
    if (Date.parse(grant.expiresAt) <= now) throw new ForbiddenError(`upload URL expired at ${grant.expiresAt}`);
    const sent = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v ?? ""]));
    const expected: Record<string, string> = {
      "content-type": grant.contentType,
      ...Object.fromEntries(Object.entries(grant.metadata).map(([k, v]) => [`x-amz-meta-${k}`, v])),
    };
    const differs = [...new Set([...Object.keys(expected), ...Object.keys(sent).filter((k) => k.startsWith("x-amz-"))])].filter((k) => sent[k] !== expected[k]);
    if (differs.length) throw new ForbiddenError(`the upload URL was issued for other values of: ${differs.join(", ")}`);
    const sizeDiffers = (n: number | string) =>
      new ValidationError(`body is ${n} bytes; the upload URL was issued for ${grant.size}`, [{ field: "body", message: "size differs" }]);
    const length = Buffer.isBuffer(body) ? body.length : sent["content-length"];
    if (length !== undefined && Number(length) !== grant.size) throw sizeDiffers(length);
    const metadata = await uploadMetadata(ctx, grant.principal, grant.key, grant.userMetadata, "body");
    if (JSON.stringify(metadata) !== JSON.stringify(grant.metadata))
      throw new ConflictError(`${grant.key} changed since the upload URL was issued; ask for a new one`);
    // A streamed body is counted as it is stored: more or fewer bytes than granted fail it, and nothing is kept.
    const source = Buffer.isBuffer(body)
      ? body
      : pipeline(
          body,
          exactBytes(grant.size, (seen) => sizeDiffers(seen > grant.size ? `more than ${grant.size}` : seen)),
          () => {},
        );
    const info = await ctx.objects.put(grant.key, source, { contentType: grant.contentType, metadata, contentLength: grant.size });
    await recordUpload(ctx, grant.key, info.size, metadata);
    return { key: grant.key, status: "pending" as const, size: info.size };
  } finally {
    redeeming.delete(name);
  }
}

let lastSweep = Number.NEGATIVE_INFINITY;
/**
 * Grants never redeemed are removed once past their expiry (by their object's age), at most once a
 * minute per process, when a new one is issued; a failed sweep is left to the next.
 */
export async function sweepExpiredGrants(ctx: Uses<"objects">, now = Date.now()): Promise<number> {
  if (now - lastSweep < 60_000) return 0;
  lastSweep = now;
  let removed = 0;
  try {
    for await (const o of ctx.objects.list(GRANTS)) {
      if (Date.parse(o.lastModified) + UPLOAD_URL_SECONDS * 1000 < now) {
        await ctx.objects.delete(o.key);
        removed++;
      }
    }
  } catch {
    /* the next sweep tries again */
  }
  return removed;
}

const grantKey = (token: string) => `${GRANTS}${createHash("sha256").update(token).digest("hex")}.json`;
