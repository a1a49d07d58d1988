import type { InferenceHost } from "./host-client";
import { RemoteReranker } from "./rerank-scores";

// vLLM's POST /v1/rerank (the Jina/Cohere form): {model, query, documents} → {results: [{index, relevance_score}]}.

interface RerankResponse {
  results: { index: number; relevance_score: number }[];
}

export class VllmReranker extends RemoteReranker {
  readonly backend: string;

  constructor(host: InferenceHost, model: string, batchSize = 32) {
    super(host, model, batchSize);
    this.backend = `vllm ${host.baseUrl}`;
  }

  protected async scoreBatch(query: string, texts: string[]) {
    const res = await this.host.json<RerankResponse>("/v1/rerank", { model: this.model, query, documents: texts });
    return (res.results ?? []).map((r) => ({ index: r.index, score: r.relevance_score }));
  }
}
