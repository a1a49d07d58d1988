import { join } from "node:path";
import type { EvalReport, GateCheck, GateResult } from "../report/types";
import { latencyHolds, qualityHolds } from "./tolerance";

// The gate: a run of the gate suite against the committed baseline (evals/baselines/gate.json).
// Tolerances (evals/gate/tolerance.ts states and explains them):
//   - every quality metric (0..1) and the useful share: a drop of 10% of its baseline value or more fails;
//   - no more questions may fail to complete, and no more documents may fail to ingest;
//   - end-to-end latency p50 may grow to at most 5 x baseline (a baseline under 40 ms counts as 40 ms).
// A baseline recorded with a different verdict method (rule vs judge) skips the useful share.

/** The committed baseline of the gate suite. */
export const BASELINE_PATH = join(import.meta.dirname, "..", "baselines", "gate.json");

export { TOLERANCE } from "./tolerance";

export interface BaselineDataset {
  questionIds: string[];
  documents: number;
  metrics: Record<string, { value: number; n: number }>;
  usefulShare?: { value: number; low: number; high: number; n: number };
  verdicts: Record<string, number>;
  notCompleted: number;
  ingestFailed: number;
  latency: Record<string, { p50: number; p95: number }>;
  /** Each question's verdict, to show which ones changed. */
  perQuestion: Record<string, string | undefined>;
}

export interface Baseline {
  version: 1;
  suite: string;
  recordedAt: string;
  commit?: string;
  machine: EvalReport["machine"];
  backends: Record<string, string>;
  settings: Record<string, string | number>;
  verdictMethod: string;
  seconds: number;
  datasets: Record<string, BaselineDataset>;
}

export type { GateCheck, GateResult } from "../report/types";

export function baselineFrom(report: EvalReport, commit?: string): Baseline {
  return {
    version: 1,
    suite: report.suite ?? "gate",
    recordedAt: report.finishedAt,
    commit,
    machine: report.machine,
    backends: report.backends,
    settings: report.settings,
    verdictMethod: report.verdictMethod,
    seconds: Math.round(report.seconds * 10) / 10,
    datasets: Object.fromEntries(
      report.datasets.map((d) => [
        d.name,
        {
          questionIds: d.questions.map((q) => q.id),
          documents: d.selection.documents,
          metrics: Object.fromEntries(Object.entries(d.summary.metrics).map(([k, v]) => [k, { value: round(v!.value), n: v!.n }])),
          usefulShare: d.summary.usefulShare && {
            value: round(d.summary.usefulShare.value),
            low: round(d.summary.usefulShare.low),
            high: round(d.summary.usefulShare.high),
            n: d.summary.usefulShare.n,
          },
          verdicts: d.summary.verdicts,
          notCompleted: d.summary.notCompleted,
          ingestFailed: d.ingest.failed.length,
          latency: Object.fromEntries(Object.entries(d.summary.latency).map(([k, v]) => [k, { p50: Math.round(v.p50), p95: Math.round(v.p95) }])),
          perQuestion: Object.fromEntries(d.questions.map((q) => [q.id, q.verdict])),
        },
      ]),
    ),
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

export function compareToBaseline(report: EvalReport, baseline: Baseline): GateResult {
  const checks: GateCheck[] = [];
  const problems: string[] = [];
  const changedVerdicts: GateResult["changedVerdicts"] = [];
  for (const [name, base] of Object.entries(baseline.datasets)) {
    const cur = report.datasets.find((d) => d.name === name);
    if (!cur) {
      problems.push(`${name}: in the baseline but not in this run`);
      continue;
    }
    const ids = cur.questions.map((q) => q.id);
    if (ids.join("\n") !== base.questionIds.join("\n")) {
      problems.push(`${name}: the questions differ from the baseline's (dataset or suite changed); re-record with --update`);
      continue;
    }
    const quality = (metric: string, b: { value: number; n: number }, c: { value: number; n: number } | undefined) => {
      const current = c?.value ?? 0;
      checks.push({ dataset: name, metric, baseline: b.value, current, ...qualityHolds(b.value, current) });
    };
    for (const [metric, b] of Object.entries(base.metrics)) quality(metric, b, cur.summary.metrics[metric as keyof typeof cur.summary.metrics]);
    if (base.usefulShare) {
      if (baseline.verdictMethod === report.verdictMethod) quality("useful_share", base.usefulShare, cur.summary.usefulShare);
      else problems.push(`${name}: useful share not compared (baseline verdicts by ${baseline.verdictMethod}, this run by ${report.verdictMethod})`);
    }
    checks.push({
      dataset: name,
      metric: "not_completed",
      baseline: base.notCompleted,
      current: cur.summary.notCompleted,
      allowed: "+0",
      ok: cur.summary.notCompleted <= base.notCompleted,
    });
    checks.push({
      dataset: name,
      metric: "ingest_failed",
      baseline: base.ingestFailed,
      current: cur.ingest.failed.length,
      allowed: "+0",
      ok: cur.ingest.failed.length <= base.ingestFailed,
    });
    const bl = base.latency.end_to_end;
    const cl = cur.summary.latency.end_to_end;
    if (bl && cl) {
      checks.push({ dataset: name, metric: "end_to_end_p50_ms", baseline: bl.p50, current: Math.round(cl.p50), ...latencyHolds(bl.p50, cl.p50) });
    }
    for (const q of cur.questions)
      if (base.perQuestion[q.id] !== q.verdict) changedVerdicts.push({ dataset: name, id: q.id, from: base.perQuestion[q.id], to: q.verdict });
  }
  const blocking = problems.filter((p) => !p.includes("not compared"));
  return { passed: !blocking.length && checks.every((c) => c.ok), checks, problems, changedVerdicts };
}

export function formatGate(result: GateResult): string {
  const lines = [`gate: ${result.passed ? "PASSED" : "FAILED"}`];
  lines.push(`  ${"dataset".padEnd(10)} ${"metric".padEnd(20)} ${"baseline".padStart(9)} ${"current".padStart(9)} ${"allowed".padStart(9)}`);
  for (const c of result.checks) {
    lines.push(
      `  ${c.dataset.padEnd(10)} ${c.metric.padEnd(20)} ${fmt(c.baseline).padStart(9)} ${fmt(c.current).padStart(9)} ${c.allowed.padStart(9)}  ${c.ok ? "ok" : "FAIL"}`,
    );
  }
  for (const p of result.problems) lines.push(`  ! ${p}`);
  if (result.changedVerdicts.length) {
    lines.push(
      `  verdicts changed on ${result.changedVerdicts.length} question(s): ${result.changedVerdicts
        .slice(0, 12)
        .map((v) => `${v.dataset}/${v.id} ${v.from ?? "-"}→${v.to ?? "-"}`)
        .join(", ")}${result.changedVerdicts.length > 12 ? ", …" : ""}`,
    );
  }
  return lines.join("\n");
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(3));
