import type { EvalDataset, EvalQuestion } from "./types";

// Which questions run and which documents are ingested for them. Deterministic: the same dataset
// file and options always give the same selection (the gate's baseline depends on it).

export interface Selection {
  /** At most this many questions, keeping the dataset's answerable/unanswerable mix (file order within each). */
  limit?: number;
  /** A seeded random sample of this many questions instead (the human audit). */
  sample?: { n: number; seed: number };
  /** Ingest only the questions' gold (and companion) documents plus this many others; absent = the whole corpus. */
  distractors?: number;
}

export function selectQuestions(ds: EvalDataset, sel: Selection): EvalQuestion[] {
  if (sel.sample) return seededSample(ds.questions, sel.sample.n, sel.sample.seed);
  if (sel.limit === undefined || sel.limit >= ds.questions.length) return ds.questions;
  const answerable = ds.questions.filter((q) => q.answerable);
  const unanswerable = ds.questions.filter((q) => !q.answerable);
  const nUn = Math.round((sel.limit * unanswerable.length) / ds.questions.length);
  const picked = new Set([...answerable.slice(0, sel.limit - nUn), ...unanswerable.slice(0, nUn)]);
  return ds.questions.filter((q) => picked.has(q)); // file order
}

export function documentsFor(ds: EvalDataset, questions: readonly EvalQuestion[], distractors?: number): string[] {
  if (distractors === undefined) return ds.documentIds;
  const needed = new Set(questions.flatMap((q) => [...q.relevantDocIds, ...q.companionDocIds]).filter((id) => ds.document(id)));
  const others = ds.documentIds.filter((id) => !needed.has(id)).slice(0, distractors);
  return [...needed, ...others];
}

/** mulberry32: a tiny seeded PRNG, so a sample can be drawn again. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededSample<T>(items: readonly T[], n: number, seed: number): T[] {
  const rnd = seededRandom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, Math.min(n, copy.length));
}
