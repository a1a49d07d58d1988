import type { Embedder } from "../ports/models";
import type { SearchIndex } from "../ports/search-index";
import { ndcgAtK, recallAtK } from "./ranking-metrics";

// Which fusion of BM25 and vectors serves queries. Equal-weight fusion can be worse than BM25 alone
// (with the lexical hashed-n-gram embedder the "vector" side repeats BM25 with more noise), so the
// weights are chosen by measurement: every candidate pair is scored (nDCG@10) on an eval set of the
// index's own questions, and the best one is recorded for the serving embedding model. Without an eval
// set a BM25-weighted default is used, one that was measured on the public dev sets (figures below).

export interface FusionWeights {
  bm25Weight: number;
  vectorWeight: number;
}

export interface RetrievalEvalQuestion {
  question: string;
  documentKeys: string[];
}

export interface MeasuredWeights extends FusionWeights {
  ndcg10: number;
  recall10: number;
}

export interface RetrievalChoice extends FusionWeights {
  /** The index generation (serving embedding model) the weights were chosen for. */
  embeddingModel: string;
  chosenBy: "eval-set" | "default" | "config";
  /** Where the default came from, or the eval set's key, size and content hash. */
  basis: string;
  evalSet?: { key: string; questions: number; hash: string };
  /** Every candidate's figures on the eval set, best first (absent for a default). */
  measured?: MeasuredWeights[];
  /** nDCG@10 of the chosen weights against BM25 alone and equal weights, on the same eval set. */
  effect?: { chosen: number; bm25Only: number; equalWeights: number };
  chosenAt?: string;
}

/** Candidate weight pairs, BM25-heavy first: a tie keeps the earlier (simpler, BM25-weighted) one. */
export const CANDIDATE_WEIGHTS: readonly FusionWeights[] = [
  { bm25Weight: 1, vectorWeight: 0 },
  { bm25Weight: 1, vectorWeight: 0.1 },
  { bm25Weight: 1, vectorWeight: 0.25 },
  { bm25Weight: 1, vectorWeight: 0.5 },
  { bm25Weight: 1, vectorWeight: 1 },
  { bm25Weight: 0.5, vectorWeight: 1 },
  { bm25Weight: 0.25, vectorWeight: 1 },
  { bm25Weight: 0, vectorWeight: 1 },
];

/**
 * The weights used where no eval set has chosen any. Measured with `npm run eval:retrieval` on the dev
 * questions (nDCG@10 with the lexical embedder): scifact (180 questions, 5,183 abstracts) BM25 alone 0.662,
 * 1:0.1 0.646, 1:0.25 0.611, equal weights 0.550, vectors alone 0.399; clapnq (180, 597 passages) BM25
 * alone 0.940, 1:0.1 0.929, equal 0.875, vectors alone 0.708. Every vector weight lost, so the lexical
 * embedder's default is BM25 alone. A neural embedder was not measured here: its default stays
 * BM25-weighted (1:0.5) until its index's eval set picks weights.
 */
export function defaultWeights(embedder: Pick<Embedder, "backend" | "model">): FusionWeights & { basis: string } {
  return embedder.backend === "local"
    ? {
        bm25Weight: 1,
        vectorWeight: 0,
        basis: "default for the lexical embedder: BM25 alone, best on scifact and clapnq dev (nDCG@10 0.662 vs 0.550 at equal weights)",
      }
    : { bm25Weight: 1, vectorWeight: 0.5, basis: "BM25-weighted default until an eval set measures this embedder" };
}

/** Scores each candidate pair on the eval set: nDCG@10 and recall@10 over documents, best first. */
export async function measureWeights(
  index: SearchIndex,
  embedder: Embedder,
  questions: readonly RetrievalEvalQuestion[],
  opts: { candidates?: readonly FusionWeights[]; k?: number; depth?: number } = {},
): Promise<MeasuredWeights[]> {
  const candidates = opts.candidates ?? CANDIDATE_WEIGHTS;
  const usable = questions.filter((q) => q.question.trim() && q.documentKeys.length);
  const vectors = usable.length
    ? await embedder.embed(
        usable.map((q) => q.question),
        "query",
      )
    : [];
  const out: MeasuredWeights[] = [];
  for (const w of candidates) {
    let ndcg = 0;
    let recall = 0;
    for (let i = 0; i < usable.length; i++) {
      const hits = await index.search({
        text: usable[i].question,
        vector: vectors[i],
        embeddingModel: embedder.model,
        topK: opts.depth ?? 30,
        fusion: { ...w, k: opts.k ?? 60 },
      });
      const ranked = [...new Set(hits.filter((h) => h.score > 0).map((h) => h.documentKey))];
      ndcg += ndcgAtK(ranked, usable[i].documentKeys, 10);
      recall += recallAtK(ranked, usable[i].documentKeys, 10);
    }
    const n = Math.max(1, usable.length);
    out.push({ ...w, ndcg10: ndcg / n, recall10: recall / n });
  }
  return pickOrder(out);
}

/** Best nDCG@10 first; within 0.001 the earlier candidate (more BM25) wins, then recall decides nothing more. */
function pickOrder(measured: MeasuredWeights[]): MeasuredWeights[] {
  return measured
    .map((m, i) => ({ m, i }))
    .sort((a, b) => (Math.abs(b.m.ndcg10 - a.m.ndcg10) > 1e-3 ? b.m.ndcg10 - a.m.ndcg10 : a.i - b.i))
    .map((x) => x.m);
}

/** Chooses the weights for one index generation from an eval set (or none: the measured default). */
export async function chooseWeights(
  index: SearchIndex,
  embedder: Embedder,
  evalSet: { key: string; hash: string; questions: RetrievalEvalQuestion[] } | undefined,
  opts: { k?: number; now?: Date } = {},
): Promise<RetrievalChoice> {
  const chosenAt = (opts.now ?? new Date()).toISOString();
  if (!evalSet || !evalSet.questions.length) {
    const d = defaultWeights(embedder);
    return { bm25Weight: d.bm25Weight, vectorWeight: d.vectorWeight, embeddingModel: embedder.model, chosenBy: "default", basis: d.basis, chosenAt };
  }
  const measured = await measureWeights(index, embedder, evalSet.questions, { k: opts.k });
  const best = measured[0];
  const at = (b: number, v: number) => measured.find((m) => m.bm25Weight === b && m.vectorWeight === v)?.ndcg10 ?? 0;
  return {
    bm25Weight: best.bm25Weight,
    vectorWeight: best.vectorWeight,
    embeddingModel: embedder.model,
    chosenBy: "eval-set",
    basis: `best nDCG@10 of ${measured.length} weight pairs on ${evalSet.questions.length} eval questions`,
    evalSet: { key: evalSet.key, questions: evalSet.questions.length, hash: evalSet.hash },
    measured,
    effect: { chosen: best.ndcg10, bm25Only: at(1, 0), equalWeights: at(1, 1) },
    chosenAt,
  };
}
