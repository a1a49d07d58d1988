import { existsSync, readFileSync } from "node:fs";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import "../shared/observability/metrics"; // first: it decides whether EMF output is on outside Lambda
import { logger } from "../shared/observability/logger";
import type { Context } from "../shared/runtime/context";
import { judgeFrom, type EvalConfig } from "./config";
import { BUCKET_DATASETS_PREFIX, scheduledDatasets } from "./datasets/from-bucket";
import { evaluate, settingsOf } from "./evaluate";
import { BASELINE_PATH, compareToBaseline, type Baseline } from "./gate/compare";
import { writeReportToBucket } from "./report/store";
import type { EvalReport } from "./report/types";
import { PortsPipelineClient } from "./run/ports-client";
import { parseSuite } from "./suite";

// The scheduled evals, run inside the system (the evals-run function): the suite's documents go
// into the bucket under the eval namespace (ACL'd to the eval group, unchanged ones are skipped),
// its questions run as ordinary query jobs, the report is stored in the bucket's reports area and
// the headline metrics go out through powertools metrics (EMF) and the logger.

// Its own metrics instance: query jobs running in the same process record into the shared one.
const evalMetrics = new Metrics({ namespace: "ragline", serviceName: "ragline-evals" });

export interface ScheduledOutcome {
  skipped?: string;
  reportId?: string;
  reportKey?: string;
  /** Against the committed baseline, when the suite is the gate's and the backends are the baseline's. */
  gatePassed?: boolean;
  headline: Record<string, Record<string, number>>;
}

export async function runScheduledEvals(ctx: Context, cfg: EvalConfig): Promise<ScheduledOutcome> {
  if (cfg.RAGLINE_EVAL_SUITE === "off") return { skipped: "RAGLINE_EVAL_SUITE=off", headline: {} };
  const suite = parseSuite(cfg.RAGLINE_EVAL_SUITE);
  const names = [...new Set(suite.parts.map((p) => p.dataset))];
  const { root, have, looked } = await scheduledDatasets(ctx.objects, cfg.RAGLINE_EVAL_DATASETS, names);
  const missing = names.filter((d) => !have.includes(d));
  if (missing.length) {
    const skipped = `datasets ${missing.join(", ")} not found in ${looked} (put them under ${BUCKET_DATASETS_PREFIX}<name>/ in the bucket, or set RAGLINE_EVAL_DATASETS)`;
    logger.warn("scheduled evals skipped", { reason: skipped });
    return { skipped, headline: {} };
  }
  const report = await evaluate({
    client: new PortsPipelineClient(ctx),
    suite,
    kind: "scheduled",
    root,
    judge: judgeFrom(cfg),
    namespace: cfg.RAGLINE_EVAL_NAMESPACE,
    concurrency: cfg.RAGLINE_EVAL_CONCURRENCY,
    settings: settingsOf(ctx.config),
  });
  const baseline = suite.name === "gate" && existsSync(BASELINE_PATH) ? (JSON.parse(readFileSync(BASELINE_PATH, "utf8")) as Baseline) : undefined;
  if (baseline) {
    if (JSON.stringify(baseline.backends) === JSON.stringify(report.backends)) report.gate = compareToBaseline(report, baseline);
    else report.notes.push("The gate baseline was recorded on other backends; not compared.");
  }
  const stored = await writeReportToBucket(ctx.objects, report);
  const headline = headlineMetrics(report);
  emit(headline);
  logger.info("evals run", { reportId: report.id, report: stored.html, gatePassed: report.gate?.passed, seconds: Math.round(report.seconds), headline });
  return { reportId: report.id, reportKey: stored.json, gatePassed: report.gate?.passed, headline };
}

/** Per dataset: the numbers worth a dashboard and an alarm. */
export function headlineMetrics(report: EvalReport): Record<string, Record<string, number>> {
  return Object.fromEntries(
    report.datasets.map((d) => {
      const m = d.summary.metrics;
      const out: Record<string, number> = {
        Questions: d.summary.questions,
        QuestionsNotCompleted: d.summary.notCompleted,
        DocumentsFailed: d.ingest.failed.length,
      };
      if (d.summary.usefulShare) out.UsefulShare = d.summary.usefulShare.value;
      const pick: [string, keyof typeof m][] = [
        ["RecallAt10", "recall@10"],
        ["MRR", "mrr"],
        ["NDCGAt10", "ndcg@10"],
        ["TokenF1", "token_f1"],
        ["AnswerRecall", "answer_recall"],
        ["CitationPrecision", "citation_precision"],
        ["Faithfulness", "faithfulness"],
        ["AbstentionAccuracy", "abstention_correct"],
      ];
      for (const [name, key] of pick) if (m[key]) out[name] = m[key]!.value;
      if (d.summary.latency.end_to_end) {
        out.LatencyP50Ms = d.summary.latency.end_to_end.p50;
        out.LatencyP95Ms = d.summary.latency.end_to_end.p95;
      }
      return [d.name, out];
    }),
  );
}

function emit(headline: Record<string, Record<string, number>>) {
  for (const [dataset, values] of Object.entries(headline)) {
    evalMetrics.addDimension("dataset", dataset);
    for (const [name, value] of Object.entries(values)) {
      const unit = name.endsWith("Ms")
        ? MetricUnit.Milliseconds
        : /^(Questions|QuestionsNotCompleted|DocumentsFailed)$/.test(name)
          ? MetricUnit.Count
          : MetricUnit.NoUnit;
      evalMetrics.addMetric(`Eval${name}`, unit, value);
    }
    evalMetrics.publishStoredMetrics(); // one EMF record per dataset (publishing clears the dimension)
  }
}
