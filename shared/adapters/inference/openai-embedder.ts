import type { InferenceHost } from "./host-client";
import { RemoteEmbedder, type RemoteEmbedderOptions } from "./remote-embedder";

// OpenAI-compatible POST /v1/embeddings (vLLM, Ollama, llama.cpp server, TEI's OpenAI route, hosted APIs).

export type { RemoteEmbedderOptions } from "./remote-embedder";

interface EmbeddingsResponse {
  data: { index: number; embedding: number[] }[];
  usage?: { prompt_tokens?: number };
}

export class OpenAIEmbedder extends RemoteEmbedder {
  readonly backend: string;

  constructor(host: InferenceHost, opts: RemoteEmbedderOptions) {
    super(host, opts);
    this.backend = `openai-compatible ${host.baseUrl}`;
  }

  protected async embedBatch(inputs: string[]): Promise<number[][]> {
    const res = await this.host.json<EmbeddingsResponse>("/v1/embeddings", { model: this.opts.model, input: inputs, encoding_format: "float" });
    // Order by `index`: servers need not answer in input order.
    return [...(res.data ?? [])].sort((a, b) => a.index - b.index).map((d) => d.embedding);
  }
}
