import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, type Host } from "../../../host";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, type Context } from "../../../shared/runtime/context";
import { api } from "../../helpers/host-process";
import { tempDir, waitFor } from "../../helpers/tmp";

// A file dropped in the bucket folder before its sidecar must never be readable more widely than its
// final ACL. RAGLINE_DEFAULT_ACCESS gives files without metadata a default per key prefix.

describe("files dropped before their sidecar (in-process host, folder bucket)", () => {
  const t = tempDir();
  let host: Host;
  let ctx: Context;
  const KEYS = [{ key: "hr-reader-0123456789abcdef", tenant: "default", subject: "hannah", groups: ["hr"] }];

  beforeAll(async () => {
    ctx = createEmbeddedContext(
      loadConfig({
        RAGLINE_DATA_DIR: t.dir,
        RAGLINE_API_KEYS: JSON.stringify(KEYS),
        // Nothing dropped is readable until its sidecar says who may read it; hr/ files are hr's by default.
        RAGLINE_DEFAULT_ACCESS: JSON.stringify([
          { prefix: "", acl: ["nobody"] },
          { prefix: "hr/", acl: ["hr"] },
        ]),
      }),
    );
    host = await startHost({ ctx, port: 0 });
  });
  afterAll(async () => {
    await host?.close();
    t.cleanup();
  });

  const visibleTo = async (headers: Record<string, string>) =>
    (await api(host.url, "GET", "/documents", undefined, headers)).body.documents.map((d: { key: string }) => d.key);
  const chunksOf = (key: string, headers: Record<string, string> = {}) => api(host.url, "GET", `/documents/${key}/chunks`, undefined, headers);

  it("is indexed under the prefix default, and readable by everyone only once its sidecar says so", async () => {
    writeFileSync(join(ctx.config.bucketDir, "memo.txt"), "The office closes early on Friday for the summer party.");
    await waitFor(async () => (await ctx.catalog.get("memo.txt"))?.status === "indexed", "memo indexed");
    expect(await visibleTo({})).not.toContain("memo.txt");
    expect((await chunksOf("memo.txt")).status).toBe(404);
    const hits = await ctx.index.search({ text: "office summer party", topK: 5, access: { tenant: "default", readers: [] } });
    expect(hits.map((h) => h.documentKey)).not.toContain("memo.txt");

    writeFileSync(join(ctx.config.bucketDir, "memo.txt.meta.json"), JSON.stringify({ acl: [] }));
    await waitFor(async () => (await visibleTo({})).includes("memo.txt"), "memo readable after its sidecar");
    await waitFor(
      async () =>
        (await ctx.index.search({ text: "office summer party", topK: 5, access: { tenant: "default", readers: [] } })).some(
          (h) => h.documentKey === "memo.txt",
        ),
      "memo retrievable",
    );
  });

  it("a more specific prefix rule wins", async () => {
    writeFileSync(join(ctx.config.bucketDir, "hr-salaries.txt"), "not under hr/");
    const dir = join(ctx.config.bucketDir, "hr");
    (await import("node:fs")).mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "bands.txt"), "Salary bands are reviewed every spring.");
    await waitFor(async () => (await ctx.catalog.get("hr/bands.txt"))?.status === "indexed", "hr file indexed");
    expect((await chunksOf("hr/bands.txt")).status).toBe(404);
    expect((await chunksOf("hr/bands.txt", { "x-api-key": KEYS[0].key })).status).toBe(200);
    expect(await visibleTo({ "x-api-key": KEYS[0].key })).not.toContain("hr-salaries.txt");
  });
});
