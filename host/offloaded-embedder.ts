import { HashedNgramEmbedder } from "../shared/adapters/local/hashed-ngram-embedder";
import type { Embedder } from "../shared/ports/models";
import type { WorkerPool } from "../shared/runtime/worker-pool";

// The local embedder is CPU work on whatever thread calls it: batches of document chunks go to the
// host's worker threads (the same embedder, built there from its model id). A question's few
// texts stay on this thread: a hop would cost more than the work, and must not wait behind a parse.
// So does a small batch: the embedder takes ~0.15 µs a character, a hop ~0.5 ms of copies and
// wake-ups, so under EMBED_HERE_MAX_CHARS (~2.5 ms of work) the hop would cost more than it frees.

export const EMBED_HERE_MAX_CHARS = 16 * 1024;

export class OffloadedEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  readonly backend: string;

  private constructor(
    private readonly inner: Embedder,
    private readonly pool: WorkerPool,
  ) {
    this.model = inner.model;
    this.dimensions = inner.dimensions;
    this.backend = inner.backend;
  }

  /**
   * The wrapper for an embedder a worker can rebuild from its model id: the plain local one. Undefined for
   * the others: one over HTTP does not block, and a decorated one (counting, failing) would lose its decoration.
   */
  static wrap(inner: Embedder, pool: WorkerPool): OffloadedEmbedder | undefined {
    const plain = inner instanceof HashedNgramEmbedder && Object.getPrototypeOf(inner) === HashedNgramEmbedder.prototype && !Object.hasOwn(inner, "embed");
    return plain && HashedNgramEmbedder.fromModelId(inner.model) ? new OffloadedEmbedder(inner, pool) : undefined;
  }

  embed(texts: string[], kind: "document" | "query"): Promise<Float32Array[]> {
    if (kind === "query" || texts.reduce((n, t) => n + t.length, 0) <= EMBED_HERE_MAX_CHARS) return this.inner.embed(texts, kind);
    return this.pool.run<Float32Array[]>("embedLocal", { model: this.model, texts });
  }
}
