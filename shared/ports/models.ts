import type { ScoredChunk } from "../domain/chunk";

export interface Embedder {
  /** Model id recorded on every chunk, e.g. "local/hashed-ngrams-v1" or "BAAI/bge-small-en-v1.5". */
  readonly model: string;
  readonly dimensions: number;
  /** Which backend answers: "local", "openai-compatible http://...", "tei http://...". */
  readonly backend: string;
  embed(texts: string[], kind: "document" | "query"): Promise<Float32Array[]>;
}

export interface Reranker {
  readonly model: string;
  readonly backend: string;
  /** True when it only keeps the retrieval order (no cross-encoder scores to judge relevance by). */
  readonly passThrough?: boolean;
  rerank(query: string, chunks: ScoredChunk[], topK: number): Promise<ScoredChunk[]>;
}

export interface GenerationSource {
  n: number;
  documentKey: string;
  page?: number;
  sectionPath?: string[];
  text: string;
}

export interface GenerateRequest {
  question: string;
  sources: GenerationSource[];
  signal?: AbortSignal;
  /**
   * For an extractive generator: the units the core's evidence check chose (shared/query/evidence.ts), in
   * the order to say them, each with its source number. It quotes them; it does not judge them.
   */
  quote?: QuotedUnit[];
}

export interface QuotedUnit {
  n: number;
  text: string;
}

export interface Generator {
  readonly model: string;
  readonly backend: string;
  /** True when it quotes retrieved text instead of writing: it needs evidence that answers, or abstains. */
  readonly extractive?: boolean;
  /** Streams answer text; the concatenated deltas are the answer, with [n] citations. */
  generate(req: GenerateRequest): AsyncIterable<string>;
}
