import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbJobStore } from "../../../shared/adapters/aws/dynamodb-job-store";
import { ensureTables } from "../../../shared/adapters/aws/dynamodb-tables";
import { runQueryJob } from "../../../shared/query/run-job";
import { submitQuery } from "../../../shared/query/submit";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { tempDir } from "../../helpers/tmp";
import { startDynamo } from "./servers";

// A topK-50 query job whose state lives in DynamoDB (dynalite, a real DynamoDB protocol server with
// its 400 KB item limit), the rest on the embedded ports. With every stage's checkpoint in the one
// job item (the layout before checkpoints became items of their own), this job's rerank checkpoint
// was refused ("Item size to update has exceeded the maximum allowed size": checked by running this
// test against that version) and the job dead-lettered after three attempts. Checkpoints now keep
// chunk ids and scores, not texts (shared/query/stage-checkpoints.ts): the same job writes ~27 KB of
// checkpoints where it wrote over 400 KB.

const WORDS =
  "revenue margin quarter growth segment customers pricing inventory forecast guidance operating cash capital expenses region contract backlog churn retention".split(
    " ",
  );
const paragraph = (seed: number) => Array.from({ length: 190 }, (_, i) => WORDS[(seed * 7 + i * 13 + ((i * i) % 5)) % WORDS.length]).join(" ");

let env: Awaited<ReturnType<typeof startDynamo>>;
const t = tempDir();
const ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));
const table = "ragline-jobs-topk";

beforeAll(async () => {
  env = await startDynamo();
  await ensureTables(env.client, { jobs: table, documents: "ragline-documents-topk" });
  ctx.jobs = new DynamoDbJobStore({ table, client: env.client });
  // 60 documents × 5 chunks of ~190 words (~1.3 KB each): 200 candidates at topK 50 are ~260 KB of text per stage.
  for (let d = 0; d < 60; d++) {
    const texts = Array.from({ length: 5 }, (_, c) => `Report ${d} section ${c}: ${paragraph(d * 5 + c)}.`);
    const vectors = await ctx.embedder.embed(texts, "document");
    await ctx.index.stage(
      texts.map((text, c) => ({
        id: `c${c}`,
        documentKey: `reports/r${d}.txt`,
        version: "v1",
        ordinal: c,
        text,
        sectionPath: [`Section ${c}`],
        kind: "text" as const,
        metadata: {},
        vector: vectors[c],
        embeddingModel: ctx.embedder.model,
      })),
    );
    await ctx.index.activate(`reports/r${d}.txt`, "v1");
  }
}, 120_000);
afterAll(async () => {
  await ctx.close();
  await env?.stop();
  t.cleanup();
});

describe("a topK-50 query job on the DynamoDB job store (dynalite)", () => {
  it("completes, with checkpoints of ids and scores (not the 400+ KB of chunk texts), and keeps only timings once finished", async () => {
    const job = await submitQuery(ctx, { question: "What drove revenue growth and operating margin this quarter?", topK: 50 });
    const sizes: Record<string, number> = {};
    const save = ctx.jobs.saveCheckpoint.bind(ctx.jobs);
    ctx.jobs.saveCheckpoint = (id, stage, value) => {
      sizes[stage] = JSON.stringify(value).length;
      return save(id, stage, value);
    };

    expect(await runQueryJob(ctx, job.id)).toBe("completed");
    const done = await ctx.jobs.get(job.id);
    expect(done?.status).toBe("completed");
    expect(done?.attempts).toBe(1);
    expect(done?.result?.citations.length).toBeGreaterThan(0);
    // The chunk texts stay in the index: what is checkpointed is far below one item's 400 KB.
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    console.log(`checkpoint JSON bytes by stage: ${JSON.stringify(sizes)}; total ${total}`);
    expect(sizes.retrieve).toBeGreaterThan(0);
    expect(total).toBeLessThan(64 * 1024);

    const items = (
      await DynamoDBDocumentClient.from(env.client).send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :cp)",
          ExpressionAttributeValues: { ":pk": `JOB#${job.id}`, ":cp": "CP#" },
        }),
      )
    ).Items!;
    expect(items.map((i) => i.sk)).toEqual(["CP#timings#000"]);
    expect(Object.keys(done!.checkpoints)).toEqual(["timings"]);
  }, 120_000);
});
