import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, type Host } from "../../../host";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, type Context } from "../../../shared/runtime/context";
import { tempDir, waitFor } from "../../helpers/tmp";

// A 3072-dimension embedder: index messages are split by size, and the version still activates
// once every chunk has arrived, whatever number of messages carried them.

describe("ingestion with 3072-dimension vectors (in-process host, embedded default)", () => {
  const t = tempDir();
  let host: Host;
  let ctx: Context;
  beforeAll(async () => {
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_EMBED_DIMENSIONS: "3072" }));
    host = await startHost({ ctx, port: 0 });
  });
  afterAll(async () => {
    await host?.close();
    t.cleanup();
  });

  it("indexes a long document completely", async () => {
    const text = Array.from({ length: 60 }, (_, i) => `## Section ${i}\n\n${`Paragraph ${i} talks about topic number ${i} in some detail. `.repeat(25)}`).join(
      "\n\n",
    );
    await ctx.objects.put("long.md", Buffer.from(text), { contentType: "text/markdown" });
    const rec = await waitFor(
      async () => {
        const r = await ctx.catalog.get("long.md");
        return r && ["indexed", "failed"].includes(r.status) ? r : undefined;
      },
      "long.md settled",
      60_000,
    );
    expect(rec.status).toBe("indexed");
    expect(rec.chunks).toBeGreaterThan(16); // more than one embed batch
    const chunks = await ctx.index.chunksOf("long.md");
    expect(chunks).toHaveLength(rec.chunks!);
    expect(chunks[0].vector).toHaveLength(3072);
  });
});
