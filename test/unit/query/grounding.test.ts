import { describe, expect, it } from "vitest";
import { citationsFor, citedNumbers } from "../../../shared/query/citations";
import { answerSentences, groundAnswer } from "../../../shared/query/grounding";
import { NO_ANSWER } from "../../../shared/text/no-answer";

const sources = [
  { n: 1, documentKey: "hr/leave.md", text: "Parental leave lasts sixteen weeks at full pay. Apply through the HR portal." },
  { n: 2, documentKey: "hr/salaries.md", text: "Salary reviews happen every April for 2026." },
];

describe("grounding: every answer sentence against the sources it cites", () => {
  it("accepts sentences their cited sources support, including several citation forms", () => {
    const g = groundAnswer("Parental leave lasts sixteen weeks [1]. Salary reviews happen in April [2]. Apply through the HR portal [1, 2].", sources, 0.6);
    expect(g.unsupported).toEqual([]);
    expect(g.sentences.map((s) => s.cites)).toEqual([[1], [2], [1, 2]]);
  });

  it("flags a sentence without a citation, one citing a missing source, and one its source does not support", () => {
    const g = groundAnswer(
      "Employees get a company car. Leave lasts sixteen weeks [7]. Parental leave includes free housing and a pension bonus [1].",
      sources,
      0.6,
    );
    expect(g.sentences.map((s) => s.reason)).toEqual(["no citation", "cites a missing source", "not in cited sources"]);
    expect(g.unsupported).toHaveLength(3);
  });

  it("flags a number the cited source does not state", () => {
    const g = groundAnswer("Parental leave lasts 26 weeks at full pay [1].", sources, 0.6);
    expect(g.sentences[0]).toMatchObject({ supported: false, reason: "number not in cited sources" });
    expect(groundAnswer("Salary reviews happen every April for 2026 [2].", sources, 0.6).unsupported).toEqual([]);
  });

  it("checks a sentence against its own source, not another one", () => {
    expect(groundAnswer("Salary reviews happen every April [1].", sources, 0.6).unsupported).toHaveLength(1);
  });

  it("keeps a citation written after the full stop with its sentence, and accepts the abstention", () => {
    expect(answerSentences("Leave lasts sixteen weeks. [1] Reviews are in April. [2]")).toEqual([
      "Leave lasts sixteen weeks. [1]",
      "Reviews are in April. [2]",
    ]);
    expect(groundAnswer("Parental leave lasts sixteen weeks. [1] Salary reviews happen every April. [2]", sources, 0.6).unsupported).toEqual([]);
    expect(groundAnswer(NO_ANSWER, sources, 0.6).unsupported).toEqual([]);
  });
});

describe("citations", () => {
  it("reads [n], [n][m], [n, m] and [n-m], and lists used sources in order of first use", () => {
    expect(citedNumbers("a [2] b [1][3] c [4, 5] d [6-8] e [2]")).toEqual([2, 1, 3, 4, 5, 6, 7, 8]);
    const assembled = sources.map((s) => ({ ...s, chunkId: `${s.documentKey}#0`, chunkIds: [`${s.documentKey}#0`], score: 1 }));
    expect(citationsFor("x [2]. y [1]. z [9].", assembled).map((c) => c.documentKey)).toEqual(["hr/salaries.md", "hr/leave.md"]);
  });
});
