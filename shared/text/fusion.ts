/** Reciprocal rank fusion: score = Σ weight / (k + rank), rank 1-based, over each ranked list. */
export function reciprocalRankFusion<T>(
  lists: { items: T[]; weight: number }[],
  key: (item: T) => string,
  k = 60,
): { item: T; score: number; ranks: number[] }[] {
  const acc = new Map<string, { item: T; score: number; ranks: number[] }>();
  lists.forEach(({ items, weight }, li) => {
    items.forEach((item, i) => {
      const id = key(item);
      const e = acc.get(id) ?? { item, score: 0, ranks: lists.map(() => 0) };
      e.score += weight / (k + i + 1);
      e.ranks[li] = i + 1;
      acc.set(id, e);
    });
  });
  return [...acc.values()].sort((a, b) => b.score - a.score);
}
