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

export interface ObjectStore {
  readonly name: string;
  get(key: string): Promise<{ body: Buffer; info: ObjectInfo } | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Atomic: readers see the whole old object or the whole new one. */
  put(key: string, body: Buffer, opts?: { contentType?: string; metadata?: Record<string, string> }): Promise<ObjectInfo>;
  delete(key: string): Promise<void>;
  list(prefix?: string): AsyncIterable<ObjectInfo>;
}
