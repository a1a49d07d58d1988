// Ranking metrics with binary relevance (as BEIR scores SciFact), over documents in rank order with
// duplicates removed. Shared by the evals and by the retrieval tuning that picks fusion weights.

/** Share of the relevant documents found in the first k. */
export function recallAtK(ranked: readonly string[], relevant: readonly string[], k: number): number {
  if (!relevant.length) return 0;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((d) => top.has(d)).length / new Set(relevant).size;
}

/** nDCG@k with binary gains: DCG = Σ 1/log2(rank+1) over relevant hits, divided by the ideal DCG. */
export function ndcgAtK(ranked: readonly string[], relevant: readonly string[], k: number): number {
  const want = new Set(relevant);
  if (!want.size) return 0;
  const gain = (rank: number) => 1 / Math.log2(rank + 1);
  let dcg = 0;
  ranked.slice(0, k).forEach((d, i) => {
    if (want.has(d)) dcg += gain(i + 1);
  });
  let ideal = 0;
  for (let r = 1; r <= Math.min(k, want.size); r++) ideal += gain(r);
  return dcg / ideal;
}
