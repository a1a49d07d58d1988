import type { Selection } from "./datasets/select";

// A suite: which datasets, how many questions, how many distractor documents. The gate's suite is
// small and fixed; `RAGLINE_EVAL_SUITE` / `--suite` accept the same spec for scheduled or ad-hoc runs.

export interface SuitePart extends Selection {
  dataset: string;
}
export interface Suite {
  name: string;
  parts: SuitePart[];
}

/**
 * The CI gate: 20 SciFact claims over their gold abstracts plus 500 distractor abstracts, and 20
 * ClapNQ questions (10 answerable, 10 unanswerable, as the dataset mixes them) over its whole
 * 597-passage corpus. About 12 s on 2 cores (host start, ingestion of ~620 documents, 40 jobs).
 */
export const GATE_SUITE: Suite = {
  name: "gate",
  parts: [
    { dataset: "scifact", limit: 20, distractors: 500 },
    { dataset: "clapnq", limit: 20 },
  ],
};

/** "gate", or "name[:questions[:distractors]]" comma-separated (e.g. "scifact:50:200,clapnq"). */
export function parseSuite(spec: string): Suite {
  const s = spec.trim();
  if (s === "gate") return GATE_SUITE;
  const parts = s
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p): SuitePart => {
      const [dataset, limit, distractors] = p.split(":");
      const num = (v: string | undefined, what: string) => {
        if (v === undefined || v === "" || v === "all") return undefined;
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new Error(`suite "${spec}": ${what} of ${dataset} must be a whole number`);
        return n;
      };
      return { dataset, limit: num(limit, "questions"), distractors: num(distractors, "distractors") };
    });
  if (!parts.length) throw new Error(`suite "${spec}" names no dataset`);
  return { name: s, parts };
}
