import type { DocumentRecord } from "../domain/document";

/** Per-document ingestion state: the API's view of what is indexed, pending or failed. */
export interface DocumentCatalog {
  readonly name: string;
  get(key: string): Promise<DocumentRecord | undefined>;
  /** Merge a patch into the record (creating it), stamping updatedAt. */
  put(key: string, patch: Partial<DocumentRecord> & { status: DocumentRecord["status"] }): Promise<DocumentRecord>;
  /**
   * Patch only if the record's current version equals `version`: a late message for an old
   * version never overwrites the state of a newer one.
   */
  putIfVersion(key: string, version: string, patch: Partial<DocumentRecord>): Promise<DocumentRecord | undefined>;
  delete(key: string): Promise<void>;
  list(opts?: { prefix?: string; status?: DocumentRecord["status"]; limit?: number; after?: string }): Promise<DocumentRecord[]>;
  /** Another key whose indexed content has this hash (duplicate detection). */
  findByHash(contentHash: string): Promise<DocumentRecord | undefined>;
  counts(): Promise<Record<string, number>>;
}
