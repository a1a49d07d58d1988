import type { EvalDataset, EvalQuestion } from "./datasets/types";
import { answerKind, containsAnswer, exactMatch, tokenF1, tokenOverlap, tokenRecall, answerTokens, type AnswerKind } from "./metrics/answer";
import { groundingScores } from "./metrics/grounding";
import { dedupe, ndcgAtK, recallAtK, reciprocalRank } from "./metrics/retrieval";
import { countDefined, mean, percentile, wilsonInterval } from "./metrics/stats";
import type { RawAnswer, RunOutput } from "./run/runner";
import type { Judge } from "./verdict/judge";
import { ruleVerdict } from "./verdict/rule";
import type { Verdict, VerdictResult } from "./verdict/types";
import { mapPool } from "./run/pool";

// Per-question scores and the dataset summary. Every metric is defined only where it means something
// (retrieval needs gold documents and corpus scope; exact match needs a short gold answer; abstention
// accuracy needs unanswerable questions) and each aggregate says over how many questions it ran.

export interface QuestionScores {
  "recall@5"?: number;
  "recall@10"?: number;
  mrr?: number;
  "ndcg@10"?: number;
  exact_match?: number;
  token_f1?: number;
  /** Long answers: share of the gold answer's words the answer contains. */
  answer_recall?: number;
  citation_precision?: number;
  faithfulness?: number;
  /** 1 when the job abstained exactly when it should have. */
  abstention_correct?: number;
  /** 1 when a retrieved chunk of the gold document spans a gold page (datasets that name pages). */
  page_hit?: number;
  /** 1 when the answer cites a gold page of the gold document. */
  cited_page?: number;
}

export interface QuestionRecord {
  id: string;
  question: string;
  answerable: boolean;
  answerKind: AnswerKind;
  goldAnswers: string[];
  relevantDocIds: string[];
  status: RawAnswer["status"];
  error?: string;
  jobId?: string;
  answer: string;
  abstained: boolean;
  citations: { n: number; docIds: string[]; documentKey: string; page?: number; text: string }[];
  /** Retrieved document ids in rank order (first 10). */
  retrievedDocIds: string[];
  citesGold: boolean;
  evidenceHit: boolean;
  scores: QuestionScores;
  verdict?: Verdict;
  verdictBy?: string;
  verdictReason?: string;
  latency: { endToEndMs?: number; queueMs?: number; observedMs: number; stages: Record<string, number> };
}

export const METRIC_NAMES = [
  "recall@5",
  "recall@10",
  "mrr",
  "ndcg@10",
  "exact_match",
  "token_f1",
  "answer_recall",
  "citation_precision",
  "faithfulness",
  "abstention_correct",
  "page_hit",
  "cited_page",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface DatasetSummary {
  questions: number;
  completed: number;
  notCompleted: number;
  abstainedShare: number;
  verdicts: Record<Verdict | "unscored", number>;
  verdictBy: string[];
  /** useful / scored, with a 95 % Wilson interval. */
  usefulShare?: { value: number; low: number; high: number; n: number };
  metrics: Partial<Record<MetricName, { value: number; n: number }>>;
  /** Per stage plus "queue", "end_to_end" and "observed": p50 / p95 in ms. */
  latency: Record<string, { p50: number; p95: number; n: number }>;
}

/** An answer sentence quoting an evidence passage: most of its words are in the passage. */
export function quotesEvidence(answer: string, evidence: readonly string[]): boolean {
  if (!evidence.length) return false;
  const sentences = answer
    .split(/(?<=[.!?])\s+|\[\d+\]/)
    .map((s) => s.trim())
    .filter((s) => answerTokens(s).length >= 5);
  return sentences.some((s) => evidence.some((e) => tokenOverlap(s, e).precision >= 0.8));
}

export async function scoreRun(ds: EvalDataset, questions: readonly EvalQuestion[], run: RunOutput, judge?: Judge, concurrency = 4): Promise<QuestionRecord[]> {
  const byId = new Map(run.answers.map((a) => [a.questionId, a]));
  return mapPool(questions, judge ? concurrency : 1, async (q) => {
    const { record, rule } = scoreQuestion(ds, q, byId.get(q.id)!, run.keyToIds);
    let verdict = rule;
    if (judge && record.status === "completed") {
      verdict = await judge
        .judge({
          question: q.question,
          references: q.answers,
          unanswerable: !q.answerable,
          evidence: q.evidence,
          answer: record.answer,
          sources: record.citations.map((c) => ({ n: c.n, text: c.text })),
        })
        .catch((err: Error) => rule && { ...rule, reason: `${rule.reason} (judge failed: ${err.message})` });
    }
    return { ...record, verdict: verdict?.verdict, verdictBy: verdict?.by, verdictReason: verdict?.reason };
  });
}

/** Scores one answer; `rule` is the deterministic verdict (undefined when there is nothing to score against). */
export function scoreQuestion(
  ds: EvalDataset,
  q: EvalQuestion,
  a: RawAnswer,
  keyToIds: Map<string, string[]>,
): { record: QuestionRecord; rule?: VerdictResult } {
  const idsOf = (key: string) => keyToIds.get(key) ?? [key];
  const ranked = dedupe(a.retrievedKeys.flatMap(idsOf));
  const gold = new Set(q.relevantDocIds);
  const kind = answerKind(q.answers);
  const citations = a.citations.map((c) => ({ n: c.n, docIds: idsOf(c.documentKey), documentKey: c.documentKey, page: c.page, text: c.text }));
  const citesGold = citations.some((c) => c.docIds.some((id) => gold.has(id)));
  const completed = a.status === "completed";
  const answered = completed && !a.abstained && a.answer.trim().length > 0;
  const evidenceHit = answered && quotesEvidence(a.answer, q.evidence);
  const scores: QuestionScores = {};

  if (completed && q.answerable && gold.size && ds.profile.scope === "corpus") {
    scores["recall@5"] = recallAtK(ranked, q.relevantDocIds, 5);
    scores["recall@10"] = recallAtK(ranked, q.relevantDocIds, 10);
    scores.mrr = reciprocalRank(ranked, q.relevantDocIds);
    scores["ndcg@10"] = ndcgAtK(ranked, q.relevantDocIds, 10);
  }
  if (completed && q.answerable && kind === "short") {
    scores.exact_match = answered ? exactMatch(stripCitations(a.answer), q.answers) : 0;
    scores.token_f1 = answered ? tokenF1(a.answer, q.answers) : 0;
  }
  if (completed && q.answerable && kind === "long") scores.answer_recall = answered ? tokenRecall(a.answer, q.answers) : 0;
  if (answered) {
    const g = groundingScores(a.answer, a.citations);
    scores.citation_precision = g.citationPrecision;
    scores.faithfulness = g.faithfulness;
  }
  if (completed) scores.abstention_correct = a.abstained === !q.answerable ? 1 : 0;
  if (completed && q.answerable && q.evidencePages.length) {
    const onGoldPage = (key: string, page?: number, pageEnd?: number) =>
      page !== undefined && q.evidencePages.some((g) => idsOf(key).includes(g.docId) && g.page >= page && g.page <= (pageEnd ?? page));
    scores.page_hit = (a.retrievedPages ?? []).some((c) => onGoldPage(c.documentKey, c.page, c.pageEnd)) ? 1 : 0;
    scores.cited_page = answered && a.citations.some((c) => onGoldPage(c.documentKey, c.page)) ? 1 : 0;
  }

  const record: QuestionRecord = {
    id: q.id,
    question: q.question,
    answerable: q.answerable,
    answerKind: kind,
    goldAnswers: q.answers,
    relevantDocIds: q.relevantDocIds,
    status: a.status,
    error: a.error,
    jobId: a.jobId,
    answer: a.answer,
    abstained: a.abstained,
    citations,
    retrievedDocIds: ranked.slice(0, 10),
    citesGold,
    evidenceHit,
    scores,
    latency: { endToEndMs: a.endToEndMs, queueMs: a.queueMs, observedMs: a.observedMs, stages: a.timings },
  };
  const rule = ruleVerdict({
    status: a.status,
    answerable: q.answerable,
    abstained: a.abstained,
    answer: a.answer,
    kind,
    citesGold,
    evidenceHit,
    hasEvidence: q.evidence.length > 0,
    hasGoldDocs: gold.size > 0,
    tokenF1: scores.token_f1,
    containsGold: kind === "short" && answered ? containsAnswer(a.answer, q.answers) : undefined,
    answerRecall: scores.answer_recall,
    faithfulness: scores.faithfulness,
    answerWords: answerTokens(stripCitations(a.answer)).length,
    goldWords: Math.min(...q.answers.map((g) => answerTokens(g).length), Infinity),
  });
  if (rule) Object.assign(record, { verdict: rule.verdict, verdictBy: rule.by, verdictReason: rule.reason });
  return { record, rule };
}

const stripCitations = (s: string) => s.replace(/\s*\[\d+\]/g, "");

export function summarize(records: readonly QuestionRecord[]): DatasetSummary {
  const completed = records.filter((r) => r.status === "completed");
  const verdicts = { useful: 0, partly: 0, wrong: 0, unscored: 0 };
  for (const r of records) verdicts[r.verdict ?? "unscored"]++;
  const scored = verdicts.useful + verdicts.partly + verdicts.wrong;
  const metrics: DatasetSummary["metrics"] = {};
  const hasUnanswerable = records.some((r) => !r.answerable);
  for (const name of METRIC_NAMES) {
    if (name === "abstention_correct" && !hasUnanswerable) continue; // nothing to decline: not reported
    const values = records.map((r) => r.scores[name]);
    const value = mean(values);
    if (value !== undefined) metrics[name] = { value, n: countDefined(values) };
  }
  const latency: DatasetSummary["latency"] = {};
  const put = (name: string, values: (number | undefined)[]) => {
    const xs = values.filter((v): v is number => typeof v === "number");
    if (xs.length) latency[name] = { p50: percentile(xs, 50)!, p95: percentile(xs, 95)!, n: xs.length };
  };
  const stages = [...new Set(completed.flatMap((r) => Object.keys(r.latency.stages)))];
  put(
    "queue",
    completed.map((r) => r.latency.queueMs),
  );
  for (const s of stages)
    put(
      s,
      completed.map((r) => r.latency.stages[s]),
    );
  put(
    "end_to_end",
    completed.map((r) => r.latency.endToEndMs),
  );
  put(
    "observed",
    completed.map((r) => r.latency.observedMs),
  );
  const ci = wilsonInterval(verdicts.useful, scored);
  return {
    questions: records.length,
    completed: completed.length,
    notCompleted: records.length - completed.length,
    abstainedShare: completed.length ? completed.filter((r) => r.abstained).length / completed.length : 0,
    verdicts,
    verdictBy: [...new Set(records.map((r) => r.verdictBy).filter((b): b is string => !!b))],
    usefulShare: scored ? { value: verdicts.useful / scored, low: ci.low, high: ci.high, n: scored } : undefined,
    metrics,
    latency,
  };
}
