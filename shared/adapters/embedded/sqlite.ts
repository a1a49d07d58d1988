import type Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";

// better-sqlite3 is a native module, loaded on the first open rather than on import: a Lambda bundle
// (all ports remote) then neither contains nor needs it (test/unit/deploy/lambda-bundle.test.ts).
let driver: typeof Database | undefined;
const loadDriver = () => (driver ??= createRequire(import.meta.url)("better-sqlite3") as typeof Database);

/**
 * Opens a SQLite file tuned for several processes on one machine (WAL, busy timeout). `pageSize`
 * applies to a new file only (a WAL file keeps the size it was made with): small pages for small,
 * frequent commits, as each commit writes whole pages. `walPages`: pages the WAL may grow to before a
 * checkpoint (SQLite's default is 1,000), for files of many small commits.
 */
export function openSqlite(path: string, opts: { pageSize?: number; walPages?: number } = {}): Database.Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const Driver = loadDriver();
  const db = new Driver(path);
  if (opts.pageSize) db.pragma(`page_size = ${opts.pageSize}`);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 10000");
  db.pragma("foreign_keys = ON");
  if (opts.walPages) {
    // Checkpoints less often (each is an fsync); the WAL file is cut back to this size after one.
    db.pragma(`wal_autocheckpoint = ${opts.walPages}`);
    db.pragma(`journal_size_limit = ${opts.walPages * (opts.pageSize ?? 4096)}`);
  }
  return db;
}

export type Db = Database.Database;
