import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const DATASETS_DIR = join(import.meta.dirname, "..", "..", "shared", "datasets");

export function tempDataDir() {
  const dir = mkdtempSync(join(tmpdir(), "ragline-bench-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** `--name value` flags of a bench script (its own parser: the CLI's is shaped for its commands). */
export function benchFlags(argv = process.argv.slice(2)): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) if (argv[i].startsWith("--")) out[argv[i].slice(2)] = argv[i + 1]?.startsWith("--") === false ? argv[++i] : "true";
  return out;
}

export interface ScifactAbstract {
  id: string;
  title: string;
  text: string;
}
export interface ScifactQuestion {
  question: string;
  relevant_doc_ids: string[];
}
/** scifact's abstracts and questions from the team's datasets folder. */
export function scifact(): { corpus: ScifactAbstract[]; questions: ScifactQuestion[] } {
  const jsonl = <T>(file: string) =>
    readFileSync(join(DATASETS_DIR, "scifact", file), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as T);
  return { corpus: jsonl<ScifactAbstract>("corpus.jsonl"), questions: jsonl<ScifactQuestion>("questions.jsonl") };
}

/** One read of every float in JavaScript, two sums so the adds overlap: the floor a scan of the vectors is compared with. */
export function readEveryFloat(data: Float32Array): number {
  let a = 0;
  let b = 0;
  for (let i = 0; i < data.length; i += 2) {
    a += data[i];
    b += data[i + 1] ?? 0;
  }
  return a + b;
}
