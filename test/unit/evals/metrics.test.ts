import { describe, expect, it } from "vitest";
import { answerKind, containsAnswer, exactMatch, normalizeAnswer, tokenF1, tokenRecall } from "../../../evals/metrics/answer";
import { groundingScores } from "../../../evals/metrics/grounding";
import { dedupe, ndcgAtK, recallAtK, reciprocalRank } from "../../../evals/metrics/retrieval";
import { mean, percentile, wilsonInterval } from "../../../evals/metrics/stats";

// Hand-computed cases: the expected numbers are worked out in the comments.

describe("retrieval metrics", () => {
  const ranked = ["a", "b", "c", "d"];

  it("recall@k counts the relevant documents found in the first k", () => {
    // relevant b, d, e: b is in the top 2 → 1/3; b and d in the top 4 → 2/3; none relevant → 0
    expect(recallAtK(ranked, ["b", "d", "e"], 2)).toBeCloseTo(1 / 3, 10);
    expect(recallAtK(ranked, ["b", "d", "e"], 4)).toBeCloseTo(2 / 3, 10);
    expect(recallAtK(ranked, ["z"], 10)).toBe(0);
    expect(recallAtK(ranked, [], 10)).toBe(0);
  });

  it("MRR is 1/rank of the first relevant document, 0 when none", () => {
    expect(reciprocalRank(["x", "y", "b"], ["b"])).toBeCloseTo(1 / 3, 10);
    expect(reciprocalRank(["b", "x"], ["x", "b"])).toBe(1);
    expect(reciprocalRank(["x", "y"], ["b"])).toBe(0);
  });

  it("nDCG@10 with binary gains", () => {
    // ranked a, b, c; relevant b, c: DCG = 1/log2(3) + 1/log2(4) = 0.63093 + 0.5 = 1.13093;
    // ideal = 1/log2(2) + 1/log2(3) = 1.63093; nDCG = 0.69343
    expect(ndcgAtK(["a", "b", "c"], ["b", "c"], 10)).toBeCloseTo(1.1309298 / 1.6309298, 6);
    expect(ndcgAtK(["b"], ["b"], 10)).toBe(1);
    // relevant at rank 11 is outside the cut
    expect(ndcgAtK([..."abcdefghij"], ["k"], 10)).toBe(0);
    // two relevant, one retrieved at rank 1: DCG 1, ideal 1.63093 → 0.61315
    expect(ndcgAtK(["b", "x"], ["b", "c"], 10)).toBeCloseTo(1 / 1.6309298, 6);
  });

  it("a document retrieved through several chunks counts once", () => {
    expect(dedupe(["a", "a", "b", "a", "c"])).toEqual(["a", "b", "c"]);
  });
});

describe("answer metrics", () => {
  it("normalizes like SQuAD: case, punctuation, articles, citation markers", () => {
    expect(normalizeAnswer("The  Cat, sat! [1]")).toBe("cat sat");
  });

  it("exact match against any gold answer", () => {
    expect(exactMatch("The Cat!", ["dog", "cat"])).toBe(1);
    expect(exactMatch("a cat sat", ["cat"])).toBe(0);
  });

  it("token F1", () => {
    // prediction cat sat on mat (4 tokens), gold cat on mat (3): common 3 → P 3/4, R 1, F1 = 6/7
    expect(tokenF1("the cat sat on the mat", ["a cat on a mat"])).toBeCloseTo(6 / 7, 10);
    // best of several gold answers
    expect(tokenF1("cat", ["dog", "cat"])).toBe(1);
    // repeated tokens count at most as often as in the gold: pred "cat cat", gold "cat dog" → P 1/2, R 1/2
    expect(tokenF1("cat cat", ["cat dog"])).toBeCloseTo(0.5, 10);
    expect(tokenF1("", ["cat"])).toBe(0);
  });

  it("token recall and containment for long and short gold answers", () => {
    expect(tokenRecall("seasonality uses averages", ["seasonality uses seasonal averages"])).toBeCloseTo(3 / 4, 10);
    expect(containsAnswer("Capital expenditure was $1577.00 million [2].", ["$1577.00"])).toBe(true);
    expect(containsAnswer("It was 11577 million.", ["1577"])).toBe(false);
  });

  it("classifies gold answers: labels, short, long, none", () => {
    expect(answerKind(["SUPPORT"])).toBe("label");
    expect(answerKind(["yes"])).toBe("label");
    expect(answerKind(["$1577.00"])).toBe("short");
    expect(answerKind(["one two three four five six seven eight nine ten eleven twelve"])).toBe("long");
    expect(answerKind([])).toBe("none");
  });
});

describe("citation precision and faithfulness", () => {
  it("scores each citation and each sentence against the cited text", () => {
    const sources = [
      { n: 1, text: "Cats sleep often in the sun." },
      { n: 2, text: "Birds sing in the morning." },
    ];
    // sentence 1 is supported by [1]; sentence 2 cites [2], which does not hold its terms
    const g = groundingScores("Cats sleep often [1]. Dogs bark loudly [2].", sources);
    expect(g.citationPrecision).toBe(0.5);
    expect(g.faithfulness).toBe(0.5);
  });

  it("a number missing from the cited text makes the sentence unsupported; uncited sentences are unfaithful", () => {
    const g = groundingScores("Revenue was 12 million dollars [1]. Profits grew strongly.", [{ n: 1, text: "Revenue was 13 million dollars." }]);
    expect(g.citationPrecision).toBe(0);
    expect(g.faithfulness).toBe(0);
    expect(g.sentences).toBe(2);
  });

  it("an abstention has no grounding scores", () => {
    const g = groundingScores("The sources do not contain an answer to this question.", []);
    expect(g.faithfulness).toBeUndefined();
    expect(g.citationPrecision).toBeUndefined();
  });
});

describe("statistics", () => {
  it("Wilson interval, 95 %", () => {
    // 7 of 20: p .35, z² 3.8415; centre .35 + z²/40 = .44604; spread z·sqrt(.35·.65/20 + z²/1600) = .23005;
    // denominator 1 + z²/20 = 1.19208 → [.18119, .56716]
    const ci = wilsonInterval(7, 20);
    expect(ci.low).toBeCloseTo(0.18119, 4);
    expect(ci.high).toBeCloseTo(0.56716, 4);
    // 0 of 10: [0, z²/(10 + z²)] = [0, .27753]; 10 of 10 mirrors it
    expect(wilsonInterval(0, 10).low).toBe(0);
    expect(wilsonInterval(0, 10).high).toBeCloseTo(0.27753, 4);
    expect(wilsonInterval(10, 10).low).toBeCloseTo(1 - 0.27753, 4);
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it("nearest-rank percentiles and means over defined values", () => {
    const xs = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 95)).toBe(10);
    expect(percentile([], 50)).toBeUndefined();
    expect(mean([1, undefined, 3])).toBe(2);
    expect(mean([undefined])).toBeUndefined();
  });
});
