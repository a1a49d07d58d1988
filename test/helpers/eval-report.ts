import { summarize, type QuestionRecord } from "../../evals/score";
import type { EvalReport } from "../../evals/report/types";
import type { Verdict } from "../../evals/verdict/types";

// A small eval report, as a run stores it (evals/report/store.ts), for the tests of the eval routes
// and the console's Evals and Audit pages: three answered questions with automatic verdicts.

export const REPORT_QUESTIONS: { question: string; answer: string; source: string; auto: Verdict }[] = [
  {
    question: "How many days of paid vacation do employees get?",
    answer: "Employees get 25 days of paid vacation per year. [1]",
    source: "Employees get 25 days of paid vacation per year.",
    auto: "useful",
  },
  {
    question: "Where do employees park?",
    answer: "In the north garage. [1]",
    source: "Employees park in the north garage on level three with their badge.",
    auto: "partly",
  },
  { question: "Who approves travel?", answer: "The CEO approves every trip. [1]", source: "Travel is approved by the line manager.", auto: "useful" },
];

export function evalReport(id: string, startedAt = "2026-11-30T10:18:29.981Z"): EvalReport {
  const questions: QuestionRecord[] = REPORT_QUESTIONS.map((q, i) => ({
    id: `q${i + 1}`,
    question: q.question,
    answerable: true,
    answerKind: "short",
    goldAnswers: [q.source],
    relevantDocIds: [`doc${i + 1}`],
    status: "completed",
    jobId: `job-${i + 1}`,
    answer: q.answer,
    abstained: false,
    citations: [{ n: 1, docIds: [`doc${i + 1}`], documentKey: `evals/policies/doc${i + 1}.md`, page: 1, text: q.source }],
    retrievedDocIds: [`doc${i + 1}`],
    citesGold: true,
    evidenceHit: true,
    scores: { "recall@10": 1, mrr: 1, token_f1: 0.5 + i / 10 },
    verdict: q.auto,
    verdictBy: "rule-v1",
    verdictReason: "fixture",
    latency: { endToEndMs: 900 + i, observedMs: 950 + i, stages: { retrieve: 20, generate: 800 } },
  }));
  return {
    version: 1,
    kind: "audit",
    id,
    suite: "audit-3",
    startedAt,
    finishedAt: startedAt,
    seconds: 12.5,
    target: "ports",
    backends: { generator: "extractive" },
    settings: { topK: 8 },
    verdictMethod: "rule-v1",
    machine: { cpus: 2, node: "v20", platform: "linux" },
    notes: [],
    datasets: [
      {
        name: "policies",
        scope: "corpus",
        namespace: "evals/policies/",
        backends: {},
        selection: { questions: 3, documents: 3 },
        ingest: { documents: 3, uploaded: 3, unchanged: 0, indexed: 3, duplicates: 0, failed: [], seconds: 1 },
        summary: summarize(questions),
        questions,
      },
    ],
  };
}
