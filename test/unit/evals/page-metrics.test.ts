import { describe, expect, it } from "vitest";
import type { EvalDataset, EvalQuestion } from "../../../evals/datasets/types";
import type { RawAnswer } from "../../../evals/run/runner";
import { scoreQuestion } from "../../../evals/score";

// financebench names the gold page of each answer: page hit = a retrieved chunk of the gold document
// spans it, cited page = the answer cites it.

const ds = { name: "fb", profile: { scope: "corpus" } } as EvalDataset;
const q: EvalQuestion = {
  id: "q1",
  question: "What is the FY2018 capital expenditure for 3M?",
  original: "",
  answers: ["$1577.00"],
  relevantDocIds: ["3M_2018_10K"],
  answerable: true,
  evidence: [],
  companionDocIds: [],
  evidencePages: [{ docId: "3M_2018_10K", page: 60 }],
};
const keys = new Map([
  ["evals/fb/3M_2018_10K.pdf", ["3M_2018_10K"]],
  ["evals/fb/3M_2022_10K.pdf", ["3M_2022_10K"]],
]);
const answer = (over: Partial<RawAnswer>): RawAnswer => ({
  questionId: "q1",
  status: "completed",
  answer: "Purchases of PP&E — 2018: (1,577) [1]",
  abstained: false,
  citations: [],
  backends: {},
  timings: {},
  retrievedKeys: [],
  observedMs: 1,
  ...over,
});

describe("page metrics", () => {
  it("a retrieved chunk spanning the gold page of the gold document is a page hit; the same page of another filing is not", () => {
    const hit = scoreQuestion(
      ds,
      q,
      answer({
        retrievedPages: [
          { documentKey: "evals/fb/3M_2022_10K.pdf", page: 60 },
          { documentKey: "evals/fb/3M_2018_10K.pdf", page: 59, pageEnd: 61 },
        ],
      }),
      keys,
    );
    expect(hit.record.scores.page_hit).toBe(1);
    const miss = scoreQuestion(
      ds,
      q,
      answer({
        retrievedPages: [
          { documentKey: "evals/fb/3M_2022_10K.pdf", page: 60 },
          { documentKey: "evals/fb/3M_2018_10K.pdf", page: 61 },
        ],
      }),
      keys,
    );
    expect(miss.record.scores.page_hit).toBe(0);
  });

  it("cited page counts the answer's citations only, and is 0 when the job abstained", () => {
    const cite = (page: number) => ({ n: 1, documentKey: "evals/fb/3M_2018_10K.pdf", chunkId: "c", page, text: "" });
    expect(scoreQuestion(ds, q, answer({ citations: [cite(60)] }), keys).record.scores.cited_page).toBe(1);
    expect(scoreQuestion(ds, q, answer({ citations: [cite(58)] }), keys).record.scores.cited_page).toBe(0);
    expect(scoreQuestion(ds, q, answer({ citations: [cite(60)], abstained: true }), keys).record.scores.cited_page).toBe(0);
  });

  it("is not defined for a question without gold pages", () => {
    const s = scoreQuestion(ds, { ...q, evidencePages: [] }, answer({}), keys).record.scores;
    expect(s.page_hit).toBeUndefined();
    expect(s.cited_page).toBeUndefined();
  });
});
