import { watch, type FSWatcher } from "node:fs";
import { s3Record, type S3Record } from "../events/s3";
import { SIDECAR_SUFFIX, type FolderObjectStore } from "../shared/adapters/embedded/folder-object-store";
import { openSqlite, type Db } from "../shared/adapters/embedded/sqlite";
import { logger } from "../shared/observability/logger";

// Bucket notifications for the folder bucket. The file system says what changed (fs.watch, inotify on
// Linux), and only those keys are looked at; a full scan, rare, is the safety net for what a watcher can
// miss (a platform without recursive watching, an overflowed event queue, changes while the host was
// down). A change is announced only once the file looks the same twice, `settleMs` apart, so a file
// still being copied in is never read half-written. What was announced is persisted in SQLite, so a
// restart misses nothing. An idle host does one scan per `fullScanMs`, not one per tick.

export class FolderNotifications {
  private readonly db: Db;
  private readonly candidates = new Map<string, string>();
  private readonly dirty = new Set<string>();
  private watcher?: FSWatcher;
  private fullTimer?: NodeJS.Timeout;
  private dirtyTimer?: NodeJS.Timeout;
  private running = false;
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: FolderObjectStore,
    statePath: string,
    private readonly bucket: string,
    private readonly emit: (records: S3Record[]) => Promise<void>,
    private readonly settleMs = 500,
    private readonly fullScanMs = 60_000,
    /** false: periodic full scans only (what the bench compares against). */
    private readonly useWatcher = true,
  ) {
    this.db = openSqlite(statePath);
    this.db.exec("CREATE TABLE IF NOT EXISTS announced (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL)");
  }

  /** True when changes come from the file system's own events (false: periodic scans only). */
  get watching(): boolean { return Boolean(this.watcher); }

  start() {
    this.running = true;
    this.store.onChange = (key) => (key ? this.touch(key) : this.scheduleFull(0));
    if (this.useWatcher) try {
      this.watcher = watch(this.store.root, { recursive: true, persistent: false }, (_event, name) => {
        if (name) this.touch(String(name).split(/[\\/]/).join("/"));
        else this.scheduleFull(this.settleMs); // the platform did not say which file: look at all
      });
      this.watcher.on("error", (err) => {
        logger.warn("bucket watcher failed; scanning periodically instead", { error: err as Error });
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (err) {
      logger.warn("bucket folder cannot be watched; scanning periodically instead", { error: err as Error });
    }
    this.scheduleFull(0); // what changed while the host was down
  }

  async stop() {
    this.running = false;
    this.watcher?.close();
    this.watcher = undefined;
    clearTimeout(this.fullTimer);
    clearTimeout(this.dirtyTimer);
    this.store.onChange = undefined;
    await this.busy;
    this.db.close();
  }

  /** A path changed: its key (a sidecar counts for its document) is looked at once it has settled. */
  private touch(path: string) {
    if (!this.running) return;
    const key = path.endsWith(SIDECAR_SUFFIX) ? path.slice(0, -SIDECAR_SUFFIX.length) : path;
    if (key.split("/").some((s) => s.startsWith(".") || !s)) return;
    this.dirty.add(key);
    if (!this.dirtyTimer) this.dirtyTimer = setTimeout(() => { this.dirtyTimer = undefined; this.run(() => this.scanDirty()); }, this.settleMs);
  }

  private scheduleFull(delayMs: number) {
    if (!this.running) return;
    clearTimeout(this.fullTimer);
    // Without a watcher the full scan is the only source of changes, so it runs at the settle pace.
    this.fullTimer = setTimeout(() => {
      this.run(() => this.scanAll()).finally(() => this.scheduleFull(this.watcher ? this.fullScanMs : this.settleMs));
    }, delayMs);
  }

  /** Scans never overlap: each runs after the one before. */
  private run(scan: () => Promise<void>): Promise<void> {
    this.busy = this.busy.then(() => (this.running ? scan() : undefined)).catch((err) => logger.error("bucket scan failed", { error: err as Error }));
    return this.busy;
  }

  /** One full scan (also what tests and the host call directly). */
  scan(): Promise<void> { return this.run(() => this.scanAll()); }

  private async scanAll() {
    const keys = await this.store.keys();
    const present = new Set(keys);
    const announced = this.announced();
    const removed = [...announced.keys()].filter((k) => !present.has(k));
    await this.settle(keys, announced, removed);
  }

  private async scanDirty() {
    const paths = [...this.dirty];
    this.dirty.clear();
    const announced = this.announced();
    const keys = new Set<string>();
    const removed: string[] = [];
    for (const p of paths) {
      // A file that is there, or one that was announced and is gone: that key alone.
      if (await this.store.fingerprint(p)) { keys.add(p); continue; }
      if (announced.has(p)) { removed.push(p); continue; }
      // Otherwise a directory (created, moved in or removed): it stands for every key under it. Only
      // here is the announced list walked, so a burst of file events stays linear.
      const under = new Set(await this.store.keys(p + "/").catch(() => [] as string[]));
      for (const k of under) keys.add(k);
      for (const k of announced.keys()) if (k.startsWith(p + "/") && !under.has(k)) removed.push(k);
    }
    await this.settle([...keys], announced, removed);
  }

  private announced(): Map<string, string> {
    return new Map((this.db.prepare("SELECT key, fingerprint FROM announced").all() as { key: string; fingerprint: string }[]).map((r) => [r.key, r.fingerprint]));
  }

  /** Announces keys whose fingerprint is stable and new, and removals; unsettled keys are looked at again. */
  private async settle(keys: string[], announced: Map<string, string>, removed: string[]) {
    const created: { key: string; fp: string }[] = [];
    for (const key of keys) {
      const fp = await this.store.fingerprint(key);
      if (!fp || announced.get(key) === fp) { this.candidates.delete(key); continue; }
      if (this.candidates.get(key) === fp) {
        this.candidates.delete(key);
        created.push({ key, fp });
      } else {
        this.candidates.set(key, fp);
        this.touch(key); // look again once it has had time to settle
      }
    }
    if (!created.length && !removed.length) return;
    // Announce first, then remember: a crash in between re-announces, which the pipeline ignores.
    await this.emit([
      ...created.map((c) => s3Record("created", this.bucket, c.key)),
      ...removed.map((k) => s3Record("removed", this.bucket, k)),
    ]);
    const upsert = this.db.prepare("INSERT INTO announced (key, fingerprint) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET fingerprint = excluded.fingerprint");
    const del = this.db.prepare("DELETE FROM announced WHERE key = ?");
    this.db.transaction(() => {
      for (const c of created) upsert.run(c.key, c.fp);
      for (const k of removed) del.run(k);
    })();
  }
}
