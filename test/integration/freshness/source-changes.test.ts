import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadHandler } from "../../../host/handlers";
import { startHost, type Host } from "../../../host";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { submitQuery } from "../../../shared/query/submit";
import { api } from "../../helpers/host-process";
import { tempDir, waitFor } from "../../helpers/tmp";

const TOPICS = ["glaciers", "volcanoes", "coral reefs", "interest rates", "aqueducts", "neural networks", "vaccines", "photosynthesis"];
const docText = (topic: string) =>
  `# ${topic}\n\nThis note is about ${topic}. ${topic} matter to many researchers.\n\nA second paragraph on ${topic} and their history.`;

describe("freshness: source changes, ACL-only changes, reconciliation (in-process host, real SQLite)", () => {
  let t: ReturnType<typeof tempDir>;
  let ctx: ReturnType<typeof createEmbeddedContext>;
  let host: Host;
  let embedCalls: number;

  const start = async (opts: { bucketNotifications?: boolean } = {}) => {
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));
    // Counting wrapper around the local embedder (no inference host runs in this test).
    const embed = ctx.embedder.embed.bind(ctx.embedder);
    ctx.embedder.embed = async (texts, kind) => {
      if (kind === "document") embedCalls += texts.length;
      return embed(texts, kind);
    };
    host = await startHost({ ctx, port: 0, ...opts });
  };
  const indexed = (key: string, version?: string) =>
    waitFor(async () => {
      const r = await ctx.catalog.get(key);
      return r?.status === "indexed" && (!version || r.version !== version) && r;
    }, `${key} indexed`);

  beforeEach(() => {
    t = tempDir();
    embedCalls = 0;
  });
  afterEach(async () => {
    await host?.close();
    t.cleanup();
  });

  it("an ACL-only source.changed makes no embedding call and the permission holds on the next query", async () => {
    await start();
    for (const topic of TOPICS) writeFileSync(join(ctx.config.bucketDir, `${topic.replace(/ /g, "-")}.md`), docText(topic));
    for (const topic of TOPICS) await indexed(`${topic.replace(/ /g, "-")}.md`);
    const before = await ctx.catalog.get("vaccines.md");
    const callsBefore = embedCalls;

    const res = await api(host.url, "POST", "/sources/changed", { key: "vaccines.md", metadata: { acl: ["medical"], department: "health" } });
    expect(res.status).toBe(202);
    const after = await indexed("vaccines.md", before!.version);
    expect(after.metadata).toMatchObject({ acl: ["medical"], department: "health" });
    expect(embedCalls).toBe(callsBefore);

    const ask = async (groups: string[]) => {
      const job = await submitQuery(ctx, { question: "vaccines history", principal: { groups } });
      const done = await waitFor(async () => {
        const j = await ctx.jobs.get(job.id);
        return j?.status === "completed" && j;
      }, "job done");
      const retrieved = (await ctx.jobs.events(job.id, 0)).find((e) => e.type === "retrieved")!.data.chunks as { documentKey: string }[];
      return { done, keys: retrieved.map((c) => c.documentKey) };
    };
    expect((await ask(["staff"])).keys).not.toContain("vaccines.md");
    expect((await ask(["medical"])).keys[0]).toBe("vaccines.md");
  });

  it("a changed file embeds only chunks whose text changed; a query sees the new text, never the old", async () => {
    await start();
    const sections = Array.from(
      { length: 12 },
      (_, i) => `## Section ${i}\n\nParagraph ${i} describes topic number ${i} in some detail. It has a second sentence about item ${i}.`,
    );
    writeFileSync(join(ctx.config.bucketDir, "long.md"), `# Long\n\n${sections.join("\n\n")}`);
    const v1 = await indexed("long.md");
    const callsBefore = embedCalls;
    sections[5] = "## Section 5\n\nParagraph 5 now speaks of zeppelins and airships instead.";
    writeFileSync(join(ctx.config.bucketDir, "long.md"), `# Long\n\n${sections.join("\n\n")}`);
    await indexed("long.md", v1.version);
    expect(embedCalls - callsBefore).toBe(1);
    const chunks = await ctx.index.chunksOf("long.md");
    expect(chunks.map((c) => c.text).join(" ")).toMatch(/zeppelins/);
    expect(chunks.map((c) => c.text).join(" ")).not.toMatch(/topic number 5 /);
  });

  it("a file written with notifications off is indexed by the next reconciliation run, and the stale report shows it until then", async () => {
    await start({ bucketNotifications: false });
    writeFileSync(join(ctx.config.bucketDir, "missed.txt"), "A notification for this file was lost.\n\nReconciliation must find it.");
    await new Promise((r) => setTimeout(r, 800));
    expect(await ctx.catalog.get("missed.txt")).toBeUndefined();
    const stale = await api(host.url, "GET", "/documents?stale=true");
    expect(stale.body.stale).toEqual([{ key: "missed.txt", status: "missing", reasons: ["in the bucket but never indexed"] }]);

    const reconcileHandler = await loadHandler("schedule/reconcile");
    const result = await reconcileHandler({ "detail-type": "Scheduled Event" }, {} as never);
    expect(result).toEqual({ created: 1, removed: 0 });
    await indexed("missed.txt");
    expect((await api(host.url, "GET", "/documents?stale=true")).body.stale).toEqual([]);
  });
});

describe("duplicates (in-process host, real SQLite)", () => {
  it("the same bytes under another key are recorded as a duplicate and not embedded; deleting the original indexes the copy", async () => {
    const t = tempDir();
    const ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));
    let embedded = 0;
    const embed = ctx.embedder.embed.bind(ctx.embedder);
    ctx.embedder.embed = async (texts, kind) => {
      if (kind === "document") embedded += texts.length;
      return embed(texts, kind);
    };
    const host = await startHost({ ctx, port: 0 });
    try {
      const text = "Quarterly report.\n\nRevenue grew in every region during the quarter.";
      writeFileSync(join(ctx.config.bucketDir, "original.txt"), text);
      await waitFor(async () => (await ctx.catalog.get("original.txt"))?.status === "indexed", "original indexed");
      const afterOriginal = embedded;
      writeFileSync(join(ctx.config.bucketDir, "copy.txt"), text);
      const dup = await waitFor(async () => {
        const r = await ctx.catalog.get("copy.txt");
        return r?.status === "duplicate" && r;
      }, "copy recorded as duplicate");
      expect(dup.duplicateOf).toBe("original.txt");
      expect(embedded).toBe(afterOriginal);

      await api(host.url, "DELETE", "/documents/original.txt");
      await waitFor(async () => (await ctx.catalog.get("copy.txt"))?.status === "indexed", "the copy indexed once the original is gone");
      expect((await ctx.index.chunksOf("copy.txt")).length).toBeGreaterThan(0);
    } finally {
      await host.close();
      t.cleanup();
    }
  });
});
