// Ranking metrics over the documents a job retrieved, in rank order (duplicates already removed),
// against the dataset's relevant_doc_ids. Binary relevance, as BEIR scores SciFact.

/** Share of the relevant documents found in the first k. */
export function recallAtK(ranked: readonly string[], relevant: readonly string[], k: number): number {
  if (!relevant.length) return 0;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((d) => top.has(d)).length / new Set(relevant).size;
}

/** 1 / rank of the first relevant document; 0 when none was retrieved. */
export function reciprocalRank(ranked: readonly string[], relevant: readonly string[]): number {
  const want = new Set(relevant);
  const i = ranked.findIndex((d) => want.has(d));
  return i < 0 ? 0 : 1 / (i + 1);
}

/** nDCG@k with binary gains: DCG = Σ 1/log2(rank+1) over relevant hits, divided by the ideal DCG. */
export function ndcgAtK(ranked: readonly string[], relevant: readonly string[], k: number): number {
  const want = new Set(relevant);
  if (!want.size) return 0;
  const gain = (rank: number) => 1 / Math.log2(rank + 1);
  let dcg = 0;
  ranked.slice(0, k).forEach((d, i) => { if (want.has(d)) dcg += gain(i + 1); });
  let ideal = 0;
  for (let r = 1; r <= Math.min(k, want.size); r++) ideal += gain(r);
  return dcg / ideal;
}

/** Keeps the first occurrence of each id (a document retrieved through several chunks counts once). */
export function dedupe(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
