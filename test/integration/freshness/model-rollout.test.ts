import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startHost, type Host } from "../../../host";
import { loadHandler } from "../../../host/handlers";
import type { RolloutStatus } from "../../../shared/ingest/rollout";
import { submitQuery } from "../../../shared/query/submit";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { api } from "../../helpers/host-process";
import { tempDir, waitFor } from "../../helpers/tmp";

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

describe("embedding model rollout (in-process host, real SQLite, local models d384 → d256)", () => {
  const t = tempDir();
  let host: Host | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  it("keeps answering during the re-embed, then switches atomically and every chunk carries the new model", async () => {
    // Index with the first model.
    let ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));
    host = await startHost({ ctx, port: 0 });
    TOPICS.forEach((topic, i) =>
      writeFileSync(
        join(ctx.config.bucketDir, `doc${i}.md`),
        `# ${topic}\n\nThis page explains how ${topic}. ${topic} is a well studied subject.\n\nMore about ${topic} follows here.`,
      ),
    );
    await waitFor(async () => ((await ctx.catalog.counts()).indexed ?? 0) === TOPICS.length, "indexed with d384");
    const oldModel = ctx.embedder.model;
    await host.close();

    // Restart with another embedding model configured.
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_EMBED_DIMENSIONS: "256" }));
    host = await startHost({ ctx, port: 0 });
    const newModel = ctx.embedder.model;
    expect(newModel).not.toBe(oldModel);

    const ask = async () => {
      const job = await submitQuery(ctx, { question: "How do coral reefs bleach?" });
      const done = await waitFor(async () => {
        const j = await ctx.jobs.get(job.id);
        return j?.status === "completed" && j;
      }, "query done");
      return done.result!;
    };
    const during = await api(host.url, "GET", "/index/rollout");
    expect(during.body).toMatchObject({ state: "rolling", serving: oldModel, target: newModel, covered: 0 });

    const tick = await loadHandler("schedule/rollout");
    const first = (await tick({}, {} as never)) as RolloutStatus;
    expect(first.queued).toBe(TOPICS.length);
    // While the re-embed runs, queries are served by the old generation, with results.
    for (let i = 0; i < 3; i++) {
      const r = await ask();
      expect(r.citations[0]?.documentKey).toBe("doc2.md");
      expect(r.backends.embedder).toContain(oldModel);
    }
    await waitFor(async () => {
      const s = (await api(host!.url, "GET", "/index/rollout")).body;
      return s.covered === s.chunks;
    }, "all chunks re-embedded");
    const switched = (await tick({}, {} as never)) as RolloutStatus;
    expect(switched.state).toBe("switched");

    const after = await ask();
    expect(after.citations[0]?.documentKey).toBe("doc2.md");
    expect(after.backends.embedder).toContain(newModel);
    for (let i = 0; i < TOPICS.length; i++) {
      const chunks = await ctx.index.chunksOf(`doc${i}.md`);
      expect(chunks.length).toBeGreaterThan(0);
      expect(new Set(chunks.map((c) => c.embeddingModel))).toEqual(new Set([newModel]));
      expect(chunks.every((c) => c.vector.length === 256)).toBe(true);
    }
    expect(await ctx.index.modelCoverage(oldModel)).toMatchObject({ covered: 0 });
    expect((await api(host.url, "GET", "/index/rollout")).body).toMatchObject({ state: "current", serving: newModel, progress: 1 });
    expect((await ctx.catalog.get("doc0.md"))?.embeddingModel).toBe(newModel);
  });
});
