import type { EvalQuestion } from "../datasets/types";

// FUNSD word recall: the share of the words of a form's keys and linked answers (the annotators'
// transcriptions) found among the words read from it. Words are lower-cased runs of letters and digits;
// each gold word counts once per occurrence, found if the text has it anywhere.

export const formWords = (s: string): string[] => s.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/** The gold words of one form: its keys (the labels as printed, not the asking template) and their answers. */
export function formGoldWords(questions: readonly Pick<EvalQuestion, "original" | "answers" | "relevantDocIds">[], formId: string): string[] {
  return questions.filter((q) => q.relevantDocIds[0] === formId).flatMap((q) => [...formWords(q.original), ...q.answers.flatMap(formWords)]);
}

export function wordRecall(gold: readonly string[], text: string): { found: number; total: number } {
  const have = new Set(formWords(text));
  return { found: gold.filter((w) => have.has(w)).length, total: gold.length };
}
