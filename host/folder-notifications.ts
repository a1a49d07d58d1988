import { s3Record, type S3Record } from "../events/s3";
import type { FolderObjectStore } from "../shared/adapters/embedded/folder-object-store";
import { openSqlite, type Db } from "../shared/adapters/embedded/sqlite";
import { logger } from "../shared/observability/logger";

// Bucket notifications for the folder bucket: a scan compares each file's fingerprint (size, mtime,
// sidecar) with what was last announced, persisted in SQLite so a restart misses nothing. A new or
// changed file is announced only once it looks the same on two scans in a row, so a file still
// being copied in is never read half-written.

export class FolderNotifications {
  private readonly db: Db;
  private readonly candidates = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private scanning?: Promise<void>;
  private rescan = false;

  constructor(
    private readonly store: FolderObjectStore,
    statePath: string,
    private readonly bucket: string,
    private readonly emit: (records: S3Record[]) => Promise<void>,
    private readonly intervalMs = 500,
  ) {
    this.db = openSqlite(statePath);
    this.db.exec("CREATE TABLE IF NOT EXISTS announced (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL)");
  }

  start() {
    this.store.onChange = () => void this.scan();
    const tick = async () => {
      await this.scan().catch((err) => logger.error("bucket scan failed", { error: err as Error }));
      if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.store.onChange = undefined;
    await this.scanning;
    this.db.close();
  }

  /** One scan; concurrent calls coalesce into one more scan after the current one. */
  scan(): Promise<void> {
    if (this.scanning) { this.rescan = true; return this.scanning; }
    this.scanning = (async () => {
      do { this.rescan = false; await this.scanOnce(); } while (this.rescan);
    })().finally(() => { this.scanning = undefined; });
    return this.scanning;
  }

  private async scanOnce() {
    const announced = new Map((this.db.prepare("SELECT key, fingerprint FROM announced").all() as { key: string; fingerprint: string }[]).map((r) => [r.key, r.fingerprint]));
    const keys = await this.store.keys();
    const present = new Set(keys);
    const created: { key: string; fp: string }[] = [];
    for (const key of keys) {
      const fp = await this.store.fingerprint(key);
      if (!fp || announced.get(key) === fp) { this.candidates.delete(key); continue; }
      if (this.candidates.get(key) === fp) {
        this.candidates.delete(key);
        created.push({ key, fp });
      } else {
        this.candidates.set(key, fp);
        this.rescanSoon();
      }
    }
    const removed = [...announced.keys()].filter((k) => !present.has(k));
    if (!created.length && !removed.length) return;
    // Announce first, then remember: a crash in between re-announces, which the pipeline ignores.
    const records = [
      ...created.map((c) => s3Record("created", this.bucket, c.key)),
      ...removed.map((k) => s3Record("removed", this.bucket, k)),
    ];
    await this.emit(records);
    const upsert = this.db.prepare("INSERT INTO announced (key, fingerprint) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET fingerprint = excluded.fingerprint");
    const del = this.db.prepare("DELETE FROM announced WHERE key = ?");
    this.db.transaction(() => {
      for (const c of created) upsert.run(c.key, c.fp);
      for (const k of removed) del.run(k);
    })();
  }

  private rescanSoon() {
    setTimeout(() => void this.scan().catch(() => undefined), Math.min(200, this.intervalMs)).unref();
  }
}
