import { contentTerms } from "../text/terms";
import type { Chunk } from "../domain/chunk";

// How relevant is a passage, when no cross-encoder scored it? The share of the question's content
// terms (stemmed, stopwords dropped) that the passage or its headings contain. Lexical, so a
// paraphrase scores low: with a neural embedder and no reranker, lower RAGLINE_MIN_RELEVANCE.

export function lexicalCoverage(question: string, chunk: Pick<Chunk, "text" | "sectionPath">): number {
  const q = [...new Set(contentTerms(question))];
  if (!q.length) return 0;
  const have = new Set(contentTerms([...chunk.sectionPath, chunk.text].join(" ")));
  return q.filter((t) => have.has(t)).length / q.length;
}
