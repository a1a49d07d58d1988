import type { InferenceHost } from "./host-client";
import { RemoteEmbedder, type RemoteEmbedderOptions } from "./remote-embedder";

// Text Embeddings Inference POST /embed: {inputs, normalize, truncate} → number[][].

export class TeiEmbedder extends RemoteEmbedder {
  readonly backend: string;

  constructor(host: InferenceHost, opts: RemoteEmbedderOptions) {
    super(host, opts);
    this.backend = `tei ${host.baseUrl}`;
  }

  protected async embedBatch(inputs: string[]): Promise<number[][]> {
    const res = await this.host.json<number[][]>("/embed", { inputs, normalize: true, truncate: true });
    if (!Array.isArray(res)) throw new Error(`${this.backend} returned no embeddings`);
    return res;
  }
}
