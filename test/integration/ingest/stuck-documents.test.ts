import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlite } from "../../../shared/adapters/embedded/sqlite";
import { startHost, type Host } from "../../../host";
import { reconcile, staleDocuments } from "../../../shared/ingest/freshness";
import { STUCK_AFTER_MS } from "../../../shared/ingest/object-events";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, type Context } from "../../../shared/runtime/context";
import { api } from "../../helpers/host-process";
import { tempDir, waitFor } from "../../helpers/tmp";

// A document whose embed or index messages dead-lettered stays `processing` with no work left in any
// queue. Past the longest a healthy document can take (every ingest queue's visibility × receives),
// the staleness report says so, and reconciliation or POST /documents/{key}/retry ingest it again.

describe("stuck and failed documents are ingested again (in-process host, embedded default)", () => {
  const t = tempDir();
  let host: Host;
  let ctx: Context;
  beforeAll(async () => {
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));
    host = await startHost({ ctx, port: 0 });
    await ctx.objects.put("a.md", Buffer.from("# Travel\n\nTrains are booked through the travel desk."), { contentType: "text/markdown" });
    await waitFor(async () => (await ctx.catalog.get("a.md"))?.status === "indexed", "a.md indexed");
  });
  /** Moves a record's last update into the past (the catalog stamps every write with the current time). */
  const age = (key: string, ms: number) => {
    const db = openSqlite(join(ctx.config.dataDir, "state", "documents.db"));
    const old = new Date(Date.now() - ms).toISOString();
    db.prepare("UPDATE documents SET updated_at = ?, record = json_set(record, '$.updatedAt', ?) WHERE key = ?").run(old, old, key);
    db.close();
  };
  afterAll(async () => {
    await host?.close();
    t.cleanup();
  });

  it("a document left processing by a dead-lettered message is reported stuck once past the limit, and reconciliation repairs it", async () => {
    // What a dead-lettered embed message leaves behind: the record waits for chunks that will never come.
    await ctx.catalog.put("a.md", { status: "processing", version: "dead-lettered", chunks: 2 });
    expect((await staleDocuments(ctx)).find((s) => s.key === "a.md")?.reasons.join(" ")).not.toMatch(/stuck/);

    age("a.md", STUCK_AFTER_MS + 60_000);
    expect((await staleDocuments(ctx)).find((s) => s.key === "a.md")?.reasons.join(" ")).toMatch(/stuck in processing/);
    expect((await reconcile(ctx)).created).toBeGreaterThanOrEqual(1);
    const rec = await waitFor(async () => {
      const r = await ctx.catalog.get("a.md");
      return r?.status === "indexed" ? r : undefined;
    }, "a.md indexed again");
    expect(rec.version).not.toBe("dead-lettered");
    expect(rec.indexedVersion).toBe(rec.version);
  });

  it("POST /documents/{key}/retry ingests a document again even when nothing changed", async () => {
    await ctx.catalog.put("a.md", { status: "processing", version: "dead-lettered", chunks: 2 });
    const res = await api(host.url, "POST", "/documents/a.md/retry");
    expect(res.status).toBe(202);
    await waitFor(async () => (await ctx.catalog.get("a.md"))?.status === "indexed", "a.md indexed after retry");
    expect((await api(host.url, "POST", "/documents/missing.md/retry")).status).toBe(404);
    expect((await api(host.url, "POST", "/documents/a.md")).status).toBe(404); // not a route of its own
  });
});
