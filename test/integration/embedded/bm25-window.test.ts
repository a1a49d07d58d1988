import Database from "better-sqlite3";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { filtersSql } from "../../../shared/adapters/embedded/filters";
import { ftsQuery, SqliteSearchIndex } from "../../../shared/adapters/embedded/sqlite-search-index";
import type { EmbeddedChunk } from "../../../shared/domain/chunk";
import { tempDir } from "../../helpers/tmp";

// BM25 ranks in the text index alone and checks only its best rows against tenant, ACL, filters and
// liveness; when too few of those pass it must still find the best rows that do. Each answer is
// compared with the plain joined query (every match joined to its chunk row, then ranked), written
// out here as the reference.

const WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split(" ");
const vector = new Float32Array([1]);

function chunk(key: string, i: number, text: string, metadata: EmbeddedChunk["metadata"]): EmbeddedChunk {
  return { id: `${key}#${i}`, documentKey: key, version: "v1", ordinal: i, text, sectionPath: [], kind: "text", metadata, vector, embeddingModel: "m" };
}

describe("BM25 over the text index first, then the conditions", () => {
  let t: ReturnType<typeof tempDir>;
  let index: SqliteSearchIndex;
  let db: Database.Database;
  beforeEach(async () => {
    t = tempDir();
    index = new SqliteSearchIndex(join(t.dir, "index.db"));
    // 600 chunks of tenant "big" that say "alpha" often, 6 of tenant "small" (2 of them for "hr" only)
    // that say it once among other words, and a staged version nobody may see.
    for (let d = 0; d < 60; d++) {
      const key = `big/doc${d}`;
      await index.stage(Array.from({ length: 10 }, (_, i) => chunk(key, i, `alpha alpha ${WORDS[(d + i) % WORDS.length]} alpha`, { tenant: "big" })));
      await index.activate(key, "v1");
    }
    for (let d = 0; d < 6; d++) {
      const key = `small/doc${d}`;
      const text = `alpha ${WORDS.slice(0, 3 + d).join(" ")} report`;
      await index.stage([chunk(key, 0, text, { tenant: "small", acl: d < 2 ? ["hr"] : undefined })]);
      await index.activate(key, "v1");
    }
    await index.stage([chunk("small/draft", 0, "alpha beta draft", { tenant: "small" })]);
    db = new Database(join(t.dir, "index.db"), { readonly: true });
  });
  afterEach(() => {
    db.close();
    index.close();
    t.cleanup();
  });

  // The reference: join every match, then rank (what the index did before it ranked in FTS5 first).
  function joined(text: string, tenant: string, readers: string[], limit: number): string[] {
    const rows = db
      .prepare(
        `SELECT c.id FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid WHERE chunks_fts MATCH ? AND c.active = 1
         AND COALESCE(json_extract(c.metadata, '$.tenant'), 'default') = ?
         AND (COALESCE(json_array_length(c.metadata, '$.acl'), 0) = 0 OR EXISTS (SELECT 1 FROM json_each(c.metadata, '$.acl') WHERE value IN (SELECT value FROM json_each(?))))
         ORDER BY bm25(chunks_fts), c.rowid LIMIT ?`,
      )
      .pluck()
      .all(ftsQuery(text), tenant, JSON.stringify(readers), limit) as string[];
    return rows;
  }
  const bm25 = async (text: string, tenant: string, readers: string[], topK: number) =>
    (await index.search({ text, topK, access: { tenant, readers }, fusion: { vectorWeight: 0 } })).map((c) => c.id);

  it("finds a small tenant's chunks behind hundreds of better matches of another tenant", async () => {
    // "alpha" alone: all 600 of "big" outrank every "small" chunk, so the text index's best rows are all "big".
    const got = await bm25("alpha", "small", ["staff"], 10);
    expect(got).toEqual(joined("alpha", "small", ["staff"], 50).slice(0, 10));
    expect(got.sort()).toEqual(["small/doc2#0", "small/doc3#0", "small/doc4#0", "small/doc5#0"]);
  });

  it("gives the same ranking as the joined query, for either tenant, readers and depth", async () => {
    for (const text of ["alpha", "alpha gamma", "beta report", "kappa lambda", "alpha draft"]) {
      for (const [tenant, readers] of [
        ["big", []],
        ["small", ["hr"]],
        ["small", []],
      ] as const) {
        for (const topK of [1, 3, 10]) {
          const depth = Math.max(topK * 5, 50);
          expect(await bm25(text, tenant, [...readers], topK), `${text} / ${tenant} / ${topK}`).toEqual(
            joined(text, tenant, [...readers], depth).slice(0, topK),
          );
        }
      }
    }
  });
});

describe("BM25 query plans as the index grows", () => {
  it("reaches chunk rows by key (never a scan of chunks) at 100 and at 3,000 chunks, with filters and access", async () => {
    const t = tempDir();
    const index = new SqliteSearchIndex(join(t.dir, "index.db"));
    try {
      const where = filtersSql({ keyPrefix: "k", department: "d", tags: ["x"] }, { tenant: "acme", readers: ["hr"] });
      const conditions = ` AND c.active = 1 AND c.embedding_model = ?${where.sql}`;
      const args = ["m", ...where.args];
      for (const size of [100, 3_000]) {
        const have = (await index.modelCoverage("m")).chunks;
        const chunks = Array.from({ length: size - have }, (_, i) => chunk(`k/doc${have + i}`, 0, `alpha ${WORDS[i % WORDS.length]}`, { tenant: "acme" }));
        await index.stage(chunks);
        for (const c of chunks) await index.activate(c.documentKey, "v1");
        const ranked = index.explain(SqliteSearchIndex.BM25_RANKED, ['"alpha"', 201]);
        expect(ranked, `${size}`).toMatch(/VIRTUAL TABLE INDEX/);
        expect(ranked).not.toMatch(/SCAN c\b|SCAN chunks\b/);
        const check = index.explain(SqliteSearchIndex.bm25WindowCheckSql(3, conditions), [1, 2, 3, ...args]);
        expect(check, `${size}`).toMatch(/SEARCH c USING INTEGER PRIMARY KEY/);
        expect(check).not.toMatch(/SCAN c\b/);
        const joined = index.explain(SqliteSearchIndex.bm25JoinedSql(conditions), ['"alpha"', ...args, 50]);
        expect(joined, `${size}`).toMatch(/SEARCH c USING INTEGER PRIMARY KEY/);
        expect(joined).not.toMatch(/SCAN c\b/);
      }
    } finally {
      index.close();
      t.cleanup();
    }
  });
});
