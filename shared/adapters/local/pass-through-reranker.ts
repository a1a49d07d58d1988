import type { ScoredChunk } from "../../domain/chunk";
import type { Reranker } from "../../ports/models";

/** No reranking: keeps the retrieval order. Honest name, so reports show no cross-encoder ran. */
export class PassThroughReranker implements Reranker {
  readonly model = "none";
  readonly backend = "pass-through";
  readonly passThrough = true;
  async rerank(_query: string, chunks: ScoredChunk[], topK: number): Promise<ScoredChunk[]> {
    return chunks.slice(0, topK);
  }
}
