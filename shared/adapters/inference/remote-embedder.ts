import type { Embedder } from "../../ports/models";
import type { InferenceHost } from "./host-client";
import { batches, checkDimensions, normalised } from "./vectors";

export interface RemoteEmbedderOptions {
  model: string;
  /** Known up front, or learnt from the first response. */
  dimensions?: number;
  batchSize: number;
  /** Instruction prefixes some models need (e5: "query: " / "passage: "). */
  queryPrefix?: string;
  documentPrefix?: string;
}

/**
 * What every embedder on an inference host shares: instruction prefixes, batching, normalising and
 * checking the dimensions; a subclass speaks one wire format for one batch.
 */
export abstract class RemoteEmbedder implements Embedder {
  abstract readonly backend: string;
  private dims: number | undefined;

  constructor(
    protected readonly host: InferenceHost,
    protected readonly opts: RemoteEmbedderOptions,
  ) {
    this.dims = opts.dimensions;
  }

  get model() {
    return this.opts.model;
  }
  get dimensions() {
    return this.dims ?? 0;
  }

  /** One batch of (prefixed) inputs → one vector per input, in input order. */
  protected abstract embedBatch(inputs: string[]): Promise<number[][]>;

  async embed(texts: string[], kind: "document" | "query"): Promise<Float32Array[]> {
    const prefix = (kind === "query" ? this.opts.queryPrefix : this.opts.documentPrefix) ?? "";
    const out: Float32Array[] = [];
    for (const batch of batches(texts, this.opts.batchSize)) {
      const vectors = await this.embedBatch(batch.map((t) => prefix + t));
      if (vectors.length !== batch.length) throw new Error(`${this.backend} returned ${vectors.length} embeddings for ${batch.length} inputs`);
      out.push(...vectors.map((v) => normalised(v)));
    }
    this.dims = checkDimensions(out, this.dims, this.backend);
    return out;
  }
}
