import type { ScoredChunk } from "../../domain/chunk";

/** Chunks ordered by the cross-encoder's scores (which replace the fused retrieval score), top K. */
export function applyRerankScores(chunks: ScoredChunk[], scores: number[], topK: number): ScoredChunk[] {
  if (scores.some((s) => s === -Infinity)) throw new Error("the reranker did not score every passage");
  return chunks
    .map((c, i) => ({ c, s: scores[i], i }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, topK)
    .map(({ c, s }) => ({ ...c, score: s }));
}
