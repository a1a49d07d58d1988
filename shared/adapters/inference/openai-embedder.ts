import type { Embedder } from "../../ports/models";
import { InferenceHost } from "./host-client";
import { batches, checkDimensions, normalised } from "./vectors";

// OpenAI-compatible POST /v1/embeddings (vLLM, Ollama, llama.cpp server, TEI's OpenAI route, hosted APIs).

export interface RemoteEmbedderOptions {
  model: string;
  /** Known up front, or learnt from the first response. */
  dimensions?: number;
  batchSize: number;
  /** Instruction prefixes some models need (e5: "query: " / "passage: "). */
  queryPrefix?: string;
  documentPrefix?: string;
}

interface EmbeddingsResponse { data: { index: number; embedding: number[] }[]; usage?: { prompt_tokens?: number } }

export class OpenAIEmbedder implements Embedder {
  readonly backend: string;
  private dims: number | undefined;

  constructor(private readonly host: InferenceHost, private readonly opts: RemoteEmbedderOptions) {
    this.backend = `openai-compatible ${host.baseUrl}`;
    this.dims = opts.dimensions;
  }

  get model() { return this.opts.model; }
  get dimensions() { return this.dims ?? 0; }

  async embed(texts: string[], kind: "document" | "query"): Promise<Float32Array[]> {
    const prefix = (kind === "query" ? this.opts.queryPrefix : this.opts.documentPrefix) ?? "";
    const out: Float32Array[] = [];
    for (const batch of batches(texts, this.opts.batchSize)) {
      const res = await this.host.json<EmbeddingsResponse>("/v1/embeddings", { model: this.opts.model, input: batch.map((t) => prefix + t), encoding_format: "float" });
      const data = [...(res.data ?? [])].sort((a, b) => a.index - b.index);
      if (data.length !== batch.length) throw new Error(`${this.backend} returned ${data.length} embeddings for ${batch.length} inputs`);
      out.push(...data.map((d) => normalised(d.embedding)));
    }
    this.dims = checkDimensions(out, this.dims, this.backend);
    return out;
  }
}
