import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BASELINE_PATH, compareToBaseline, type Baseline, type BaselineDataset } from "../../../evals/gate/compare";
import { TOLERANCE, latencyLimitMs, qualityHolds } from "../../../evals/gate/tolerance";
import type { DatasetReport, EvalReport } from "../../../evals/report/types";
import type { QuestionRecord } from "../../../evals/score";

// The gate's stated tolerances, checked on synthetic runs made from the committed baseline
// (evals/baselines/gate.json): its datasets, metrics and values, one number changed at a time.

const committed = JSON.parse(readFileSync(BASELINE_PATH, "utf8")) as Baseline;

interface Change {
  metric?: string;
  factor?: number;
  p50?: number;
}

/** A run that reproduces the baseline, except for the one change asked for. */
function runLike(baseline: Baseline, change: Change & { dataset?: string } = {}): EvalReport {
  const datasets = Object.entries(baseline.datasets).map(([name, b]) => datasetLike(name, b, change.dataset === name ? change : {}));
  return {
    version: 1,
    kind: "gate",
    id: "synthetic",
    suite: "gate",
    startedAt: "",
    finishedAt: "",
    seconds: 1,
    target: "test",
    backends: baseline.backends,
    settings: {},
    verdictMethod: baseline.verdictMethod,
    machine: baseline.machine,
    notes: [],
    datasets,
  };
}

function datasetLike(name: string, b: BaselineDataset, change: Change): DatasetReport {
  const scale = (metric: string, value: number) => (metric === change.metric ? value * change.factor! : value);
  const questions = b.questionIds.map((id) => ({ id, verdict: b.perQuestion[id] }) as QuestionRecord);
  const metrics = Object.fromEntries(Object.entries(b.metrics).map(([k, v]) => [k, { value: scale(k, v.value), n: v.n }]));
  const latency = Object.fromEntries(Object.entries(b.latency).map(([k, v]) => [k, { ...v, n: b.questionIds.length }]));
  if (change.p50 !== undefined) latency.end_to_end = { ...latency.end_to_end!, p50: change.p50 };
  return {
    name,
    scope: "corpus",
    namespace: `evals/${name}/`,
    backends: {},
    selection: { questions: questions.length, documents: b.documents },
    ingest: { documents: b.documents, uploaded: 0, unchanged: b.documents, indexed: b.documents, duplicates: 0, failed: [], seconds: 1 },
    questions,
    summary: {
      questions: questions.length,
      completed: questions.length - b.notCompleted,
      notCompleted: b.notCompleted,
      abstainedShare: 0,
      verdicts: b.verdicts as DatasetReport["summary"]["verdicts"],
      verdictBy: [baselineMethod],
      metrics,
      usefulShare: b.usefulShare && { ...b.usefulShare, value: scale("useful_share", b.usefulShare.value) },
      latency,
    },
  };
}

const baselineMethod = committed.verdictMethod;
const failedChecks = (r: ReturnType<typeof compareToBaseline>) => r.checks.filter((c) => !c.ok).map((c) => `${c.dataset}/${c.metric}`);

const valueOf = (dataset: string, metric: string) => {
  const b = committed.datasets[dataset]!;
  return metric === "useful_share" ? b.usefulShare!.value : b.metrics[metric]!.value;
};
// A metric at 0 in the baseline cannot drop: it is checked, and never fails.
const headline = Object.entries(committed.datasets)
  .flatMap(([dataset, b]) => [...Object.keys(b.metrics), ...(b.usefulShare ? ["useful_share"] : [])].map((metric) => ({ dataset, metric })))
  .filter(({ dataset, metric }) => valueOf(dataset, metric) > 0);

describe("eval gate tolerances (synthetic runs from the committed baseline)", () => {
  it("the baseline's own numbers pass, and every metric of it is gated", () => {
    const r = compareToBaseline(runLike(committed), committed);
    expect(failedChecks(r)).toEqual([]);
    expect(r.passed).toBe(true);
    expect(headline.length).toBeGreaterThanOrEqual(10);
    expect(r.checks.map((c) => `${c.dataset}/${c.metric}`)).toEqual(expect.arrayContaining(headline.map((h) => `${h.dataset}/${h.metric}`)));
  });

  it.each(headline)("$dataset $metric: a 9% drop passes, an 11% drop fails", ({ dataset, metric }) => {
    expect(failedChecks(compareToBaseline(runLike(committed, { dataset, metric, factor: 0.91 }), committed))).toEqual([]);
    const r = compareToBaseline(runLike(committed, { dataset, metric, factor: 0.89 }), committed);
    expect(r.passed).toBe(false);
    expect(failedChecks(r)).toEqual([`${dataset}/${metric}`]);
  });

  it("a drop of exactly 10% fails; a rise never does; a metric at 0 never fails", () => {
    const { dataset, metric } = headline[0]!;
    expect(failedChecks(compareToBaseline(runLike(committed, { dataset, metric, factor: 0.9 }), committed))).toEqual([`${dataset}/${metric}`]);
    expect(compareToBaseline(runLike(committed, { dataset, metric, factor: 1.5 }), committed).passed).toBe(true);
    expect(qualityHolds(0, 0).ok).toBe(true);
  });

  it("the rule is relative: on a small metric a drop far below 5 points already fails", () => {
    // The old absolute tolerance (max(0.05, 1/n)) let a metric near 0.3 fall by a third.
    const small = { dataset: "synthetic", metric: "answer_recall" };
    const baseline: Baseline = {
      ...committed,
      datasets: { synthetic: { ...Object.values(committed.datasets)[0]!, metrics: { answer_recall: { value: 0.336, n: 10 } }, usefulShare: undefined } },
    };
    expect(failedChecks(compareToBaseline(runLike(baseline, { ...small, factor: 0.88 }), baseline))).toEqual(["synthetic/answer_recall"]);
    expect(0.336 * 0.12).toBeLessThan(0.05);
  });

  it.each(Object.keys(committed.datasets))("%s end-to-end p50: up to the stated factor passes, past it fails", (dataset) => {
    const base = committed.datasets[dataset]!.latency.end_to_end!.p50;
    const limit = latencyLimitMs(base);
    expect(limit).toBe(Math.max(base, TOLERANCE.latencyFloorMs) * TOLERANCE.latencyFactor);
    expect(compareToBaseline(runLike(committed, { dataset, p50: limit }), committed).passed).toBe(true);
    expect(failedChecks(compareToBaseline(runLike(committed, { dataset, p50: limit + 1 }), committed))).toEqual([`${dataset}/end_to_end_p50_ms`]);
    // the case: 15x the baseline got through the old 3x + 200 ms rule
    expect(failedChecks(compareToBaseline(runLike(committed, { dataset, p50: base * 15 }), committed))).toEqual([`${dataset}/end_to_end_p50_ms`]);
  });

  it("a slow baseline is held to the factor itself (no floor above 40 ms)", () => {
    expect(latencyLimitMs(100)).toBe(500);
    expect(latencyLimitMs(10)).toBe(200);
  });
});
