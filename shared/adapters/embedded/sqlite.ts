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

/**
 * Group commit for one connection: writes asked in the same turn of the event loop share one
 * transaction (flushed on the next `setImmediate`). A write resolves only once committed (nothing
 * acknowledged is lost to a kill), and runs under its own savepoint, so one that throws is undone
 * and fails alone.
 */
export class GroupCommit {
  private pending: PendingWrite[] = [];
  private flushQueued = false;
  /** Write transactions committed (tests and benches count them). */
  commits = 0;
  private readonly applyOne: Database.Transaction<(w: PendingWrite) => void>;
  private readonly commitTx: Database.Transaction<(writes: PendingWrite[]) => void>;

  constructor(private readonly db: Database.Database) {
    this.applyOne = db.transaction((w: PendingWrite) => {
      w.result = w.apply();
    });
    this.commitTx = db.transaction((writes: PendingWrite[]) => {
      for (const w of writes) {
        try {
          this.applyOne(w);
        } catch (err) {
          w.failed = true;
          w.error = err;
        }
      }
    });
  }

  /** `committed`: called once the write is committed (e.g. to wake those waiting for it). */
  write<T>(apply: () => T, committed?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ apply, resolve: resolve as (v: unknown) => void, reject, committed });
      if (this.flushQueued) return;
      this.flushQueued = true;
      setImmediate(() => this.flush());
    });
  }

  /** Commits the waiting writes now (close calls it: what was asked is kept). */
  flush() {
    this.flushQueued = false;
    if (!this.pending.length) return;
    const writes = this.pending;
    this.pending = [];
    try {
      this.commitTx.immediate(writes);
      this.commits++;
    } catch (err) {
      for (const w of writes) w.reject(err);
      return;
    }
    for (const w of writes) {
      if (w.failed) w.reject(w.error);
      else {
        w.resolve(w.result);
        w.committed?.();
      }
    }
  }
}

interface PendingWrite {
  apply: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  committed?: () => void;
  result?: unknown;
  failed?: boolean;
  error?: unknown;
}
