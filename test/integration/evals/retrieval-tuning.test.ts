import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startHost, type Host } from "../../../host";
import { loadHandler } from "../../../host/handlers";
import type { RolloutStatus } from "../../../shared/ingest/rollout";
import { retrieve } from "../../../shared/query/stages";
import { submitQuery } from "../../../shared/query/submit";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { api } from "../../helpers/host-process";
import { tempDir, waitFor } from "../../helpers/tmp";

// Fusion weights per index generation, through the real system: the in-process host on the embedded
// default (folder bucket, SQLite queue and index, local models), the scheduled rollout function and
// `GET /index/rollout`.

const TOPICS = [
  "glaciers carve valleys",
  "volcanoes release sulfur",
  "coral reefs bleach",
  "interest rates move inflation",
  "aqueducts carried water",
  "neural networks learn",
  "vaccines train immunity",
  "photosynthesis makes sugar",
  "tides follow the moon",
  "bees pollinate flowers",
];

describe("retrieval fusion chosen per index generation (in-process host, real SQLite, local models)", () => {
  const t = tempDir();
  let host: Host | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });
  afterAll(() => t.cleanup());

  it("starts on the measured default, chooses on the index's eval set, shows it, uses it, and chooses again after a model switch", async () => {
    let ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));
    host = await startHost({ ctx, port: 0 });
    TOPICS.forEach((topic, i) =>
      writeFileSync(join(ctx.config.bucketDir, `doc${i}.md`), `# ${topic}\n\nThis page explains how ${topic}. ${topic} is a well studied subject.`),
    );
    await waitFor(async () => ((await ctx.catalog.counts()).indexed ?? 0) === TOPICS.length, "indexed");
    const tick = await loadHandler("schedule/rollout");

    // No eval set: the default, BM25-weighted, and the status says so.
    await tick({}, {} as never);
    const before = (await api(host.url, "GET", "/index/rollout")).body;
    expect(before.retrieval).toMatchObject({ chosenBy: "default", embeddingModel: ctx.embedder.model });
    expect(before.retrieval.bm25Weight).toBeGreaterThan(before.retrieval.vectorWeight);

    // An eval set in the bucket's hidden index area: measured at the next tick, never ingested as a document.
    mkdirSync(join(ctx.config.bucketDir, ".index"), { recursive: true });
    writeFileSync(
      join(ctx.config.bucketDir, ".index", "retrieval-eval.jsonl"),
      TOPICS.map((topic, i) => JSON.stringify({ question: `How do ${topic}?`, documentKeys: [`doc${i}.md`] })).join("\n"),
    );
    await tick({}, {} as never);
    const chosen = (await api(host.url, "GET", "/index/rollout")).body.retrieval;
    expect(chosen).toMatchObject({
      chosenBy: "eval-set",
      embeddingModel: ctx.embedder.model,
      evalSet: { key: ".index/retrieval-eval.jsonl", questions: TOPICS.length },
    });
    expect(chosen.measured).toHaveLength(8);
    expect(chosen.effect.chosen).toBeGreaterThanOrEqual(chosen.effect.bm25Only);
    expect(chosen.effect.chosen).toBeGreaterThanOrEqual(chosen.effect.equalWeights);
    expect((await ctx.catalog.counts()).indexed).toBe(TOPICS.length);

    // The retrieve stage of a query uses the chosen weights, and a job answers with them.
    expect((await retrieve(ctx, { question: "How do coral reefs bleach?" })).fusion).toEqual({
      bm25Weight: chosen.bm25Weight,
      vectorWeight: chosen.vectorWeight,
      by: "eval-set",
    });
    const job = await submitQuery(ctx, { question: "How do coral reefs bleach?" });
    const done = await waitFor(async () => {
      const j = await ctx.jobs.get(job.id);
      return j?.status === "completed" && j;
    }, "query done");
    expect(done.result!.citations[0]?.documentKey).toBe("doc2.md");
    await host.close();

    // Another embedding model: until the switch the old generation keeps its choice; after it, the new one is measured.
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_EMBED_DIMENSIONS: "256" }));
    host = await startHost({ ctx, port: 0 });
    const newModel = ctx.embedder.model;
    await tick({}, {} as never);
    expect((await api(host.url, "GET", "/index/rollout")).body.retrieval.embeddingModel).toBe(chosen.embeddingModel);
    await waitFor(async () => {
      const s = (await api(host!.url, "GET", "/index/rollout")).body;
      return s.covered === s.chunks;
    }, "all chunks re-embedded");
    expect(((await tick({}, {} as never)) as RolloutStatus).state).toBe("switched");
    const after = (await api(host.url, "GET", "/index/rollout")).body.retrieval;
    expect(after).toMatchObject({ chosenBy: "eval-set", embeddingModel: newModel });
    expect(after.chosenAt > chosen.chosenAt).toBe(true);
  }, 60_000);

  it("an explicit RAGLINE_FUSION_* setting overrides any choice; a malformed eval set leaves the default in place", async () => {
    const dir = join(t.dir, "explicit");
    let ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: dir, RAGLINE_FUSION_BM25_WEIGHT: "0.5", RAGLINE_FUSION_VECTOR_WEIGHT: "2" }));
    host = await startHost({ ctx, port: 0 });
    writeFileSync(join(ctx.config.bucketDir, "a.md"), "# A\n\nAqueducts carried water to the city.");
    await waitFor(async () => ((await ctx.catalog.counts()).indexed ?? 0) === 1, "indexed");
    expect((await api(host.url, "GET", "/index/rollout")).body.retrieval).toMatchObject({ chosenBy: "config", bm25Weight: 0.5, vectorWeight: 2 });
    await host.close();

    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: dir }));
    host = await startHost({ ctx, port: 0 });
    mkdirSync(join(ctx.config.bucketDir, ".index"), { recursive: true });
    writeFileSync(join(ctx.config.bucketDir, ".index", "retrieval-eval.jsonl"), '{"question": "no keys"}\n');
    const tick = await loadHandler("schedule/rollout");
    expect(((await tick({}, {} as never)) as RolloutStatus).state).toBe("current");
    expect((await api(host.url, "GET", "/index/rollout")).body.retrieval).toMatchObject({ chosenBy: "default" });
  }, 60_000);
});
