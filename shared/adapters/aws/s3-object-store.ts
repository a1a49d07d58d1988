import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type GetObjectCommandOutput,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import type { ObjectInfo, ObjectStore, PutOptions } from "../../ports/object-store";
import { decodeMetadata, encodeMetadata, plainEtag } from "./s3-metadata";

// ObjectStore on the S3 API: AWS S3, or MinIO (endpoint + path-style). Reads stream: `stream()`
// hands the body on without holding it, `get()` fills one buffer of the announced size.

export interface S3ObjectStoreOptions {
  bucket: string;
  client?: S3Client;
  /** Used only when no client is given. */
  clientConfig?: S3ClientConfig;
}

const isMissing = (e: unknown) => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === "NoSuchKey" || err?.name === "NotFound" || err?.$metadata?.httpStatusCode === 404;
};

export class S3ObjectStore implements ObjectStore {
  readonly name: string;
  readonly bucket: string;
  readonly client: S3Client;

  constructor({ bucket, client, clientConfig }: S3ObjectStoreOptions) {
    this.bucket = bucket;
    // "WHEN_REQUIRED": S3-compatible servers (MinIO versions, s3rver) differ on aws-chunked checksums.
    this.client = client ?? new S3Client({ requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED", ...clientConfig });
    this.name = `s3://${bucket}`;
  }

  /** The object's bytes as a stream, for large objects; undefined when it does not exist. */
  async stream(key: string, range?: { start: number; end?: number }): Promise<{ body: Readable; info: ObjectInfo } | undefined> {
    let out: GetObjectCommandOutput;
    try {
      out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end ?? ""}` : undefined }),
      );
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    const body = out.Body instanceof Readable ? out.Body : Readable.fromWeb(out.Body!.transformToWebStream() as never);
    return {
      body,
      info: {
        key,
        size: out.ContentLength ?? 0,
        lastModified: (out.LastModified ?? new Date()).toISOString(),
        etag: plainEtag(out.ETag),
        contentType: out.ContentType,
        metadata: decodeMetadata(out.Metadata),
      },
    };
  }

  async get(key: string) {
    const s = await this.stream(key);
    if (!s) return undefined;
    // One allocation of the announced size, not a list of chunks concatenated at the end.
    const buf = Buffer.allocUnsafe(s.info.size);
    let at = 0;
    const spill: Buffer[] = [];
    for await (const chunk of s.body as AsyncIterable<Buffer>) {
      if (at + chunk.length <= buf.length) {
        chunk.copy(buf, at);
        at += chunk.length;
      } else spill.push(chunk);
    }
    const body = spill.length ? Buffer.concat([buf.subarray(0, at), ...spill]) : buf.subarray(0, at);
    return { body, info: { ...s.info, size: body.length } };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        size: h.ContentLength ?? 0,
        lastModified: (h.LastModified ?? new Date()).toISOString(),
        etag: plainEtag(h.ETag),
        contentType: h.ContentType,
        metadata: decodeMetadata(h.Metadata),
      };
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /**
   * A single PUT is atomic in S3: readers see the old object or the new one, and a PUT whose body
   * fails midway stores nothing. A stream with an announced length is sent as it comes; one without
   * (chunked) is gathered first, as a plain PUT needs the length (the caller bounds it).
   */
  async put(key: string, body: Buffer | Readable, opts: PutOptions = {}): Promise<ObjectInfo> {
    const streamed = !Buffer.isBuffer(body) && opts.contentLength !== undefined;
    const payload = Buffer.isBuffer(body) || streamed ? body : await gather(body);
    const size = Buffer.isBuffer(payload) ? payload.length : opts.contentLength!;
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Body: payload,
      ContentLength: size,
      ContentType: opts.contentType ?? "application/octet-stream",
      Metadata: encodeMetadata(opts.metadata),
    });
    const out = Buffer.isBuffer(payload) ? await this.client.send(command) : await this.sendStreamed(command, payload);
    return {
      key,
      size,
      lastModified: new Date().toISOString(),
      etag: plainEtag(out.ETag),
      contentType: opts.contentType,
      metadata: opts.metadata && Object.keys(opts.metadata).length ? opts.metadata : undefined,
    };
  }

  /** The SDK does not stop a PUT whose body stream fails: the request is aborted here, so nothing is stored. */
  private async sendStreamed(command: PutObjectCommand, body: Readable) {
    const abort = new AbortController();
    let failure: unknown;
    const onError = (e: unknown) => {
      failure = e;
      abort.abort(e);
    };
    body.once("error", onError);
    try {
      return await this.client.send(command, { abortSignal: abort.signal });
    } catch (e) {
      throw failure ?? e;
    } finally {
      body.off("error", onError);
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** Keys in order, page by page; listings carry no user metadata (head a key for it). */
  async *list(prefix = ""): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix || undefined, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith("/")) continue;
        yield { key: o.Key, size: o.Size ?? 0, lastModified: (o.LastModified ?? new Date()).toISOString(), etag: plainEtag(o.ETag) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}

async function gather(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts);
}
