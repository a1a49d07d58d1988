import { statSync, watch, type FSWatcher } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { s3Record, type S3Record } from "../events/s3";
import { SIDECAR_SUFFIX, type FolderObjectStore } from "../shared/adapters/embedded/folder-object-store";
import type { Statement } from "better-sqlite3";
import { openSqlite, type Db } from "../shared/adapters/embedded/sqlite";
import { logger } from "../shared/observability/logger";

// Bucket notifications for the folder bucket. The file system says what changed (fs.watch, inotify on
// Linux), and only those keys are looked at; a full scan, rare, is the safety net for what a watcher can
// miss (a platform without recursive watching, an overflowed event queue, changes while the host was
// down). A file written in place is announced only once it looks the same twice, `settleMs` apart, so
// a file still being copied in is never read half-written; the first look comes at once
// (QUICK_LOOK_MS), so a file waits one settle period, not two. A file renamed into the folder (how
// rsync, mv and this host's own uploads arrive) is complete when it appears: the watcher reports it
// with a rename and no write, and it is announced after two looks MOVED_IN_QUIET_MS apart that saw no
// write to it (any write event, or a key found by a scan, falls back to the settle period; a copier's
// every write is an event). What was announced is persisted in SQLite, so a restart
// misses nothing. An idle host does one scan per `fullScanMs`, not one per tick.
// Each folder has its own (non-recursive) watcher: Node's recursive fs.watch on Linux is emulated in
// JavaScript, re-reading a whole folder on every event in it and holding a watcher per file, which
// made a burst of n dropped files cost n full directory reads.

/** How long touches are gathered before a first look: a burst of events becomes one batch. */
const QUICK_LOOK_MS = 20;
/** A file renamed in is announced when two looks this far apart saw it unchanged and no write to it. */
const MOVED_IN_QUIET_MS = 50;

export class FolderNotifications {
  private readonly db: Db;
  /** Keys seen changed and not announced yet: the fingerprint seen, and since when (ms epoch). */
  private readonly candidates = new Map<string, { fp: string; since: number }>();
  /** Keys the watcher (or this host's own store) reported renamed into place, with no write seen since. */
  private readonly movedIn = new Set<string>();
  /** Keys to look at, with when (ms epoch). */
  private readonly due = new Map<string, number>();
  /** Watched folders by path relative to the root ("" the root itself). */
  private readonly watchers = new Map<string, FSWatcher>();
  private watchFailed = false;
  private fullTimer?: NodeJS.Timeout;
  private dueTimer?: NodeJS.Timeout;
  private dueTimerAt = Infinity;
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
  get watching(): boolean {
    return this.watchers.size > 0;
  }

  start() {
    this.running = true;
    // The store's own writes are renamed into place: complete once they appear.
    this.store.onChange = (key) => (key ? this.touch(key, QUICK_LOOK_MS, "rename") : this.scheduleFull(0));
    if (this.useWatcher) this.watchDir(""); // the sub-folders are added by the first full scan
    this.scheduleFull(0); // what changed while the host was down
  }

  /** Watches one folder; a failure anywhere turns watching off (periodic scans find everything). */
  private watchDir(rel: string) {
    if (!this.running || this.watchFailed || this.watchers.has(rel)) return;
    const onError = (err: unknown) => {
      logger.warn("bucket folder cannot be watched; scanning periodically instead", { folder: rel || "/", error: err as Error });
      this.watchFailed = true;
      this.closeWatchers();
      this.scheduleFull(this.settleMs);
    };
    try {
      const w = watch(rel ? join(this.store.root, ...rel.split("/")) : this.store.root, { persistent: false }, (event, name) => {
        if (name) this.touch(rel ? `${rel}/${String(name)}` : String(name), QUICK_LOOK_MS, event);
        else this.scheduleFull(this.settleMs); // the platform did not say which file: look at all
      });
      // A folder removed under its watcher: forgotten (its removal is a touch in the parent folder).
      w.on("error", (err) => (rel && (err as NodeJS.ErrnoException).code === "EPERM" ? this.unwatch(rel) : onError(err)));
      this.watchers.set(rel, w);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && rel) return; // gone before it was watched
      onError(err);
    }
  }

  /** Watches a folder and every folder under it that is not watched yet (hidden ones hold no objects). */
  private async watchTree(rel: string) {
    if (!this.useWatcher || this.watchFailed) return;
    this.watchDir(rel); // before the listing, so nothing created in between is missed
    let entries;
    try {
      entries = await readdir(rel ? join(this.store.root, ...rel.split("/")) : this.store.root, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith(".")) await this.watchTree(rel ? `${rel}/${e.name}` : e.name);
  }

  private unwatch(rel: string) {
    for (const [dir, w] of this.watchers)
      if (dir && (dir === rel || dir.startsWith(rel + "/"))) {
        w.close();
        this.watchers.delete(dir);
      }
  }

  private closeWatchers() {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  async stop() {
    this.running = false;
    this.closeWatchers();
    clearTimeout(this.fullTimer);
    clearTimeout(this.dueTimer);
    this.store.onChange = undefined;
    await this.busy;
    this.db.close();
  }

  /**
   * A path changed: its key (a sidecar counts for its document) is looked at after `delayMs`. `event`:
   * what the watcher said; a write ("change") means the file is written in place and must settle.
   */
  private touch(path: string, delayMs = QUICK_LOOK_MS, event?: string) {
    if (!this.running) return;
    const key = path.endsWith(SIDECAR_SUFFIX) ? path.slice(0, -SIDECAR_SUFFIX.length) : path;
    if (key.split("/").some((s) => s.startsWith(".") || !s)) return;
    if (event === "change") this.movedIn.delete(key);
    else if (event === "rename" && key === path && !this.candidates.has(key)) this.movedIn.add(key);
    const at = Date.now() + delayMs;
    if ((this.due.get(key) ?? Infinity) > at) this.due.set(key, at);
    if (at < this.dueTimerAt) this.armDue(at);
  }

  private armDue(at: number) {
    clearTimeout(this.dueTimer);
    this.dueTimerAt = at;
    this.dueTimer = setTimeout(
      () => {
        this.dueTimer = undefined;
        this.dueTimerAt = Infinity;
        const now = Date.now();
        const paths: string[] = [];
        let next = Infinity;
        for (const [k, t] of this.due) {
          if (t <= now) {
            paths.push(k);
            this.due.delete(k);
          } else next = Math.min(next, t);
        }
        if (next < Infinity) this.armDue(Math.max(next, now + QUICK_LOOK_MS)); // keys due close together are looked at together
        // The look waits for the events already queued (a write reported late must not pass for none).
        if (paths.length) void this.run(() => new Promise((r) => setImmediate(r)).then(() => this.scanDirty(paths)));
      },
      Math.max(0, at - Date.now()),
    );
  }

  private scheduleFull(delayMs: number) {
    if (!this.running) return;
    clearTimeout(this.fullTimer);
    // Without a watcher the full scan is the only source of changes, so it runs at the settle pace.
    this.fullTimer = setTimeout(() => {
      this.run(() => this.scanAll()).finally(() => this.scheduleFull(this.watching ? this.fullScanMs : this.settleMs));
    }, delayMs);
  }

  /** Scans never overlap: each runs after the one before. */
  private run(scan: () => Promise<void>): Promise<void> {
    this.busy = this.busy.then(() => (this.running ? scan() : undefined)).catch((err) => logger.error("bucket scan failed", { error: err as Error }));
    return this.busy;
  }

  /** One full scan (also what tests and the host call directly). */
  scan(): Promise<void> {
    return this.run(() => this.scanAll());
  }

  private async scanAll() {
    await this.watchTree(""); // folders a watcher may have missed (and, at start, all of them)
    const keys = await this.store.keys();
    const present = new Set(keys);
    const announced = new Map(
      (this.db.prepare("SELECT key, fingerprint FROM announced").all() as { key: string; fingerprint: string }[]).map((r) => [r.key, r.fingerprint]),
    );
    const removed = [...announced.keys()].filter((k) => !present.has(k));
    await this.settle(new Map(keys.map((k) => [k, undefined])), (k) => announced.get(k), removed);
  }

  /** Only the touched keys are looked up (a burst of events costs per event, not per bucket). */
  private async scanDirty(paths: string[]) {
    const one = this.sql("SELECT fingerprint FROM announced WHERE key = ?");
    const announced = (k: string) => (one.get(k) as { fingerprint: string } | undefined)?.fingerprint;
    const keys = new Map<string, string | undefined>();
    const removed: string[] = [];
    for (const p of paths) {
      // A file that is there, or one that was announced and is gone: that key alone.
      const fp = this.store.fingerprint(p);
      if (!fp) this.movedIn.delete(p);
      if (fp) {
        keys.set(p, fp);
        continue;
      }
      if (announced(p) !== undefined) {
        removed.push(p);
        continue;
      }
      // Otherwise a directory (created, moved in or removed): it stands for every key under it.
      if (await this.store.isFolder(p)) await this.watchTree(p);
      else this.unwatch(p);
      const under = new Set(await this.store.keys(p + "/").catch(() => [] as string[]));
      for (const k of under) keys.set(k, undefined);
      // Keys from "p/" up to "p0" ("0" follows "/"): those under the folder.
      const before = this.sql("SELECT key FROM announced WHERE key > ? AND key < ?").all(p + "/", p + "0") as { key: string }[];
      for (const { key } of before) if (!under.has(key)) removed.push(key);
    }
    await this.settle(keys, announced, removed);
  }

  /** An empty file renamed in may be a copier's just-created target: it waits the settle period. */
  private hasBytes(key: string): boolean {
    return (this.sizeOf(key) ?? 0) > 0;
  }

  private sizeOf(key: string): number | undefined {
    return statSync(join(this.store.root, ...key.split("/")), { throwIfNoEntry: false })?.size;
  }

  private readonly statements = new Map<string, Statement>();
  private sql(text: string): Statement {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  /**
   * Announces keys whose fingerprint is stable and new, and removals; unsettled keys are looked at
   * again. `keys`: each with its fingerprint when just taken (undefined: taken here).
   */
  private async settle(keys: Map<string, string | undefined>, announced: (key: string) => string | undefined, removed: string[]) {
    const created: { key: string; fp: string }[] = [];
    let looked = 0;
    for (const [key, known] of keys) {
      if (++looked % 256 === 0) await new Promise((r) => setImmediate(r)); // a full scan of a large bucket lets requests in
      const fp = known ?? this.store.fingerprint(key);
      if (!fp || announced(key) === fp) {
        this.candidates.delete(key);
        this.movedIn.delete(key);
        continue;
      }
      const seen = this.candidates.get(key);
      if (seen?.fp !== fp) {
        // New, or changed since the last look (then written in place after all).
        if (seen || !this.hasBytes(key)) this.movedIn.delete(key);
        this.candidates.set(key, { fp, since: Date.now() });
      }
      // Announced once unchanged for its quiet period (a file renamed in and never written: a short one).
      const since = this.candidates.get(key)!.since;
      const quietUntil = since + (this.movedIn.has(key) ? MOVED_IN_QUIET_MS : this.settleMs);
      if (Date.now() >= quietUntil) {
        this.candidates.delete(key);
        this.movedIn.delete(key);
        created.push({ key, fp });
      } else this.touch(key, quietUntil - Date.now()); // look again then
    }
    if (!created.length && !removed.length) return;
    // Announce first, then remember: a crash in between re-announces, which the pipeline ignores.
    // The size, as S3 sends it: the host runs many small documents at once, few large ones.
    await this.emit([
      ...created.map((c) => s3Record("created", this.bucket, c.key, { size: this.sizeOf(c.key) })),
      ...removed.map((k) => s3Record("removed", this.bucket, k)),
    ]);
    const upsert = this.sql("INSERT INTO announced (key, fingerprint) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET fingerprint = excluded.fingerprint");
    const del = this.sql("DELETE FROM announced WHERE key = ?");
    this.db.transaction(() => {
      for (const c of created) upsert.run(c.key, c.fp);
      for (const k of removed) del.run(k);
    })();
  }
}
