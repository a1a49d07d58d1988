import type { ScoredChunk } from "../../domain/chunk";
import type { Reranker } from "../../ports/models";
import type { InferenceHost } from "./host-client";
import { batches } from "./vectors";

/** Chunks ordered by the cross-encoder's scores (which replace the fused retrieval score), top K. */
export function applyRerankScores(chunks: ScoredChunk[], scores: number[], topK: number): ScoredChunk[] {
  if (scores.some((s) => s === -Infinity)) throw new Error("the reranker did not score every passage");
  return chunks
    .map((c, i) => ({ c, s: scores[i], i }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, topK)
    .map(({ c, s }) => ({ ...c, score: s }));
}

/**
 * What every cross-encoder on an inference host shares: batching, mapping batch indexes back to the
 * passages, and the final ordering; a subclass speaks one wire format for one batch.
 */
export abstract class RemoteReranker implements Reranker {
  abstract readonly backend: string;

  constructor(
    protected readonly host: InferenceHost,
    readonly model: string,
    private readonly batchSize = 32,
  ) {}

  /** Scores of one batch of texts, by their index within the batch. */
  protected abstract scoreBatch(query: string, texts: string[]): Promise<{ index: number; score: number }[]>;

  async rerank(query: string, chunks: ScoredChunk[], topK: number): Promise<ScoredChunk[]> {
    const scores = new Array<number>(chunks.length).fill(-Infinity);
    let offset = 0;
    for (const batch of batches(chunks, this.batchSize)) {
      for (const r of await this.scoreBatch(
        query,
        batch.map((c) => c.text),
      ))
        scores[offset + r.index] = r.score;
      offset += batch.length;
    }
    return applyRerankScores(chunks, scores, topK);
  }
}
