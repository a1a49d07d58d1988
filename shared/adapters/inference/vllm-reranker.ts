import type { ScoredChunk } from "../../domain/chunk";
import type { Reranker } from "../../ports/models";
import { InferenceHost } from "./host-client";
import { applyRerankScores } from "./rerank-scores";
import { batches } from "./vectors";

// vLLM's POST /v1/rerank (the Jina/Cohere form): {model, query, documents} → {results: [{index, relevance_score}]}.

interface RerankResponse { results: { index: number; relevance_score: number }[] }

export class VllmReranker implements Reranker {
  readonly backend: string;

  constructor(private readonly host: InferenceHost, readonly model: string, private readonly batchSize = 32) {
    this.backend = `vllm ${host.baseUrl}`;
  }

  async rerank(query: string, chunks: ScoredChunk[], topK: number): Promise<ScoredChunk[]> {
    const scores = new Array<number>(chunks.length).fill(-Infinity);
    let offset = 0;
    for (const batch of batches(chunks, this.batchSize)) {
      const res = await this.host.json<RerankResponse>("/v1/rerank", { model: this.model, query, documents: batch.map((c) => c.text) });
      for (const r of res.results ?? []) scores[offset + r.index] = r.relevance_score;
      offset += batch.length;
    }
    return applyRerankScores(chunks, scores, topK);
  }
}
