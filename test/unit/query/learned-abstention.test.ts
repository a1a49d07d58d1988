import { describe, expect, it } from "vitest";
import { ABSTENTION_MODEL } from "../../../shared/query/abstention-model";
import { answerFeatures, FEATURE_NAMES } from "../../../shared/query/answer-features";
import { DEFAULT_THRESHOLDS, planAnswer, scoreEvidence, type SourceWithContext } from "../../../shared/query/evidence";
import { fitLogistic, predict } from "../../../shared/query/logistic";

const features = (question: string, sources: SourceWithContext[]) => answerFeatures(question, sources, scoreEvidence(question, sources), 2);
const probability = (question: string, sources: SourceWithContext[]) => {
  const f = features(question, sources);
  return predict(
    ABSTENTION_MODEL,
    ABSTENTION_MODEL.features.map((k) => f[k]),
  );
};
/** A model that always says yes (or no), to test what the plan does with its answer. */
const sure = (yes: boolean) => ({
  model: {
    features: FEATURE_NAMES,
    mean: FEATURE_NAMES.map(() => 0),
    scale: FEATURE_NAMES.map(() => 1),
    weights: FEATURE_NAMES.map(() => 0),
    bias: yes ? 20 : -20,
  },
  threshold: 0.7,
});

describe("logistic regression", () => {
  it("learns which feature separates the classes and predicts from it", () => {
    const xs = Array.from({ length: 40 }, (_, i) => [i % 2, ((i * 7) % 5) / 5]);
    const ys = xs.map((x) => x[0]);
    const m = fitLogistic(xs, ys);
    expect(Math.abs(m.weights[0])).toBeGreaterThan(Math.abs(m.weights[1]) * 5);
    expect(predict(m, [1, 0.4])).toBeGreaterThan(0.8);
    expect(predict(m, [0, 0.4])).toBeLessThan(0.2);
  });
});

describe("answer features", () => {
  const drug = {
    n: 0,
    documentKey: "aspirin.txt",
    text: "Aspirin\nAspirin was first synthesised by Felix Hoffmann at Bayer in 1897. It is used to reduce fever.",
  };
  const other = { n: 1, documentKey: "willow.txt", text: "Willow bark\nWillow bark was used against fever long before aspirin was synthesised by chemists." };

  it("say where the question's words are: one unit, the leading document alone, a rival document, or nowhere", () => {
    const f = features("who synthesised aspirin first", [drug, other]);
    expect(f.wellFormed).toBe(1);
    expect(f.coverage).toBeGreaterThan(0.9); // "synthesised", "first" in one sentence, "aspirin" in it and the title
    expect(f.typeNear).toBe(1); // "Felix Hoffmann" next to "synthesised"
    expect(f.anywhere).toBe(1);
    expect(f.rivalDocument).toBeLessThan(1);
    const g = features("aspirin synthesis patent hindi", [drug, other]);
    expect(g.wellFormed).toBe(0);
    expect(g.anywhere).toBeLessThan(0.5); // "patent", "hindi" are in no source
  });

  it("the shipped model is surer of a question answered in one sentence than of a search phrase the sources do not cover", () => {
    expect(probability("who synthesised aspirin first", [drug, other])).toBeGreaterThan(probability("aspirin synthesis patent hindi", [drug, other]));
  });
});

describe("the learned check in the answer plan", () => {
  // Thresholds decline: of the question's words only "industrial" is in the line (paraphrase: sales / revenue).
  const table: SourceWithContext = {
    n: 0,
    documentKey: "r.pdf",
    sectionPath: ["Segment results"],
    text: "Segment results (in millions)\nIndustrial segment revenue — 2021: 4,512",
  };
  const q = "How much did the company's industrial business earn from sales of turbines and services?";

  it("answers where the thresholds decline only when the model is sure", () => {
    expect(planAnswer(q, [table], { ...DEFAULT_THRESHOLDS, learned: undefined, named: undefined }).units).toEqual([]);
    expect(planAnswer(q, [table], { ...DEFAULT_THRESHOLDS, named: undefined, learned: sure(true) }).units.map((u) => u.text)).toEqual([
      "Industrial segment revenue — 2021: 4,512",
    ]);
    expect(planAnswer(q, [table], { ...DEFAULT_THRESHOLDS, named: undefined, learned: sure(false) }).units).toEqual([]);
  });

  it("never quotes a unit without the kind of answer asked or without a word of the question, however sure", () => {
    const sources = [
      {
        n: 0,
        documentKey: "e3.txt",
        text: "The Expendables 3\nOn June 5, a new TV promo with new footage was released. The film grossed $214 million worldwide.",
      },
    ];
    expect(planAnswer("where was final scene of expendables 3 filmed", sources, { ...DEFAULT_THRESHOLDS, learned: sure(true) }).units).toEqual([]);
  });
});
