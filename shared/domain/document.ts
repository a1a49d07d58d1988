// The structured document every parser produces and the chunker consumes.

export type BlockKind = "heading" | "paragraph" | "list" | "table" | "caption" | "code";

export interface TableData {
  /** Header rows (usually one); each row is a list of cell texts. */
  header: string[][];
  /** Body rows, each a list of cell texts, aligned with the header columns. */
  rows: string[][];
  /** Optional caption or sheet name. */
  title?: string;
}

export interface Block {
  kind: BlockKind;
  text: string;
  /** 1-based page (PDF) or sheet/section ordinal where the format has one. */
  page?: number;
  /** Heading level, 1 = top. Only for kind "heading". */
  level?: number;
  /** Structured cells for kind "table"; `text` holds a readable rendering. */
  table?: TableData;
  /** OCR confidence 0..1 when the text came from OCR. */
  ocrConfidence?: number;
}

export interface ParsedDocument {
  /** Detected content type, e.g. "application/pdf", "text/markdown". */
  contentType: string;
  title?: string;
  /** Blocks in reading order. */
  blocks: Block[];
  pages?: number;
  /** Extra metadata found in the file itself (author, email headers, ...). */
  metadata?: Record<string, string>;
  /** Non-fatal problems worth showing on the document (e.g. low OCR confidence). */
  warnings?: string[];
  /** Files carried inside this one (email attachments): ingested as documents of their own. */
  attachments?: Attachment[];
}

export interface Attachment {
  /** File name as given by the sender (not sanitised). */
  name: string;
  body: Buffer;
  contentType?: string;
}

/** Metadata carried from the object (or a sidecar) into every chunk. */
export interface DocumentMetadata {
  department?: string;
  date?: string;
  tags?: string[];
  /** Groups/users allowed to read; absent or empty = readable by everyone in the tenant. */
  acl?: string[];
  /** The tenant the document belongs to (absent: "default"); set by the server from the uploader, never by a client. */
  tenant?: string;
  /** The subject that first uploaded it: it (or an admin) may change the ACL. */
  owner?: string;
  [key: string]: unknown;
}

export type DocumentStatus = "pending" | "processing" | "indexed" | "failed" | "duplicate";

export interface DocumentRecord {
  key: string;
  status: DocumentStatus;
  /** sha256 of the bytes of the version being processed or indexed. */
  contentHash?: string;
  /** Version id of the current (being processed) content; the indexed version is `indexedVersion`. */
  version?: string;
  indexedVersion?: string;
  contentType?: string;
  size?: number;
  /** The object's change marker (S3 ETag, or size+mtime in the folder bucket) when it was last read. */
  sourceEtag?: string;
  chunks?: number;
  embeddingModel?: string;
  error?: string;
  warnings?: string[];
  /** Set when status is "duplicate": the key holding the same bytes. */
  duplicateOf?: string;
  metadata?: DocumentMetadata;
  /** Why a `processing` document makes no progress (its worker was lost); gone with the record's next write. */
  waiting?: { reason: string; cause: "worker-lost"; stage: string; attempt: number; maxAttempts: number; lostAt: string; nextAttemptBy?: string };
  /** Set while this document's chunks are being re-embedded for a model rollout. */
  rollout?: { target: string; requestedAt: string };
  updatedAt: string;
}
