import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ScheduledEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEvalConfig } from "../../../evals/config";
import { BUCKET_DATASETS_PREFIX, datasetsFromBucket, datasetToBucket } from "../../../evals/datasets/from-bucket";
import { startLocalHost } from "../../../evals/run/local-host";
import { runScheduledEvals } from "../../../evals/scheduled";
import { lambdaContext } from "../../../host/lambda-context";
import { scheduledEvent } from "../../../host/schedule";
import { tempDir } from "../../helpers/tmp";
import { writeToyDataset } from "./toy-dataset";

// The scheduled evals where no datasets folder lies beside the code (Lambda): the question set is
// read from the bucket's `.evals/datasets/<name>/`, copied to a local folder, and a change in the
// bucket is what the next run asks.

describe("evals-run reads its question sets from the bucket", () => {
  const t = tempDir("ragline-evals-bucket-");
  let host: Awaited<ReturnType<typeof startLocalHost>>;
  const saved: Record<string, string | undefined> = {};
  const env = { RAGLINE_EVAL_SUITE: "toy", RAGLINE_EVAL_DATASETS: "bucket" };

  beforeAll(async () => {
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    host = await startLocalHost();
    writeToyDataset(join(t.dir, "source"));
    expect(await datasetToBucket(host.ctx.objects, join(t.dir, "source", "toy"), "toy")).toBe(3);
  }, 60_000);
  afterAll(async () => {
    await host?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    t.cleanup();
  });

  it("the scheduled function runs the bucket's questions; an edited question file is what the next run asks", async () => {
    const { handler } = await import("../../../functions/schedule/evals-run");
    const first = await handler(scheduledEvent("evals-run") as ScheduledEvent, lambdaContext("evals-run", 900));
    expect(first.skipped).toBeUndefined();
    expect(first.headline.toy).toMatchObject({ Questions: 6, QuestionsNotCompleted: 0, DocumentsFailed: 0 });

    // Two questions fewer, in the bucket only.
    const questions =
      readFileSync(join(t.dir, "source", "toy", "questions.jsonl"), "utf8")
        .trim()
        .split("\n")
        .slice(0, 4)
        .join("\n") + "\n";
    await host.ctx.objects.put(`${BUCKET_DATASETS_PREFIX}toy/questions.jsonl`, Buffer.from(questions));
    const second = await runScheduledEvals(host.ctx, loadEvalConfig());
    expect(second.headline.toy).toMatchObject({ Questions: 4, QuestionsNotCompleted: 0 });
  }, 120_000);

  it("copies only what changed, drops what the bucket no longer holds, and never writes outside the copy", async () => {
    const copy = join(t.dir, "copy");
    expect(await datasetsFromBucket(host.ctx.objects, ["toy", "absent", "../escape"], copy)).toEqual(["toy"]);
    writeFileSync(join(copy, "toy", "corpus.jsonl"), "kept: unchanged in the bucket, so not fetched again\n");
    await host.ctx.objects.put(`${BUCKET_DATASETS_PREFIX}toy/extra.txt`, Buffer.from("new"));
    await datasetsFromBucket(host.ctx.objects, ["toy"], copy);
    expect(readFileSync(join(copy, "toy", "corpus.jsonl"), "utf8")).toMatch(/^kept/);
    expect(readFileSync(join(copy, "toy", "extra.txt"), "utf8")).toBe("new");
    await host.ctx.objects.delete(`${BUCKET_DATASETS_PREFIX}toy/extra.txt`);
    await datasetsFromBucket(host.ctx.objects, ["toy"], copy);
    expect(() => readFileSync(join(copy, "toy", "extra.txt"))).toThrow(/ENOENT/);
  });

  it("says where it looked when the bucket lacks the set", async () => {
    const outcome = await runScheduledEvals(host.ctx, loadEvalConfig({ RAGLINE_EVAL_SUITE: "scifact", RAGLINE_EVAL_DATASETS: "bucket" }));
    expect(outcome.skipped).toBe(
      "datasets scifact not found in the bucket's .evals/datasets/ (put them under .evals/datasets/<name>/ in the bucket, or set RAGLINE_EVAL_DATASETS)",
    );
  });
});
