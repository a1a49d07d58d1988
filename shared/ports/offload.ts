import type { Chunk } from "../domain/chunk";
import type { Attachment, DocumentMetadata } from "../domain/document";

// CPU-heavy pure work (no ports, bytes in, values out) that a runtime may run off the calling
// thread. The embedded host runs it in a worker-thread pool; everywhere else it runs in-process.

/** One document's bytes → its chunks: parse, then chunk. */
export interface ParseChunkRequest {
  key: string;
  /** Handed over: another thread may take it (it then reads as empty here). */
  body: Buffer;
  contentType?: string;
  version: string;
  metadata: DocumentMetadata;
  limits: { timeoutMs: number; maxPages: number; maxOcrPages: number; ocrDpi: number };
  chunking: { maxWords: number; overlapWords: number };
}

export interface ParsedChunks {
  contentType: string;
  warnings?: string[];
  attachments?: Attachment[];
  chunks: Chunk[];
}

export interface Offload {
  /** Same result and the same DocumentError as the in-process call; a lost worker rejects with a plain Error (transient). */
  parseAndChunk(req: ParseChunkRequest): Promise<ParsedChunks>;
  /** Releases the threads. */
  close(): Promise<void>;
}
