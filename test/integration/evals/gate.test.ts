import { describe, expect, it } from "vitest";
import { runGate } from "../../../evals/gate/run-gate";
import { hasDatasets } from "../../helpers/datasets";

// The gate on the real datasets (../shared/datasets; skipped when absent): the committed baseline is
// reproduced, and a deliberately worse retrieval setting (BM25 switched off in the hybrid fusion,
// leaving only the lexical hashed-vector side) fails it.

describe.skipIf(!hasDatasets)("eval gate", () => {
  it("passes on the current system against evals/baselines/gate.json", async () => {
    const outcome = await runGate();
    if ("skipped" in outcome) throw new Error(outcome.skipped);
    expect(outcome.result!.checks.filter((c) => !c.ok)).toEqual([]);
    expect(outcome.result!.passed).toBe(true);
  }, 90_000);

  it("fails when retrieval is made worse", async () => {
    const outcome = await runGate({ env: { RAGLINE_FUSION_BM25_WEIGHT: "0" } });
    if ("skipped" in outcome) throw new Error(outcome.skipped);
    expect(outcome.result!.passed).toBe(false);
    const failed = outcome.result!.checks.filter((c) => !c.ok).map((c) => `${c.dataset}/${c.metric}`);
    expect(failed).toEqual(expect.arrayContaining(["scifact/mrr", "scifact/ndcg@10"]));
  }, 90_000);
});
