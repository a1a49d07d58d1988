// Answer text against gold answers, SQuAD-style: lower case, punctuation and articles dropped,
// whitespace collapsed; exact match and token F1 take the best gold answer.

export function normalizeAnswer(s: string): string {
  return s
    .toLowerCase()
    .replace(/\[\d+(?:\s*[,;\u2013-]\s*\d+)*\]/g, " ") // citation markers are not part of the answer
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .replace(/\b(a|an|the)\b/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export const answerTokens = (s: string) => normalizeAnswer(s).split(" ").filter(Boolean);

export function exactMatch(prediction: string, golds: readonly string[]): number {
  const p = normalizeAnswer(prediction);
  return golds.some((g) => normalizeAnswer(g) === p) ? 1 : 0;
}

/** Token-overlap precision, recall and F1 of one prediction against one gold answer. */
export function tokenOverlap(prediction: string, gold: string): { precision: number; recall: number; f1: number } {
  const p = answerTokens(prediction);
  const g = answerTokens(gold);
  if (!p.length || !g.length) return { precision: 0, recall: 0, f1: 0 };
  const counts = new Map<string, number>();
  for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      common++;
      counts.set(t, c - 1);
    }
  }
  if (!common) return { precision: 0, recall: 0, f1: 0 };
  const precision = common / p.length;
  const recall = common / g.length;
  return { precision, recall, f1: (2 * precision * recall) / (precision + recall) };
}

export function tokenF1(prediction: string, golds: readonly string[]): number {
  return Math.max(0, ...golds.map((g) => tokenOverlap(prediction, g).f1));
}

/** Share of the best gold answer's tokens that the prediction contains (long answers: did it say it?). */
export function tokenRecall(prediction: string, golds: readonly string[]): number {
  return Math.max(0, ...golds.map((g) => tokenOverlap(prediction, g).recall));
}

/** A short gold answer appearing verbatim (normalized) inside a longer prediction. */
export function containsAnswer(prediction: string, golds: readonly string[]): boolean {
  const p = ` ${normalizeAnswer(prediction)} `;
  return golds.some((g) => {
    const n = normalizeAnswer(g);
    return n.length > 0 && p.includes(` ${n} `);
  });
}

/** Gold answers that are verdict labels (SciFact, PubMedQA): an answer text cannot match them. */
export const LABEL_ANSWERS = new Set(["support", "contradict", "not_enough_info", "yes", "no", "maybe"]);

export type AnswerKind = "none" | "label" | "short" | "long";

/** Short gold answers get exact match and F1; longer ones are checked by token recall. */
export const SHORT_ANSWER_TOKENS = 10;

export function answerKind(golds: readonly string[]): AnswerKind {
  if (!golds.length) return "none";
  if (golds.every((g) => LABEL_ANSWERS.has(g.trim().toLowerCase()))) return "label";
  return Math.min(...golds.map((g) => answerTokens(g).length)) <= SHORT_ANSWER_TOKENS ? "short" : "long";
}
