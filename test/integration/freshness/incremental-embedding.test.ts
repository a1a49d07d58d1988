import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, type Host } from "../../../host";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { StandInInferenceHost } from "../../helpers/inference-server";
import { tempDir, waitFor } from "../../helpers/tmp";

// Embedding calls are counted where they land: at a STAND-IN OpenAI-compatible inference host over
// HTTP (no real model runs on this machine), reached through the real embeddings client.

describe("incremental re-embedding, counted at a stand-in inference host over HTTP", () => {
  const t = tempDir();
  let llm: StandInInferenceHost;
  let host: Host;
  let ctx: ReturnType<typeof createEmbeddedContext>;
  const inputs = () => llm.requests.filter((r) => r.path === "/v1/embeddings").flatMap((r) => r.body.input as string[]);

  beforeAll(async () => {
    llm = await StandInInferenceHost.start();
    ctx = createEmbeddedContext(
      loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_EMBEDDER: "openai", RAGLINE_EMBED_URL: llm.url, RAGLINE_EMBED_MODEL: "stand-in-embed" }),
    );
    host = await startHost({ ctx, port: 0 });
  });
  afterAll(async () => {
    await host.close();
    await llm.stop();
    t.cleanup();
  });

  it("editing one paragraph of a 60-section document embeds exactly the chunks whose text changed", async () => {
    const section = (i: number, extra = "") =>
      `## Part ${i}\n\nPart ${i} covers subject ${i} in detail.${extra} It names item ${i}a and item ${i}b.\n\nA second paragraph of part ${i} adds context about ${i}.`;
    const parts = Array.from({ length: 60 }, (_, i) => section(i));
    const path = join(ctx.config.bucketDir, "handbook.md");
    writeFileSync(path, `# Handbook\n\n${parts.join("\n\n")}`);
    const v1 = await waitFor(async () => {
      const r = await ctx.catalog.get("handbook.md");
      return r?.status === "indexed" && r;
    }, "v1 indexed");
    expect(v1.chunks).toBeGreaterThanOrEqual(50);
    const oldIds = new Set((await ctx.index.chunksOf("handbook.md")).map((c) => c.id));
    const before = inputs().length;

    parts[37] = section(37, " Airships replaced the zeppelin fleet in this part.");
    writeFileSync(path, `# Handbook\n\n${parts.join("\n\n")}`);
    await waitFor(async () => {
      const r = await ctx.catalog.get("handbook.md");
      return r?.status === "indexed" && r.version !== v1.version;
    }, "v2 indexed");

    const live = await ctx.index.chunksOf("handbook.md");
    const changed = live.filter((c) => !oldIds.has(c.id));
    const embeddedTexts = inputs().slice(before);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThanOrEqual(2);
    expect(embeddedTexts).toHaveLength(changed.length);
    expect(embeddedTexts.join(" ")).toMatch(/Airships/);
    // The new text is found, the old text is gone.
    expect(live.map((c) => c.text).join(" ")).toMatch(/Airships replaced the zeppelin fleet/);
    const hits = await ctx.index.search({
      text: "zeppelin airships fleet",
      topK: 5,
      embeddingModel: "stand-in-embed",
      vector: (await ctx.embedder.embed(["zeppelin airships fleet"], "query"))[0],
    });
    expect(hits[0].text).toMatch(/Airships/);
    expect(live.every((c) => c.version === live[0].version)).toBe(true);
  });
});
