import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { encodeMetadata } from "./s3-metadata";

// A presigned S3 PUT whose signature covers the body's size and type and every x-amz-meta-* header,
// so the holder of the URL can send those bytes there and nothing else: S3 refuses a changed
// content-type, content-length or metadata header (SignatureDoesNotMatch) and an added x-amz-*
// header (AccessDenied, "headers present in the request which were not signed").

export interface PresignedPut {
  url: string;
  /** Headers the PUT must carry exactly as given (content-length too: the body's size, set by the client's HTTP stack). */
  headers: Record<string, string>;
}

export async function presignPut(
  client: S3Client,
  bucket: string,
  key: string,
  opts: { contentType: string; size: number; metadata: Record<string, string>; expiresInSeconds: number },
): Promise<PresignedPut> {
  const metadata = encodeMetadata(opts.metadata);
  const metaHeaders = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`x-amz-meta-${k}`, v]));
  const command = new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: opts.contentType, ContentLength: opts.size, Metadata: metadata });
  const url = await getSignedUrl(client, command, {
    expiresIn: opts.expiresInSeconds,
    // The presigner leaves content-type unsigned by default; sign it and the length.
    signableHeaders: new Set(["content-type", "content-length"]),
    // Kept as headers (not hoisted into the query), so they are part of SignedHeaders.
    unhoistableHeaders: new Set(Object.keys(metaHeaders)),
  });
  return { url, headers: { "content-type": opts.contentType, ...metaHeaders } };
}

/**
 * A presigned S3 GET of one object that answers with the headers given (S3's response-* overrides, signed
 * with the rest of the query): the type the API would have served and a download disposition, so the bytes
 * come back as inert from the bucket as from the API.
 */
export function presignGet(
  client: S3Client,
  bucket: string,
  key: string,
  opts: { contentType: string; contentDisposition: string; expiresInSeconds: number },
): Promise<string> {
  const command = new GetObjectCommand({
    Bucket: bucket,
    Key: key,
    ResponseContentType: opts.contentType,
    ResponseContentDisposition: opts.contentDisposition,
    ResponseCacheControl: "private, no-store",
  });
  return getSignedUrl(client, command, { expiresIn: opts.expiresInSeconds });
}
