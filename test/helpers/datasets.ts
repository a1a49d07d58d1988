import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

// The team's datasets live beside the repo (../shared/datasets); they are read, never copied in.
export const DATASETS = join(import.meta.dirname, "..", "..", "..", "shared", "datasets");
export const hasDatasets = existsSync(join(DATASETS, "scifact", "corpus.jsonl"));

/** Corpus rows by id from a dataset's corpus.jsonl. */
export function corpusRows(dataset: string, ids: string[]): { id: string; title: string; text: string }[] {
  const want = new Set(ids);
  return readFileSync(join(DATASETS, dataset, "corpus.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => want.has(r.id));
}
