import type { ScoredChunk } from "../../domain/chunk";
import type { Reranker } from "../../ports/models";
import { InferenceHost } from "./host-client";
import { applyRerankScores } from "./rerank-scores";
import { batches } from "./vectors";

// Text Embeddings Inference POST /rerank (a cross-encoder): {query, texts} → [{index, score}].
// Scores are sigmoid-ed (0..1) unless raw_scores is asked for, so they can gate relevance.

export class TeiReranker implements Reranker {
  readonly backend: string;

  constructor(private readonly host: InferenceHost, readonly model: string, private readonly batchSize = 32) {
    this.backend = `tei ${host.baseUrl}`;
  }

  async rerank(query: string, chunks: ScoredChunk[], topK: number): Promise<ScoredChunk[]> {
    const scores = new Array<number>(chunks.length).fill(-Infinity);
    let offset = 0;
    for (const batch of batches(chunks, this.batchSize)) {
      const res = await this.host.json<{ index: number; score: number }[]>("/rerank", { query, texts: batch.map((c) => c.text), raw_scores: false, truncate: true });
      for (const r of res) scores[offset + r.index] = r.score;
      offset += batch.length;
    }
    return applyRerankScores(chunks, scores, topK);
  }
}
