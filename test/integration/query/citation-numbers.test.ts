import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "../../../shared/ingest/parse";
import { citedNumbers } from "../../../shared/query/citations";
import { runQueryJob } from "../../../shared/query/run-job";
import { submitQuery } from "../../../shared/query/submit";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { DATASETS } from "../../helpers/datasets";
import { indexParsed } from "../../helpers/index-directly";
import { tempDir } from "../../helpers/tmp";

// Citations are numbered [1], [2], ... in the order the answer uses them, with the default extractive
// generator on a real filing (Intel's Q1 2023 10-Q, docugami dataset). Tried as a user, "What is Intel's
// revenue for Q1 2023?" was answered citing [2] and [5]: assembly joins neighbouring chunks, and the
// generator, planning on the joined passages, used sources the rerank stage had not moved first.

const QUESTIONS = [
  "What is Intel's revenue for Q1 2023?",
  "What was Intel's net loss in the first quarter of 2023?",
  "How much cash and cash equivalents did Intel have at the end of Q1 2023?",
  "What was DCAI revenue in Q1 2023?",
  "What were Intel's research and development expenses in Q1 2023?",
];

describe("citation numbers follow the answer (embedded default, extractive generator, a real 10-Q)", () => {
  const t = tempDir();
  const ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));

  beforeAll(async () => {
    await ctx.index.switchServingModel(ctx.embedder.model);
    const key = "reports/intc-q1.pdf";
    const doc = await parseDocument({ key, body: readFileSync(join(DATASETS, "docugami_sec10q", "docs", "2023_Q1_INTC.pdf")) });
    await indexParsed(ctx, key, doc, { maxWords: ctx.config.RAGLINE_CHUNK_WORDS, overlapWords: ctx.config.RAGLINE_CHUNK_OVERLAP_WORDS });
  }, 120_000);
  afterAll(async () => {
    await ctx.close();
    t.cleanup();
  });

  it("every answer cites [1], [2], ... in order of first use, and its citations list says the same", async () => {
    let answered = 0;
    for (const question of QUESTIONS) {
      const job = await submitQuery(ctx, { question });
      expect(await runQueryJob(ctx, job.id)).toBe("completed");
      const result = (await ctx.jobs.get(job.id))!.result!;
      if (result.abstained) continue;
      answered++;
      const used = citedNumbers(result.answer);
      expect(used, question).toEqual(used.map((_, i) => i + 1));
      expect(
        result.citations.map((c) => c.n),
        question,
      ).toEqual(used);
    }
    expect(answered).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
