import type { Embedder } from "../../ports/models";
import { InferenceHost } from "./host-client";
import type { RemoteEmbedderOptions } from "./openai-embedder";
import { batches, checkDimensions, normalised } from "./vectors";

// Text Embeddings Inference POST /embed: {inputs, normalize, truncate} → number[][].

export class TeiEmbedder implements Embedder {
  readonly backend: string;
  private dims: number | undefined;

  constructor(private readonly host: InferenceHost, private readonly opts: RemoteEmbedderOptions) {
    this.backend = `tei ${host.baseUrl}`;
    this.dims = opts.dimensions;
  }

  get model() { return this.opts.model; }
  get dimensions() { return this.dims ?? 0; }

  async embed(texts: string[], kind: "document" | "query"): Promise<Float32Array[]> {
    const prefix = (kind === "query" ? this.opts.queryPrefix : this.opts.documentPrefix) ?? "";
    const out: Float32Array[] = [];
    for (const batch of batches(texts, this.opts.batchSize)) {
      const res = await this.host.json<number[][]>("/embed", { inputs: batch.map((t) => prefix + t), normalize: true, truncate: true });
      if (!Array.isArray(res) || res.length !== batch.length) throw new Error(`${this.backend} returned ${Array.isArray(res) ? res.length : "no"} embeddings for ${batch.length} inputs`);
      out.push(...res.map((v) => normalised(v)));
    }
    this.dims = checkDimensions(out, this.dims, this.backend);
    return out;
  }
}
