import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteDocumentCatalog } from "../../../shared/adapters/embedded/sqlite-document-catalog";
import { tempDir } from "../../helpers/tmp";

describe("SqliteDocumentCatalog on a real SQLite file", () => {
  const t = tempDir();
  const catalog = new SqliteDocumentCatalog(join(t.dir, "catalog.db"));
  afterAll(() => {
    catalog.close();
    t.cleanup();
  });

  it("finds an indexed twin by content hash with an index lookup, whatever the number of indexed documents", async () => {
    for (let i = 0; i < 2000; i++) await catalog.put(`doc-${i}.txt`, { status: "indexed", contentHash: `h${i}` });
    await catalog.put("pending.txt", { status: "pending", contentHash: "h7" });
    expect((await catalog.findByHash("h1234"))?.key).toBe("doc-1234.txt");
    expect(await catalog.findByHash("missing")).toBeUndefined();
    const plan = catalog.explain(SqliteDocumentCatalog.FIND_BY_HASH);
    expect(plan).toMatch(/USING (COVERING )?INDEX documents_hash_status/);
    expect(plan).not.toMatch(/documents_status|SCAN/);
  });

  it("group commit: several documents' writes asked together share one commit; a version check still guards each", async () => {
    await catalog.put("g1.txt", { status: "processing", version: "v1" });
    await catalog.put("g2.txt", { status: "processing", version: "v1" });
    const before = catalog.commits;
    const [a, b, c] = await Promise.all([
      catalog.putIfVersion("g1.txt", "v1", { status: "indexed", chunks: 3 }),
      catalog.putIfVersion("g2.txt", "old", { status: "indexed" }), // a late message for an old version: no change
      catalog.put("g3.txt", { status: "pending" }),
    ]);
    expect(catalog.commits).toBe(before + 1);
    expect(a?.status).toBe("indexed");
    expect(b).toBeUndefined();
    expect(c.status).toBe("pending");
    expect((await catalog.get("g1.txt"))?.chunks).toBe(3);
    expect((await catalog.get("g2.txt"))?.status).toBe("processing");
  });

  it("a write asked just before close is committed, not dropped", async () => {
    const path = join(t.dir, "closing.db");
    const own = new SqliteDocumentCatalog(path);
    const written = own.put("last.txt", { status: "failed", error: "no_text: nothing extracted" });
    own.close();
    await written;
    const reopened = new SqliteDocumentCatalog(path);
    expect((await reopened.get("last.txt"))?.error).toBe("no_text: nothing extracted");
    reopened.close();
  });
});
