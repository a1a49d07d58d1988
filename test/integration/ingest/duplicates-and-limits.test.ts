import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, type Host } from "../../../host";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, type Context } from "../../../shared/runtime/context";
import { tempDir, waitFor } from "../../helpers/tmp";

describe("duplicates and size limits through the pipeline (in-process host, embedded default)", () => {
  const t = tempDir();
  let host: Host;
  let ctx: Context;
  let reads: string[] = [];
  beforeAll(async () => {
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_MAX_OBJECT_BYTES: "2000" }));
    const get = ctx.objects.get.bind(ctx.objects);
    ctx.objects.get = async (key) => {
      reads.push(key);
      return get(key);
    }; // counts whole-object reads
    host = await startHost({ ctx, port: 0 });
  });
  afterAll(async () => {
    await host?.close();
    t.cleanup();
  });

  const settled = (key: string) =>
    waitFor(async () => {
      const r = await ctx.catalog.get(key);
      return r && ["indexed", "failed", "duplicate"].includes(r.status) ? r : undefined;
    }, `${key} settled`);

  it("overwriting a key with another key's bytes releases the documents that were duplicates of its old content", async () => {
    const X = Buffer.from("# Fleet\n\nThe company owns forty electric vans.");
    const Y = Buffer.from("# Canteen\n\nThe canteen serves soup on Mondays.");
    await ctx.objects.put("c.md", Y, { contentType: "text/markdown" });
    expect((await settled("c.md")).status).toBe("indexed");
    await ctx.objects.put("a.md", X, { contentType: "text/markdown" });
    expect((await settled("a.md")).status).toBe("indexed");
    await ctx.objects.put("b.md", X, { contentType: "text/markdown" });
    expect(await settled("b.md")).toMatchObject({ status: "duplicate", duplicateOf: "a.md" });

    // a.md now holds c.md's bytes: it becomes a duplicate of c.md, and b.md (X) must not be left a
    // duplicate of content that is indexed nowhere.
    await ctx.objects.put("a.md", Y, { contentType: "text/markdown" });
    await waitFor(async () => (await ctx.catalog.get("a.md"))?.status === "duplicate", "a.md a duplicate of c.md");
    const b = await waitFor(async () => {
      const r = await ctx.catalog.get("b.md");
      return r?.status === "indexed" ? r : undefined;
    }, "b.md indexed on its own");
    expect(b.duplicateOf).toBeUndefined();
    const hits = await ctx.index.search({ text: "electric vans fleet", topK: 5 });
    expect(hits.map((h) => h.documentKey)).toContain("b.md");
  });

  it("a key whose ACL changes releases the documents that were duplicates of it (they are indexed on their own)", async () => {
    const Z = Buffer.from("# Parking\n\nVisitors park in bay seven.");
    await ctx.objects.put("open.md", Z, { contentType: "text/markdown" });
    expect((await settled("open.md")).status).toBe("indexed");
    await ctx.objects.put("copy.md", Z, { contentType: "text/markdown" });
    expect(await settled("copy.md")).toMatchObject({ status: "duplicate", duplicateOf: "open.md" });
    // open.md is closed to hr: copy.md (readable by the whole tenant) must not stay a duplicate of it.
    await ctx.objects.put("open.md", Z, { contentType: "text/markdown", metadata: { acl: "hr" } });
    const copy = await waitFor(async () => {
      const r = await ctx.catalog.get("copy.md");
      return r?.status === "indexed" ? r : undefined;
    }, "copy.md indexed on its own");
    expect(copy.duplicateOf).toBeUndefined();
    const hits = await ctx.index.search({ text: "visitors park bay seven", topK: 5, access: { tenant: "default", readers: [] } });
    expect(hits.map((h) => h.documentKey)).toEqual(["copy.md"]);
  });

  it("an object over the size limit fails too_large without being read whole", async () => {
    reads = [];
    await ctx.objects.put("huge.txt", Buffer.alloc(5000, "a"), { contentType: "text/plain" });
    const rec = await settled("huge.txt");
    expect(rec.status).toBe("failed");
    expect(rec.error).toMatch(/^too_large/);
    expect(reads).not.toContain("huge.txt");
  });
});
