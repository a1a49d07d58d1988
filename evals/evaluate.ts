import { cpus } from "node:os";
import { documentsFor, selectQuestions } from "./datasets/select";
import { loadDataset } from "./datasets/loader";
import type { Config } from "../shared/runtime/config";
import type { PipelineClient } from "./run/client";
import { silentProgress, type Progress } from "./run/progress";
import { runDataset } from "./run/runner";
import type { DatasetReport, EvalReport } from "./report/types";
import { scoreRun, summarize } from "./score";
import type { Suite } from "./suite";
import type { Judge } from "./verdict/judge";
import { RULE_ID } from "./verdict/rule";

// One eval run: for each part of the suite, load the dataset, select questions and documents, run
// them through the system, score, summarize; the result is the report.

export interface EvaluateOptions {
  client: PipelineClient;
  suite: Suite;
  kind: EvalReport["kind"];
  /** Datasets root (default: RAGLINE_EVAL_DATASETS or ../shared/datasets). */
  root?: string;
  /** A question file in the same format, used instead of the dataset's own (single-dataset suites). */
  questionsFile?: string;
  /** Key prefix under which eval documents live (default "evals"). */
  namespace?: string;
  judge?: Judge;
  concurrency?: number;
  questionTimeoutMs?: number;
  skipIngest?: boolean;
  settings?: Record<string, string | number>;
  progress?: Progress;
}

export async function evaluate(opts: EvaluateOptions): Promise<EvalReport> {
  const started = new Date();
  const t0 = performance.now();
  const progress = opts.progress ?? silentProgress;
  const datasets: DatasetReport[] = [];
  for (const part of opts.suite.parts) {
    const ds = loadDataset(part.dataset, {
      root: opts.root,
      questionsFile: opts.suite.parts.length === 1 ? opts.questionsFile : undefined,
      allowMissingQuestions: Boolean(opts.questionsFile),
    });
    const questions = selectQuestions(ds, part);
    const documentIds = documentsFor(ds, questions, part.distractors);
    const namespace = `${(opts.namespace ?? "evals").replace(/\/+$/, "")}/${ds.name}/`;
    process.stderr.write(progress === silentProgress ? "" : `${ds.name}: ${questions.length} questions, ${documentIds.length} documents → ${namespace}\n`);
    const run = await runDataset({
      client: opts.client,
      dataset: ds,
      questions,
      documentIds,
      namespace,
      concurrency: opts.concurrency,
      questionTimeoutMs: opts.questionTimeoutMs,
      skipIngest: opts.skipIngest || documentIds.length === 0,
      progress,
    });
    const records = await scoreRun(ds, questions, run, opts.judge);
    datasets.push({
      name: ds.name,
      license: ds.license,
      scope: ds.profile.scope,
      note: ds.profile.note,
      namespace,
      selection: { questions: questions.length, documents: documentIds.length, limit: part.limit, distractors: part.distractors, sample: part.sample },
      backends: run.answers.find((a) => a.status === "completed")?.backends ?? {},
      ingest: run.ingest,
      summary: summarize(records),
      questions: records,
    });
  }
  const backends = datasets.map((d) => d.backends).find((b) => Object.keys(b).length) ?? {};
  const finished = new Date();
  const report: EvalReport = {
    version: 1,
    kind: opts.kind,
    id: `${started.toISOString().replace(/[:.]/g, "-")}-${opts.suite.name.replace(/[^A-Za-z0-9_-]+/g, "_").slice(0, 60)}`,
    suite: opts.suite.name,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    seconds: (performance.now() - t0) / 1000,
    target: opts.client.target,
    backends,
    settings: opts.settings ?? {},
    verdictMethod: opts.judge?.id ?? RULE_ID,
    machine: { cpus: cpus().length, node: process.version, platform: process.platform },
    notes: notesFor(backends, opts.judge),
    datasets,
  };
  return report;
}

export function notesFor(backends: Record<string, string>, judge?: Judge): string[] {
  const notes: string[] = [];
  if (/^local:/.test(backends.embedder ?? "") || /^local:/.test(backends.generator ?? "")) {
    notes.push(
      "Local fallback backends: a lexical hashed n-gram embedder (not neural) and an extractive generator (quotes retrieved sentences; it does not write answers). " +
        "Retrieval numbers reflect lexical matching; answer metrics and useful share are modest by construction. Configure inference hosts for real answer quality.",
    );
  }
  if (!judge)
    notes.push(
      "Verdicts by the deterministic rule (rule-v1, see evals/README.md): strict, blind to paraphrase; set RAGLINE_JUDGE_URL and RAGLINE_JUDGE_MODEL for an LLM judge.",
    );
  return notes;
}

/** The retrieval settings worth recording next to the numbers. */
export function settingsOf(config: Config): Record<string, string | number> {
  return {
    backend: config.RAGLINE_BACKEND,
    topK: config.RAGLINE_TOP_K,
    candidatesPerSource: config.RAGLINE_CANDIDATES_PER_SOURCE,
    chunkWords: config.RAGLINE_CHUNK_WORDS,
    chunkOverlapWords: config.RAGLINE_CHUNK_OVERLAP_WORDS,
    fusion:
      config.RAGLINE_FUSION_BM25_WEIGHT === undefined && config.RAGLINE_FUSION_VECTOR_WEIGHT === undefined
        ? `per index generation (eval set, else measured default), k ${config.RAGLINE_FUSION_K}`
        : `bm25 ${config.RAGLINE_FUSION_BM25_WEIGHT ?? "default"} / vector ${config.RAGLINE_FUSION_VECTOR_WEIGHT ?? "default"}, k ${config.RAGLINE_FUSION_K}`,
    minRelevance: config.RAGLINE_MIN_RELEVANCE,
    contextTokens: config.RAGLINE_CONTEXT_TOKENS,
    groundingMinSupport: config.RAGLINE_GROUNDING_MIN_SUPPORT,
  };
}
