import type { DocumentRecord } from "../../domain/document";
import type { DocumentCatalog } from "../../ports/document-catalog";
import { nowIso } from "../../util/time";
import type { Statement } from "better-sqlite3";
import { GroupCommit, openSqlite, type Db } from "./sqlite";

// Per-document ingestion state in SQLite: the record as JSON, with the fields we query by as columns.
// Writes made in the same turn of the event loop (several workers' documents) share one commit
// (GroupCommit); each resolves once committed.

export class SqliteDocumentCatalog implements DocumentCatalog {
  readonly name = "sqlite-document-catalog";
  private readonly db: Db;
  private readonly statements = new Map<string, Statement>();
  private readonly group: GroupCommit;

  constructor(path: string) {
    // Each document's record is written three or four times on its way in: checkpoints less often.
    this.db = openSqlite(path, { walPages: 10_000 });
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS documents (
        key TEXT PRIMARY KEY, status TEXT NOT NULL, content_hash TEXT, version TEXT, record TEXT NOT NULL, updated_at TEXT NOT NULL);
      -- (hash, status): the duplicate check is one index lookup; with two single-column indexes the planner
      -- could walk every indexed document instead (quadratic ingestion).
      DROP INDEX IF EXISTS documents_hash;
      CREATE INDEX IF NOT EXISTS documents_hash_status ON documents(content_hash, status);
      CREATE INDEX IF NOT EXISTS documents_status ON documents(status);`);
    this.group = new GroupCommit(this.db);
  }

  /** Statements are prepared once, not on every call. */
  private sql(text: string): Statement {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  async get(key: string): Promise<DocumentRecord | undefined> {
    const row = this.sql("SELECT record FROM documents WHERE key = ?").get(key) as { record: string } | undefined;
    return row && JSON.parse(row.record);
  }

  async put(key: string, patch: Partial<DocumentRecord> & { status: DocumentRecord["status"] }): Promise<DocumentRecord> {
    return this.group.write(() => this.write(key, patch));
  }

  async putIfVersion(key: string, version: string, patch: Partial<DocumentRecord>): Promise<DocumentRecord | undefined> {
    return this.group.write(() => {
      const row = this.sql("SELECT version FROM documents WHERE key = ?").get(key) as { version: string | null } | undefined;
      return row?.version === version ? this.write(key, patch) : undefined;
    });
  }

  private write(key: string, patch: Partial<DocumentRecord>): DocumentRecord {
    const row = this.sql("SELECT record FROM documents WHERE key = ?").get(key) as { record: string } | undefined;
    const prev: Partial<DocumentRecord> = row ? JSON.parse(row.record) : {};
    const rec = { ...prev, ...patch, key, updatedAt: nowIso() } as DocumentRecord;
    if (!("waiting" in patch)) delete rec.waiting; // a waiting note lasts until the document's next write
    for (const k of Object.keys(rec) as (keyof DocumentRecord)[]) if (rec[k] === undefined) delete rec[k];
    this.sql(`INSERT INTO documents (key, status, content_hash, version, record, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET status = excluded.status, content_hash = excluded.content_hash,
                version = excluded.version, record = excluded.record, updated_at = excluded.updated_at`).run(
      key,
      rec.status,
      rec.contentHash ?? null,
      rec.version ?? null,
      JSON.stringify(rec),
      rec.updatedAt,
    );
    return rec;
  }

  async delete(key: string): Promise<void> {
    await this.group.write(() => {
      this.sql("DELETE FROM documents WHERE key = ?").run(key);
    });
  }

  /** Write transactions committed so far (tests and benches count them). */
  get commits(): number {
    return this.group.commits;
  }

  async list(opts: { prefix?: string; status?: DocumentRecord["status"]; limit?: number; after?: string } = {}): Promise<DocumentRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.prefix) {
      where.push("substr(key, 1, ?) = ?");
      args.push(opts.prefix.length, opts.prefix);
    }
    if (opts.status) {
      where.push("status = ?");
      args.push(opts.status);
    }
    if (opts.after) {
      where.push("key > ?");
      args.push(opts.after);
    }
    const sql = `SELECT record FROM documents ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY key LIMIT ?`;
    return (this.sql(sql).all(...args, opts.limit ?? 1000) as { record: string }[]).map((r) => JSON.parse(r.record));
  }

  static readonly FIND_BY_HASH = "SELECT record FROM documents WHERE content_hash = ? AND status = 'indexed' LIMIT 1";

  async findByHash(contentHash: string): Promise<DocumentRecord | undefined> {
    const row = this.sql(SqliteDocumentCatalog.FIND_BY_HASH).get(contentHash) as { record: string } | undefined;
    return row && JSON.parse(row.record);
  }

  async counts(): Promise<Record<string, number>> {
    const rows = this.sql("SELECT status, COUNT(*) AS n FROM documents GROUP BY status").all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** SQLite's plan for a statement (tests check that lookups stay index lookups). */
  explain(sql: string): string {
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array((sql.match(/\?/g) ?? []).length).fill("x")) as { detail: string }[])
      .map((r) => r.detail)
      .join("; ");
  }

  close() {
    this.group.flush(); // writes already asked for are committed, not dropped
    this.db.close();
  }
}
