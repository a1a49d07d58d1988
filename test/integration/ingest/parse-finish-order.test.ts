import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, type Host } from "../../../host";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, type Context } from "../../../shared/runtime/context";
import { sleep } from "../../../shared/util/time";
import { tempDir, waitFor } from "../../helpers/tmp";

// The parse stage queues a document's chunks, then records how many there are. Nothing makes the second
// write land before the embed and index stages finish (a slow catalog, a fast queue), and when it
// lands after, it must not take an indexed document back to `processing`: that document would stay
// out of every listing of finished work until it was reported stuck. The delay below is that order,
// forced, on the real embedded pipeline.

describe("the parse stage's last catalog write, after the document is already indexed (in-process host)", () => {
  const t = tempDir();
  let host: Host;
  let ctx: Context;
  beforeAll(async () => {
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));
    const putIfVersion = ctx.catalog.putIfVersion.bind(ctx.catalog);
    ctx.catalog.putIfVersion = async (key, version, patch) => {
      // The parse stage's write (it alone records the content type): held until the index stage is done.
      if ("contentType" in patch)
        await waitFor(async () => (await ctx.catalog.get(key))?.status === "indexed", `${key} indexed before the parse stage's last write`, 30_000);
      return putIfVersion(key, version, patch);
    };
    host = await startHost({ ctx, port: 0 });
  });
  afterAll(async () => {
    await host?.close();
    t.cleanup();
  });

  it("the document stays indexed, with its chunk count and content type", async () => {
    await ctx.objects.put("leave.md", Buffer.from("# Leave\n\nEmployees get sixteen weeks of paid parental leave.\n"), { contentType: "text/markdown" });
    await waitFor(async () => (await ctx.catalog.get("leave.md"))?.contentType, "the parse stage's last write", 30_000);
    await sleep(200); // anything still on its way lands
    expect(await ctx.catalog.get("leave.md")).toMatchObject({ status: "indexed", chunks: 1, contentType: "text/markdown" });
  });
});
