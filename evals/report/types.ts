import type { QuestionRecord, DatasetSummary } from "../score";
import type { IngestOutcome } from "../run/runner";

// The report of one eval run: what was run against what, and every question's outcome. Written as
// JSON (for machines and the gate) and as a self-contained HTML page (for people).

export interface DatasetReport {
  name: string;
  license?: string;
  scope: "corpus" | "document";
  note?: string;
  namespace: string;
  /** Which backend/model produced each stage, as the jobs reported it. */
  backends: Record<string, string>;
  selection: { questions: number; documents: number; limit?: number; distractors?: number; sample?: { n: number; seed: number } };
  ingest: IngestOutcome;
  summary: DatasetSummary;
  questions: QuestionRecord[];
}

export interface EvalReport {
  version: 1;
  kind: "run" | "gate" | "audit" | "scheduled";
  id: string;
  suite?: string;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  /** Where the questions went: a host URL, or "ports" from inside the system. */
  target: string;
  /** Which backend/model produced each stage (from the jobs' results). */
  backends: Record<string, string>;
  /** Retrieval settings in force, when known. */
  settings: Record<string, string | number>;
  /** How verdicts were given: "rule-v1" or "judge:<model>". */
  verdictMethod: string;
  machine: { cpus: number; node: string; platform: string };
  notes: string[];
  datasets: DatasetReport[];
  gate?: GateResult;
}

/** One metric of the gate: the baseline, the current value and the drop allowed. */
export interface GateCheck {
  dataset: string;
  metric: string;
  baseline: number;
  current: number;
  allowed: string;
  ok: boolean;
}
/** The gate's verdict on a report (evals/gate/compare.ts makes it). */
export interface GateResult {
  passed: boolean;
  checks: GateCheck[];
  problems: string[];
  changedVerdicts: { dataset: string; id: string; from?: string; to?: string }[];
}
