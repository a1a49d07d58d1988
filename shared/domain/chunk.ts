import type { DocumentMetadata } from "./document";

export interface Chunk {
  /** Content-addressed id: stable while the document key, section and text are unchanged. */
  id: string;
  documentKey: string;
  version: string;
  /** Position of the chunk in the document (0-based). */
  ordinal: number;
  text: string;
  /** Headings above this chunk, outermost first. */
  sectionPath: string[];
  page?: number;
  pageEnd?: number;
  kind: "text" | "table";
  metadata: DocumentMetadata;
}

export interface EmbeddedChunk extends Chunk {
  vector: Float32Array;
  embeddingModel: string;
}

/** A chunk returned by retrieval, with its fused score and the ranks that produced it. */
export interface ScoredChunk extends Chunk {
  score: number;
  bm25Rank?: number;
  vectorRank?: number;
}

/** The text the embedder sees: the section path gives a chunk its context. */
export function embeddingText(chunk: Pick<Chunk, "text" | "sectionPath">): string {
  return chunk.sectionPath.length ? `${chunk.sectionPath.join(" > ")}\n${chunk.text}` : chunk.text;
}
