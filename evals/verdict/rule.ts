import type { AnswerKind } from "../metrics/answer";
import type { VerdictResult } from "./types";

// The deterministic verdict, used when no judge model is configured. It reads only the metrics, so
// it is repeatable (the gate depends on that) and it is strict: it cannot tell a good paraphrase
// from a bad one, so long answers need the gold answer's words or the annotated evidence sentences.
// Thresholds and their reasons are documented in evals/README.md ("Verdict rule v1").

export const RULE_ID = "rule-v1";

export const RULE = {
  /** Short answers: this token F1 with a gold answer, or the gold answer contained verbatim, is "useful". */
  shortUsefulF1: 0.8,
  shortPartlyF1: 0.3,
  /** Long answers: this share of the gold answer's words in the answer is "useful" (with a gold citation). */
  longUsefulRecall: 0.5,
  longPartlyRecall: 0.25,
  /** ...or quoting an annotated evidence sentence while covering at least this share (a quote of side detail is not enough). */
  longEvidenceRecall: 0.3,
  /** A short answer found only inside a longer quote than this (words) makes a user dig: "partly". */
  shortMaxWords: 80,
  /** Long answers: at most this many words, or 3 × the gold answer's, to be "useful". */
  longMaxWords: 120,
  /** Below this faithfulness an otherwise useful answer is only "partly" (it also says unsupported things). */
  minFaithfulness: 0.5,
} as const;

export interface RuleInput {
  status: string;
  answerable: boolean;
  abstained: boolean;
  answer: string;
  kind: AnswerKind;
  /** Some citation points at a gold document. */
  citesGold: boolean;
  /** The answer quotes an annotated evidence sentence. */
  evidenceHit: boolean;
  hasEvidence: boolean;
  hasGoldDocs: boolean;
  tokenF1?: number;
  containsGold?: boolean;
  answerRecall?: number;
  faithfulness?: number;
  /** Words in the answer, and in the shortest gold answer. */
  answerWords: number;
  goldWords: number;
}

const v = (verdict: VerdictResult["verdict"], reason: string): VerdictResult => ({ verdict, by: RULE_ID, reason });

/** Returns undefined when there is nothing to score against (no gold answer, documents or answerability). */
export function ruleVerdict(x: RuleInput): VerdictResult | undefined {
  if (x.status !== "completed") return v("wrong", `the job ended ${x.status}`);
  if (!x.answerable)
    return x.abstained ? v("useful", "declined a question the documents do not answer") : v("wrong", "answered a question the documents do not answer");
  if (!x.answer.trim()) return v("wrong", "empty answer");
  if (x.abstained) return x.kind === "none" && !x.hasGoldDocs ? undefined : v("wrong", "declined a question the documents answer");
  const unfaithful = x.faithfulness !== undefined && x.faithfulness < RULE.minFaithfulness;
  const demote = (r: VerdictResult, maxWords = Infinity) => {
    if (r.verdict !== "useful") return r;
    if (unfaithful) return v("partly", `${r.reason}, but faithfulness ${x.faithfulness!.toFixed(2)} < ${RULE.minFaithfulness}`);
    if (x.answerWords > maxWords) return v("partly", `${r.reason}, but buried in a ${x.answerWords}-word answer`);
    return r;
  };

  switch (x.kind) {
    case "short": {
      const f1 = x.tokenF1 ?? 0;
      if (x.containsGold || f1 >= RULE.shortUsefulF1)
        return demote(v("useful", x.containsGold ? "states the gold answer" : `token F1 ${f1.toFixed(2)}`), RULE.shortMaxWords);
      if (f1 >= RULE.shortPartlyF1 || x.citesGold)
        return v("partly", f1 >= RULE.shortPartlyF1 ? `token F1 ${f1.toFixed(2)}` : "cites a gold document but does not state the answer");
      return v("wrong", `token F1 ${f1.toFixed(2)}, no gold document cited`);
    }
    case "long": {
      const r = x.answerRecall ?? 0;
      const quoted = x.evidenceHit && r >= RULE.longEvidenceRecall;
      if (x.citesGold && (r >= RULE.longUsefulRecall || quoted))
        return demote(
          v(
            "useful",
            r >= RULE.longUsefulRecall
              ? `covers ${(r * 100).toFixed(0)} % of the gold answer from a gold document`
              : `quotes the annotated evidence from a gold document, covers ${(r * 100).toFixed(0)} % of the gold answer`,
          ),
          Math.max(RULE.longMaxWords, 3 * x.goldWords),
        );
      if (x.citesGold || r >= RULE.longPartlyRecall)
        return v(
          "partly",
          x.citesGold
            ? `cites a gold document, covers ${(r * 100).toFixed(0)} % of the gold answer`
            : `covers ${(r * 100).toFixed(0)} % of the gold answer without a gold citation`,
        );
      return v("wrong", `covers ${(r * 100).toFixed(0)} % of the gold answer, no gold document cited`);
    }
    case "label":
    case "none": {
      if (!x.hasGoldDocs && !x.hasEvidence) return undefined;
      if (x.citesGold && x.evidenceHit) return demote(v("useful", "quotes the annotated evidence from a gold document"));
      if (x.citesGold)
        return v(
          "partly",
          x.hasEvidence ? "cites a gold document but not its evidence sentences" : "cites a gold document (its answer label cannot be checked by rule)",
        );
      return v("wrong", "no gold document cited");
    }
  }
}
