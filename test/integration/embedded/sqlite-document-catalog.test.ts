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
});
