import type { Readable } from "node:stream";

export interface ObjectInfo {
  key: string;
  size: number;
  /** Last modification, ISO time. */
  lastModified: string;
  /** Backend's entity tag or an equivalent change marker. */
  etag?: string;
  contentType?: string;
  /** User metadata (x-amz-meta-*, or a sidecar in the folder store). */
  metadata?: Record<string, string>;
}

export interface PutOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  /** The length a streamed body announced (Content-Length), when it did: lets S3 take the stream as it comes. */
  contentLength?: number;
}

export interface ObjectStore {
  readonly name: string;
  get(key: string): Promise<{ body: Buffer; info: ObjectInfo } | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Atomic: readers see the whole old object or the whole new one. A streamed body is written as it
   * arrives (never held whole); if the stream fails (a client gone, a size limit passed) nothing is
   * stored, the old object and its metadata stay, and the stream's error is thrown.
   */
  put(key: string, body: Buffer | Readable, opts?: PutOptions): Promise<ObjectInfo>;
  delete(key: string): Promise<void>;
  list(prefix?: string): AsyncIterable<ObjectInfo>;
}
