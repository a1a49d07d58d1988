import type { InferenceHost } from "./host-client";
import { RemoteReranker } from "./rerank-scores";

// Text Embeddings Inference POST /rerank (a cross-encoder): {query, texts} → [{index, score}].
// Scores are sigmoid-ed (0..1) unless raw_scores is asked for, so they can gate relevance.

export class TeiReranker extends RemoteReranker {
  readonly backend: string;

  constructor(host: InferenceHost, model: string, batchSize = 32) {
    super(host, model, batchSize);
    this.backend = `tei ${host.baseUrl}`;
  }

  protected scoreBatch(query: string, texts: string[]) {
    return this.host.json<{ index: number; score: number }[]>("/rerank", { query, texts, raw_scores: false, truncate: true });
  }
}
