import type { Statement } from "better-sqlite3";
import type { EmbeddedChunk, ScoredChunk } from "../../domain/chunk";
import type { SearchIndex, SearchRequest } from "../../ports/search-index";
import { reciprocalRankFusion } from "../../text/fusion";
import { filtersSql, passesFilters } from "./filters";
import { GroupCommit, openSqlite, type Db } from "./sqlite";
import { VectorCache } from "./vector-cache";

// SQLite FTS5 (BM25, porter stemming) plus stored vectors (cosine over normalised Float32Arrays),
// fused by reciprocal rank fusion. Versions are staged invisible and activated atomically.

interface ChunkRow {
  rowid: number;
  id: string;
  document_key: string;
  version: string;
  ordinal: number;
  text: string;
  section_path: string;
  page: number | null;
  page_end: number | null;
  kind: "text" | "table";
  metadata: string;
  embedding_model: string;
  vector: Buffer;
}

export class SqliteSearchIndex implements SearchIndex {
  readonly name = "sqlite-fts5-vectors";
  private readonly db: Db;
  private readonly cache: VectorCache;
  private readonly statements = new Map<string, Statement>();
  /**
   * Writes asked in the same turn share one commit, in the order asked: documents staged and activated
   * together cost one commit, not two each (each commit also writes the text index a segment).
   */
  private readonly group: GroupCommit;

  /**
   * `reloadVectorsOnChange`: load the vector cache whole after each change (the earlier design, kept for
   * the side-by-side bench); by default it applies the change log in place.
   * `keepStopwords`: OR every word of the question into the match, stopwords too (the earlier query,
   * kept for the side-by-side bench). Page cache: 64 MiB (SQLite's 2 MiB default made the step from 2k
   * to 5k documents super-linear), and the file memory-mapped.
   */
  constructor(
    path: string,
    private readonly opts: { keepStopwords?: boolean; cacheMiB?: number; reloadVectorsOnChange?: boolean } = {},
  ) {
    this.db = openSqlite(path);
    this.db.pragma(`cache_size = -${(opts.cacheMiB ?? 64) * 1024}`);
    this.db.pragma(`mmap_size = ${256 * 1024 * 1024}`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS chunks (
        rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, document_key TEXT NOT NULL, version TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 0, ordinal INTEGER NOT NULL, text TEXT NOT NULL, section_path TEXT NOT NULL,
        page INTEGER, page_end INTEGER, kind TEXT NOT NULL, metadata TEXT NOT NULL, embedding_model TEXT NOT NULL, vector BLOB NOT NULL,
        UNIQUE (document_key, version, id, embedding_model));
      CREATE INDEX IF NOT EXISTS chunks_id ON chunks(id);
      CREATE INDEX IF NOT EXISTS chunks_active ON chunks(active, embedding_model);
      CREATE TABLE IF NOT EXISTS live_versions (document_key TEXT PRIMARY KEY, version TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(text, tokenize = 'porter unicode61');`);
    this.cache = new VectorCache(this.db);
    this.group = new GroupCommit(this.db);
  }

  /** Statements are prepared once per index object, not on every call (ingestion calls these per batch). */
  private sql(text: string): Statement {
    let s = this.statements.get(text);
    if (!s) this.statements.set(text, (s = this.db.prepare(text)));
    return s;
  }

  /** Write transactions committed (benches count them). */
  get commits(): number {
    return this.group.commits;
  }

  /** How often the vector cache was loaded whole and how many logged changes it applied in place (tests, benches). */
  vectorCacheStats(): { reloads: number; applied: number } {
    return { ...this.cache.stats };
  }

  async stage(chunks: EmbeddedChunk[]): Promise<void> {
    const live = this.sql("SELECT version FROM live_versions WHERE document_key = ?");
    const existing = this.sql("SELECT rowid FROM chunks WHERE document_key = ? AND version = ? AND id = ? AND embedding_model = ?");
    const insert =
      this.sql(`INSERT INTO chunks (id, document_key, version, active, ordinal, text, section_path, page, page_end, kind, metadata, embedding_model, vector)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const fts = this.sql("INSERT INTO chunks_fts (rowid, text) VALUES (?, ?)");
    await this.group.write(
      () => {
        for (const c of chunks) {
          if (existing.get(c.documentKey, c.version, c.id, c.embeddingModel)) continue; // redelivered batch: already staged
          const liveVersion = (live.get(c.documentKey) as { version: string } | undefined)?.version;
          const isLive = liveVersion === c.version ? 1 : 0;
          const r = insert.run(
            c.id,
            c.documentKey,
            c.version,
            isLive,
            c.ordinal,
            c.text,
            JSON.stringify(c.sectionPath),
            c.page ?? null,
            c.pageEnd ?? null,
            c.kind,
            JSON.stringify(c.metadata ?? {}),
            c.embeddingModel,
            Buffer.from(c.vector.buffer, c.vector.byteOffset, c.vector.byteLength),
          );
          fts.run(r.lastInsertRowid, [...c.sectionPath, c.text].join("\n"));
          if (isLive) this.logVectors("SELECT ?, 1", r.lastInsertRowid); // a chunk added to the live version
        }
      },
      () => this.vectorsChanged(),
    );
  }

  async activate(documentKey: string, version: string): Promise<void> {
    await this.group.write(
      () => {
        this.deleteWhere("document_key = ? AND version <> ?", documentKey, version);
        this.logVectors("SELECT rowid, 1 FROM chunks WHERE document_key = ? AND version = ? AND +active = 0", documentKey, version);
        this.sql("UPDATE chunks SET active = 1 WHERE document_key = ? AND version = ?").run(documentKey, version);
        this.sql("INSERT INTO live_versions (document_key, version) VALUES (?, ?) ON CONFLICT(document_key) DO UPDATE SET version = excluded.version").run(
          documentKey,
          version,
        );
      },
      () => this.vectorsChanged(),
    );
  }

  async countChunks(documentKey: string, version: string, embeddingModel: string): Promise<number> {
    return (
      this.sql("SELECT COUNT(*) AS n FROM chunks WHERE document_key = ? AND version = ? AND embedding_model = ?").get(documentKey, version, embeddingModel) as {
        n: number;
      }
    ).n;
  }

  async servingModel(): Promise<string | undefined> {
    return (this.sql("SELECT value FROM index_meta WHERE key = 'serving_model'").get() as { value: string } | undefined)?.value;
  }

  async switchServingModel(model: string): Promise<void> {
    await this.group.write(
      () => {
        this.sql("INSERT INTO index_meta (key, value) VALUES ('serving_model', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(model);
        this.deleteWhere("embedding_model <> ?", model);
        this.logVectors("SELECT 0, -1"); // every cache loads again
      },
      () => this.vectorsChanged(),
    );
  }

  async modelCoverage(model: string): Promise<{ chunks: number; covered: number }> {
    const r = this.sql(`SELECT COUNT(DISTINCT document_key || char(0) || id) AS chunks,
        COUNT(DISTINCT CASE WHEN embedding_model = ? THEN document_key || char(0) || id END) AS covered FROM chunks WHERE active = 1`).get(model) as {
      chunks: number;
      covered: number;
    };
    return r;
  }

  async removeDocument(documentKey: string): Promise<void> {
    await this.group.write(
      () => {
        this.deleteWhere("document_key = ?", documentKey);
        this.sql("DELETE FROM live_versions WHERE document_key = ?").run(documentKey);
      },
      () => this.vectorsChanged(),
    );
  }

  private vectorsChanged() {
    if (this.opts.reloadVectorsOnChange) this.cache.invalidate();
    else this.cache.changed();
  }

  /** Records chunks that went live (1) or left (0) for the vector caches of every process; inside the change's transaction. */
  private logVectors(select: string, ...args: unknown[]) {
    const r = this.sql(`INSERT INTO vector_log (chunk, live) ${select}`).run(...args);
    // The log is read by caches catching up; entries a minute's worth of ingestion old are trimmed
    // now and then (a cache that far behind loads again).
    if (r.changes && Number(r.lastInsertRowid) % 1000 < r.changes) this.sql("DELETE FROM vector_log WHERE seq <= ?").run(Number(r.lastInsertRowid) - 100_000);
  }

  private deleteWhere(where: string, ...args: unknown[]) {
    // Chunks leaving the live set. `+active`: looked up by the document, not by the active flag (every live chunk).
    this.logVectors(`SELECT rowid, 0 FROM chunks WHERE +active = 1 AND ${where}`, ...args);
    this.sql(`DELETE FROM chunks_fts WHERE rowid IN (SELECT rowid FROM chunks WHERE ${where})`).run(...args);
    this.sql(`DELETE FROM chunks WHERE ${where}`).run(...args);
  }

  async vectorsFor(chunkIds: string[], embeddingModel: string): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const q = this.sql("SELECT vector FROM chunks WHERE id = ? AND embedding_model = ? LIMIT 1");
    for (const id of chunkIds) {
      const row = q.get(id, embeddingModel) as { vector: Buffer } | undefined;
      if (row) out.set(id, toVector(row.vector));
    }
    return out;
  }

  async chunksOf(documentKey: string): Promise<EmbeddedChunk[]> {
    // Before a serving model is recorded (chunks staged outside ingestion), the model they have.
    const serving = await this.servingModel();
    return (
      this.sql("SELECT rowid, * FROM chunks WHERE document_key = ? AND active = 1 AND embedding_model = COALESCE(?, embedding_model) ORDER BY ordinal").all(
        documentKey,
        serving ?? null,
      ) as ChunkRow[]
    ).map(toChunk);
  }

  async search(req: SearchRequest): Promise<ScoredChunk[]> {
    const depth = Math.max(req.topK * 5, 50);
    // A side with weight 0 is not searched: it would only add zero-score chunks.
    const weights = { bm25: req.fusion?.bm25Weight ?? 1, vector: req.fusion?.vectorWeight ?? 1 };
    const bm25 = weights.bm25 > 0 ? this.bm25(req, depth) : [];
    const vec =
      req.vector && weights.vector > 0
        ? this.cache.search(req.vector, req.embeddingModel, depth, (key, meta) => passesFilters(key, meta, req.filters, req.access))
        : [];
    const fused = reciprocalRankFusion(
      [
        { items: bm25, weight: weights.bm25 },
        { items: vec, weight: weights.vector },
      ],
      (rowid) => String(rowid),
      req.fusion?.k ?? 60,
    ).slice(0, req.topK);
    if (!fused.length) return [];
    const rows = this.db
      .prepare(`SELECT rowid, * FROM chunks WHERE rowid IN (${fused.map(() => "?").join(",")})`)
      .all(...fused.map((f) => f.item)) as ChunkRow[];
    const byRow = new Map(rows.map((r) => [r.rowid, r]));
    return fused.flatMap((f) => {
      const row = byRow.get(f.item);
      if (!row) return [];
      const { vector: _v, embeddingModel: _m, ...chunk } = toChunk(row);
      return [{ ...chunk, score: f.score, bm25Rank: f.ranks[0] || undefined, vectorRank: f.ranks[1] || undefined }];
    });
  }

  private bm25(req: SearchRequest, limit: number): number[] {
    const match = ftsQuery(req.text, this.opts.keepStopwords);
    if (!match) return [];
    const f = filtersSql(req.filters, req.access);
    // One row per chunk and model: BM25 reads the rows of the model the query is served with.
    const model = req.embeddingModel ? " AND c.embedding_model = ?" : "";
    const conditions = { sql: ` AND c.active = 1${model}${f.sql}`, args: [...(req.embeddingModel ? [req.embeddingModel] : []), ...f.args] };
    return this.bm25Window(match, limit, conditions) ?? this.bm25Joined(match, limit, conditions);
  }

  /**
   * The text index ranks alone first (no row of `chunks` read per match: a common word matches a
   * quarter of a large index), then only its best `window` rows are checked against the conditions.
   * Exact when enough of them pass, or when the window held every match; undefined otherwise (a
   * selective filter), and the joined query ranks only the rows that pass.
   */
  private bm25Window(match: string, limit: number, where: { sql: string; args: unknown[] }): number[] | undefined {
    const window = limit * 4;
    const ranked = this.sql(SqliteSearchIndex.BM25_RANKED)
      .pluck()
      .all(match, window + 1) as number[];
    const seen = ranked.slice(0, window);
    if (!seen.length) return [];
    const passing = new Set(
      this.db
        .prepare(SqliteSearchIndex.bm25WindowCheckSql(seen.length, where.sql))
        .pluck()
        .all(...seen, ...where.args) as number[],
    );
    const kept = seen.filter((rowid) => passing.has(rowid));
    return kept.length >= limit || ranked.length <= window ? kept.slice(0, limit) : undefined;
  }

  private bm25Joined(match: string, limit: number, where: { sql: string; args: unknown[] }): number[] {
    return this.db
      .prepare(SqliteSearchIndex.bm25JoinedSql(where.sql))
      .pluck()
      .all(match, ...where.args, limit) as number[];
  }

  // The BM25 statements, named so the tests can read SQLite's plan for them.
  static readonly BM25_RANKED = "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts), rowid LIMIT ?";
  static bm25WindowCheckSql(rows: number, whereSql: string): string {
    return `SELECT c.rowid FROM chunks c WHERE c.rowid IN (${Array(rows).fill("?").join(",")})${whereSql}`;
  }
  static bm25JoinedSql(whereSql: string): string {
    return `SELECT c.rowid FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid
            WHERE chunks_fts MATCH ?${whereSql} ORDER BY bm25(chunks_fts), c.rowid LIMIT ?`;
  }

  /** SQLite's plan for a statement (tests check that the chunk rows are reached by key, never scanned). */
  explain(sql: string, args: unknown[]): string {
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join("; ");
  }

  close() {
    this.group.flush(); // stages and activations already asked for are committed, not dropped
    this.db.close();
  }
}

/**
 * Function words with next to no BM25 weight that match most chunks: left out of the match. Words that
 * carry meaning in a question (not, no, more, after, only...) stay in.
 */
export const FTS_STOPWORDS = new Set(
  (
    "a an and are as at be been by for from has have had in into is it its of on or that the this these those " +
    "to was were with which what who whom how do does did there their they them we our you your i if so than then"
  ).split(" "),
);
/**
 * Any of the question's content words, each quoted so FTS5 syntax in user text is inert. Stopwords
 * are left out (ORing "the" matched ~90% of chunks for BM25 to score, for ranks they barely move),
 * unless the question has nothing else.
 */
export function ftsQuery(text: string, keepStopwords = false): string {
  const words = [...new Set((text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length > 1 || /\d/.test(w)))];
  const content = keepStopwords ? words : words.filter((w) => !FTS_STOPWORDS.has(w));
  return (content.length ? content : words).map((w) => `"${w}"`).join(" OR ");
}

export const toVector = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

function toChunk(r: ChunkRow): EmbeddedChunk {
  return {
    id: r.id,
    documentKey: r.document_key,
    version: r.version,
    ordinal: r.ordinal,
    text: r.text,
    sectionPath: JSON.parse(r.section_path),
    page: r.page ?? undefined,
    pageEnd: r.page_end ?? undefined,
    kind: r.kind,
    metadata: JSON.parse(r.metadata),
    embeddingModel: r.embedding_model,
    vector: toVector(r.vector),
  };
}
