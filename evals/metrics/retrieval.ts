export { ndcgAtK, recallAtK } from "../../shared/query/ranking-metrics";

// Ranking metrics over the documents a job retrieved, in rank order (duplicates already removed),
// against the dataset's relevant_doc_ids. Binary relevance, as BEIR scores SciFact.

/** 1 / rank of the first relevant document; 0 when none was retrieved. */
export function reciprocalRank(ranked: readonly string[], relevant: readonly string[]): number {
  const want = new Set(relevant);
  const i = ranked.findIndex((d) => want.has(d));
  return i < 0 ? 0 : 1 / (i + 1);
}

/** Keeps the first occurrence of each id (a document retrieved through several chunks counts once). */
export function dedupe(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
