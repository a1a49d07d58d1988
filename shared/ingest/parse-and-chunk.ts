import type { ParseChunkRequest, ParsedChunks } from "../ports/offload";
import { chunkDocument } from "./chunk";
import { parseDocument } from "./parse";

// The CPU-heavy part of ingesting a document, pure: bytes → chunks. Called in-process, or by a
// worker thread of the host's pool (the same function either way).

export async function parseAndChunk(req: ParseChunkRequest): Promise<ParsedChunks> {
  const doc = await parseDocument({ key: req.key, body: req.body, contentType: req.contentType }, req.limits);
  const chunks = chunkDocument(doc, { documentKey: req.key, version: req.version, metadata: req.metadata }, req.chunking);
  return { contentType: doc.contentType, warnings: doc.warnings, attachments: doc.attachments, chunks };
}
