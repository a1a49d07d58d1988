import { describe, expect, it } from "vitest";
import { baselineFrom, compareToBaseline } from "../../../evals/gate/compare";
import type { DatasetReport, EvalReport } from "../../../evals/report/types";
import type { QuestionRecord } from "../../../evals/score";
import { summarize } from "../../../evals/score";
import { parseJudgeReply, judgeMessages } from "../../../evals/verdict/judge";
import { ruleVerdict, type RuleInput } from "../../../evals/verdict/rule";

const base: RuleInput = {
  status: "completed",
  answerable: true,
  abstained: false,
  answer: "Some answer [1].",
  kind: "long",
  citesGold: true,
  evidenceHit: false,
  hasEvidence: true,
  hasGoldDocs: true,
  answerRecall: 0.6,
  faithfulness: 1,
  answerWords: 30,
  goldWords: 20,
};

describe("verdict rule v1", () => {
  it("unanswerable questions: declining is useful, answering is wrong", () => {
    expect(ruleVerdict({ ...base, answerable: false, abstained: true })?.verdict).toBe("useful");
    expect(ruleVerdict({ ...base, answerable: false, abstained: false })?.verdict).toBe("wrong");
  });

  it("failed jobs, empty answers and declining an answerable question are wrong", () => {
    expect(ruleVerdict({ ...base, status: "failed" })?.verdict).toBe("wrong");
    expect(ruleVerdict({ ...base, answer: " " })?.verdict).toBe("wrong");
    expect(ruleVerdict({ ...base, abstained: true })?.verdict).toBe("wrong");
  });

  it("long answers: gold citation plus coverage", () => {
    expect(ruleVerdict(base)?.verdict).toBe("useful");
    expect(ruleVerdict({ ...base, answerRecall: 0.35, evidenceHit: true })?.verdict).toBe("useful");
    expect(ruleVerdict({ ...base, answerRecall: 0.2, evidenceHit: true })?.verdict).toBe("partly");
    expect(ruleVerdict({ ...base, citesGold: false, answerRecall: 0.3 })?.verdict).toBe("partly");
    expect(ruleVerdict({ ...base, citesGold: false, answerRecall: 0.1 })?.verdict).toBe("wrong");
  });

  it("short answers: the gold answer stated, or a high F1", () => {
    const short = { ...base, kind: "short" as const, answerRecall: undefined };
    expect(ruleVerdict({ ...short, containsGold: true, tokenF1: 0.1 })?.verdict).toBe("useful");
    expect(ruleVerdict({ ...short, containsGold: false, tokenF1: 0.85 })?.verdict).toBe("useful");
    expect(ruleVerdict({ ...short, containsGold: false, tokenF1: 0.1 })?.verdict).toBe("partly"); // cites gold
    expect(ruleVerdict({ ...short, containsGold: false, tokenF1: 0.1, citesGold: false })?.verdict).toBe("wrong");
  });

  it("an answer found only inside a long quote is partly: the user has to dig", () => {
    expect(ruleVerdict({ ...base, kind: "short", containsGold: true, answerWords: 81, goldWords: 2 })?.reason).toMatch(/buried in a 81-word answer/);
    expect(ruleVerdict({ ...base, answerWords: 121, goldWords: 20 })?.verdict).toBe("partly");
    expect(ruleVerdict({ ...base, answerWords: 150, goldWords: 60 })?.verdict).toBe("useful"); // 3 × a long gold answer is fine
  });

  it("label answers: the annotated evidence from a gold document is useful, the document alone partly", () => {
    const label = { ...base, kind: "label" as const, answerRecall: undefined };
    expect(ruleVerdict({ ...label, evidenceHit: true })?.verdict).toBe("useful");
    expect(ruleVerdict(label)?.verdict).toBe("partly");
    expect(ruleVerdict({ ...label, citesGold: false })?.verdict).toBe("wrong");
  });

  it("an unfaithful answer is at most partly; nothing to score against gives no verdict", () => {
    const r = ruleVerdict({ ...base, faithfulness: 0.2 });
    expect(r?.verdict).toBe("partly");
    expect(r?.reason).toMatch(/faithfulness/);
    expect(ruleVerdict({ ...base, kind: "none", hasGoldDocs: false, hasEvidence: false })).toBeUndefined();
  });
});

describe("LLM judge messages", () => {
  it("are blind to the system and carry the rubric, the reference and the cited passages", () => {
    const m = judgeMessages({
      question: "Q?",
      references: ["gold"],
      unanswerable: false,
      evidence: ["ev"],
      answer: "A [1].",
      sources: [{ n: 1, text: "passage" }],
    });
    expect(m[0].role).toBe("system");
    expect(m[0].content).toMatch(/useful/);
    expect(m[1].content).toMatch(/gold/);
    expect(m[1].content).toMatch(/\[1\] passage/);
    expect(JSON.stringify(m)).not.toMatch(/extractive|hashed|sqlite/);
  });

  it("replies are parsed leniently, refused when they hold no verdict", () => {
    expect(parseJudgeReply('```json\n{"verdict": "Partly", "reason": "incomplete"}\n```')).toEqual({ verdict: "partly", reason: "incomplete" });
    expect(parseJudgeReply('{"verdict": "great"}')).toBeUndefined();
    expect(parseJudgeReply("useful")).toBeUndefined();
  });
});

function record(id: string, verdict: QuestionRecord["verdict"], recall: number, endToEndMs = 20): QuestionRecord {
  return {
    id,
    question: id,
    answerable: true,
    answerKind: "long",
    goldAnswers: [],
    relevantDocIds: ["d"],
    status: "completed",
    answer: "x",
    abstained: false,
    citations: [],
    retrievedDocIds: [],
    citesGold: true,
    evidenceHit: false,
    scores: { "recall@10": recall },
    verdict,
    verdictBy: "rule-v1",
    latency: { endToEndMs, observedMs: endToEndMs, stages: {} },
  };
}

function reportOf(records: QuestionRecord[], verdictMethod = "rule-v1"): EvalReport {
  const d: DatasetReport = {
    name: "toy",
    scope: "corpus",
    namespace: "evals/toy/",
    backends: {},
    selection: { questions: records.length, documents: 5 },
    ingest: { documents: 5, uploaded: 5, unchanged: 0, indexed: 5, duplicates: 0, failed: [], seconds: 1 },
    summary: summarize(records),
    questions: records,
  };
  return {
    version: 1,
    kind: "gate",
    id: "t",
    suite: "gate",
    startedAt: "",
    finishedAt: "",
    seconds: 1,
    target: "test",
    backends: {},
    settings: {},
    verdictMethod,
    machine: { cpus: 2, node: "v20", platform: "linux" },
    notes: [],
    datasets: [d],
  };
}

describe("the gate", () => {
  // 20 questions: recall@10 mean 0.8, 10 useful
  const good = Array.from({ length: 20 }, (_, i) => record(`q${i}`, i < 10 ? "useful" : "wrong", i < 16 ? 1 : 0));
  const baseline = baselineFrom(reportOf(good));

  it("passes the run it was recorded from", () => {
    const r = compareToBaseline(reportOf(good), baseline);
    expect(r.passed).toBe(true);
    expect(r.checks.map((c) => c.metric)).toEqual(expect.arrayContaining(["recall@10", "useful_share", "not_completed", "end_to_end_p50_ms"]));
  });

  it("fails a drop of 10% of a metric's value, not less (gate-tolerance.test.ts checks each metric)", () => {
    const oneWorse = good.map((q, i) => (i === 0 ? record(q.id, "useful", 0) : q)); // recall 0.8 -> 0.75: -6.25%
    expect(compareToBaseline(reportOf(oneWorse), baseline).passed).toBe(true);
    const twoWorse = good.map((q, i) => (i < 2 ? record(q.id, i === 0 ? "partly" : "useful", 0) : q)); // recall -12.5%, useful 0.5 -> 0.45: -10%
    const r = compareToBaseline(reportOf(twoWorse), baseline);
    expect(r.passed).toBe(false);
    expect(
      r.checks
        .filter((c) => !c.ok)
        .map((c) => c.metric)
        .sort(),
    ).toEqual(["recall@10", "useful_share"]);
    expect(r.changedVerdicts).toHaveLength(1);
  });

  it("fails on an order-of-magnitude latency regression, not on noise", () => {
    expect(compareToBaseline(reportOf(good.map((q) => record(q.id, q.verdict, q.scores["recall@10"]!, 60))), baseline).passed).toBe(true);
    expect(compareToBaseline(reportOf(good.map((q) => record(q.id, q.verdict, q.scores["recall@10"]!, 400))), baseline).passed).toBe(false);
  });

  it("refuses to compare different questions, and skips the useful share across verdict methods", () => {
    const other = good.map((q, i) => (i === 0 ? record("other", q.verdict, 1) : q));
    expect(compareToBaseline(reportOf(other), baseline).passed).toBe(false);
    const judged = compareToBaseline(reportOf(good, "judge:m"), baseline);
    expect(judged.passed).toBe(true);
    expect(judged.problems.join()).toMatch(/not compared/);
  });
});
