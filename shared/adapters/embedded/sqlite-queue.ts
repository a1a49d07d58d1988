import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import type { LeaseRecovery, LostLease, Queue, QueueMessage, ReceiveOptions } from "../../ports/queue";
import { dlqName } from "../../ports/queue";
import { logger } from "../../observability/logger";
import type { Statement } from "better-sqlite3";
import { GroupCommit, openSqlite, type Db } from "./sqlite";

// A durable queue in SQLite with SQS semantics: visibility timeout, receive count, redrive to
// `<queue>-dlq` after maxReceives, delete by receipt handle (a stale receipt deletes nothing).
// Every queue object is an instance with a row in `instances` (pid, machine, last heartbeat); a
// lease names its instance, so leases of an instance that is gone are released at once instead of
// waiting out the visibility timeout (see releaseLost).
// An empty poll costs a read, not a write transaction: receivers look whether anything is due
// before taking the write lock (an idle poller no longer queues behind, or blocks, the writers).
// Group commit: sends, leases, deletes and visibility changes made in the same turn of the event
// loop share one transaction (a poller's deletes of the batch it finished commit with the lease of
// its next one; pollers woken by one send lease in one commit). Each write still resolves only once
// committed, and fails alone (its own savepoint) when it throws.

interface Row {
  seq: number;
  id: string;
  body: string;
  attributes: string | null;
  sent_at: number;
  receive_count: number;
}

export class SqliteQueue implements Queue, LeaseRecovery {
  readonly name = "sqlite-queue";
  /** This queue object's instance id: its leases carry it. */
  readonly instanceId = randomUUID();
  private readonly db: Db;
  private heartbeat?: NodeJS.Timeout;
  private readonly wake = new EventEmitter();
  private readonly statements = new Map<string, Statement>();
  /** Writes share commits (see GroupCommit); `commits` counts them. */
  private readonly group: GroupCommit;

  constructor(path: string) {
    this.db = openSqlite(path, { walPages: QUEUE_WAL_PAGES });
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE, queue TEXT NOT NULL, body TEXT NOT NULL, attributes TEXT,
        sent_at INTEGER NOT NULL, visible_at INTEGER NOT NULL, receive_count INTEGER NOT NULL DEFAULT 0,
        receipt TEXT, owner_pid INTEGER);
      CREATE INDEX IF NOT EXISTS messages_ready ON messages(queue, visible_at);
      CREATE TABLE IF NOT EXISTS instances (
        id TEXT PRIMARY KEY, pid INTEGER NOT NULL, machine TEXT NOT NULL, started_at INTEGER NOT NULL,
        last_seen INTEGER NOT NULL, heartbeat_ms INTEGER, pid_start TEXT);
      CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL);`);
    // Queue files from before instances: add the lease owner and lease time.
    const cols = new Set((this.db.prepare("PRAGMA table_info(messages)").all() as { name: string }[]).map((c) => c.name));
    if (!cols.has("owner")) this.db.exec("ALTER TABLE messages ADD COLUMN owner TEXT");
    if (!cols.has("leased_at")) this.db.exec("ALTER TABLE messages ADD COLUMN leased_at INTEGER");
    this.db.exec("CREATE INDEX IF NOT EXISTS messages_owner ON messages(owner)");
    // A receipt names its message (`<id>:<nonce>`): found by id, so no index on receipts to keep up on every lease.
    this.db.exec("DROP INDEX IF EXISTS messages_receipt");
    this.group = new GroupCommit(this.db);
    LIVE_HERE.add(this.instanceId);
    this.register();
    this.wake.setMaxListeners(0);
  }

  /** Statements are prepared once per queue object, not on every call. */
  private sql(text: string): Statement {
    let s = this.statements.get(text);
    if (!s) this.statements.set(text, (s = this.db.prepare(text)));
    return s;
  }

  /**
   * Declares this instance alive every `periodMs`. On this machine a lost instance is found by its
   * process (gone, or its pid now another process's); on another machine (another pid namespace)
   * only by its heartbeat: silent for 5 periods + 2 s, its leases go back to the queue.
   */
  startHeartbeat(periodMs: number) {
    this.stopHeartbeat();
    const beat = () => {
      const seen = this.db.prepare("UPDATE instances SET last_seen = ?, heartbeat_ms = ? WHERE id = ?").run(Date.now(), periodMs, this.instanceId).changes;
      // Judged lost (a stall past the heartbeat margin): its leases went back to the queue and its
      // old receipts are dead. Register again so its new leases are not taken too.
      if (!seen) {
        this.register(periodMs);
        logger.warn("this host instance had been judged lost; its earlier leases were released", { instance: this.instanceId });
      }
    };
    beat();
    this.heartbeat = setInterval(() => {
      try {
        beat();
      } catch {
        /* closed or busy: the next beat */
      }
    }, periodMs);
    this.heartbeat.unref();
  }

  private register(heartbeatMs?: number) {
    const now = Date.now();
    this.db
      .prepare("INSERT OR REPLACE INTO instances (id, pid, machine, started_at, last_seen, heartbeat_ms, pid_start) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(this.instanceId, process.pid, MACHINE, now, now, heartbeatMs ?? null, processStart(process.pid) ?? null);
  }

  stopHeartbeat() {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  async send(queue: string, body: string, opts: { delaySeconds?: number; attributes?: Record<string, string> } = {}): Promise<string> {
    const id = randomUUID();
    const attributes = opts.attributes ? JSON.stringify(opts.attributes) : null;
    return this.write(() => {
      const now = Date.now();
      this.sql("INSERT INTO messages (id, queue, body, attributes, sent_at, visible_at) VALUES (?, ?, ?, ?, ?, ?)").run(
        id,
        queue,
        body,
        attributes,
        now,
        now + (opts.delaySeconds ?? 0) * 1000,
      );
      return id;
    }, queue);
  }

  async sendBatch(queue: string, bodies: string[]): Promise<string[]> {
    return this.write(() => {
      const now = Date.now();
      return bodies.map((b) => this.insertOne(queue, b, now));
    }, queue);
  }

  private insertOne(queue: string, body: string, now: number): string {
    const id = randomUUID();
    this.sql("INSERT INTO messages (id, queue, body, sent_at, visible_at) VALUES (?, ?, ?, ?, ?)").run(id, queue, body, now, now);
    return id;
  }

  /** A write joins the next commit; `wakes`: the queue whose receivers learn of it once committed. */
  private write<T>(apply: () => T, wakes?: string): Promise<T> {
    return this.group.write(apply, wakes ? () => this.wake.emit(wakes) : undefined);
  }

  /** Write transactions committed so far (tests and benches count them). */
  get commits(): number {
    return this.group.commits;
  }

  async receive(queue: string, opts: ReceiveOptions): Promise<QueueMessage[]> {
    const deadline = Date.now() + (opts.waitSeconds ?? 0) * 1000;
    for (;;) {
      const got = await this.receiveNow(queue, opts);
      if (got.length || Date.now() >= deadline) return got;
      // Woken at once by a send in this process; other processes' sends are seen by the poll.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.wake.off(queue, done);
          resolve();
        };
        const t = setTimeout(done, Math.min(100, Math.max(1, deadline - Date.now())));
        this.wake.on(queue, done);
      });
    }
  }

  private async receiveNow(queue: string, opts: ReceiveOptions): Promise<QueueMessage[]> {
    // Nothing due: answered by a read (WAL readers take no lock), no write transaction.
    if (!this.sql("SELECT 1 FROM messages WHERE queue = ? AND visible_at <= ? LIMIT 1").get(queue, Date.now())) return [];
    // A lease is a write like the others: leases asked in the same turn (pollers woken by one send)
    // and the writes waiting (a poller's deletes of its last batch) share one commit.
    return this.write(() => this.leaseDueNow(queue, opts));
  }

  /** Leases up to maxMessages due messages (those past maxReceives go to the DLQ instead); run in one write transaction. */
  private leaseDueNow(queue: string, opts: ReceiveOptions): QueueMessage[] {
    const pick = this.sql(
      "SELECT seq, id, body, attributes, sent_at, receive_count FROM messages WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?",
    );
    const toDlq = this.sql("UPDATE messages SET queue = ?, receive_count = 0, visible_at = ?, receipt = NULL, owner = NULL WHERE seq = ?");
    const lease = this.sql("UPDATE messages SET receive_count = receive_count + 1, visible_at = ?, receipt = ?, owner = ?, leased_at = ? WHERE seq = ?");
    const now = Date.now();
    const out: QueueMessage[] = [];
    while (out.length < opts.maxMessages) {
      const rows = pick.all(queue, now, opts.maxMessages - out.length) as Row[];
      if (!rows.length) break;
      for (const r of rows) {
        if (opts.maxReceives && r.receive_count >= opts.maxReceives) {
          toDlq.run(dlqName(queue), now, r.seq);
          continue;
        }
        const receipt = `${r.id}:${randomUUID()}`;
        lease.run(now + opts.visibilityTimeoutSeconds * 1000, receipt, this.instanceId, now, r.seq);
        out.push({
          id: r.id,
          receiptHandle: receipt,
          body: r.body,
          receiveCount: r.receive_count + 1,
          sentAt: new Date(r.sent_at).toISOString(),
          attributes: r.attributes ? JSON.parse(r.attributes) : undefined,
        });
      }
    }
    return out;
  }

  async delete(_queue: string, receiptHandle: string): Promise<void> {
    await this.write(() => {
      this.sql("DELETE FROM messages WHERE id = ? AND receipt = ?").run(messageOf(receiptHandle), receiptHandle);
    });
  }

  async changeVisibility(queue: string, receiptHandle: string, seconds: number): Promise<void> {
    await this.write(
      () => {
        this.sql("UPDATE messages SET visible_at = ? WHERE id = ? AND receipt = ?").run(Date.now() + seconds * 1000, messageOf(receiptHandle), receiptHandle);
      },
      seconds <= 0 ? queue : undefined,
    );
  }

  async depth(queue: string): Promise<{ visible: number; inFlight: number }> {
    const now = Date.now();
    const r = this.sql(
      "SELECT SUM(visible_at <= ? OR receipt IS NULL) AS visible, SUM(visible_at > ? AND receipt IS NOT NULL) AS inFlight FROM messages WHERE queue = ?",
    ).get(now, now, queue) as { visible: number | null; inFlight: number | null };
    return { visible: r.visible ?? 0, inFlight: r.inFlight ?? 0 };
  }

  /**
   * Leases held by instances that are gone: a process on this machine that no longer exists (or
   * whose pid is now another process's, e.g. this one's in a restarted container), an instance on
   * another machine whose heartbeat stopped, or one that closed. They are claimed by this instance, fenced (their receipts stop working, so
   * a late delete or visibility change from the lost worker does nothing) and kept invisible for
   * `holdSeconds`, so the caller can record why before `release` makes them visible. A pid is
   * never trusted alone: it is compared with the process's start time, so a reused pid is seen.
   */
  claimLost(holdSeconds = 60): LostLease[] {
    return this.db
      .transaction(() => {
        const now = Date.now();
        const instances = this.db
          .prepare("SELECT id, pid, machine, last_seen, heartbeat_ms, pid_start FROM instances WHERE id != ?")
          .all(this.instanceId) as InstanceRow[];
        const gone = instances.filter((i) => isGone(i, now));
        const lostAt = new Map(gone.map((i) => [i.id, i.last_seen]));
        // Owners without a row closed (or were swept); legacy leases without an owner wait for their timeout.
        const rows = this.db
          .prepare(`SELECT m.id, m.queue, m.body, m.receive_count, m.owner, m.leased_at, i.id AS live FROM messages m
        LEFT JOIN instances i ON i.id = m.owner WHERE m.owner IS NOT NULL AND m.owner != ? AND m.visible_at > ? AND m.queue NOT LIKE '%-dlq'`)
          .all(this.instanceId, now) as {
          id: string;
          queue: string;
          body: string;
          receive_count: number;
          owner: string;
          leased_at: number | null;
          live: string | null;
        }[];
        const claim = this.db.prepare("UPDATE messages SET owner = ?, receipt = ?, visible_at = ? WHERE id = ?");
        const out: LostLease[] = [];
        for (const r of rows) {
          if (r.live && !lostAt.has(r.owner)) continue;
          const receipt = `${r.id}:${randomUUID()}`;
          claim.run(this.instanceId, receipt, now + holdSeconds * 1000, r.id);
          out.push({
            queue: r.queue,
            messageId: r.id,
            receiptHandle: receipt,
            body: r.body,
            receiveCount: r.receive_count,
            lostAt: new Date(lostAt.get(r.owner) ?? r.leased_at ?? now).toISOString(),
          });
        }
        const del = this.db.prepare("DELETE FROM instances WHERE id = ?");
        for (const i of gone) del.run(i.id);
        return out;
      })
      .immediate();
  }

  /** Makes claimed lost leases visible again now (their next receive is the next attempt). */
  release(leases: LostLease[]) {
    const visible = this.sql("UPDATE messages SET visible_at = ?, receipt = NULL, owner = NULL WHERE id = ? AND receipt = ?");
    this.db.transaction(() => {
      for (const l of leases) visible.run(Date.now(), messageOf(l.receiptHandle), l.receiptHandle);
    })();
    for (const q of new Set(leases.map((l) => l.queue))) this.wake.emit(q);
  }

  /** claimLost + release in one step, for callers with nothing to record. */
  recoverAbandoned(): number {
    const lost = this.claimLost();
    this.release(lost);
    return lost.length;
  }

  /**
   * A lease by name (a schedule that must not run beside itself on several replicas): taken when
   * free, expired, held by this instance (renewal) or by an instance that is gone.
   */
  tryLease(name: string, ttlMs: number): boolean {
    const now = Date.now();
    return (
      this.db
        .prepare(`INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
      WHERE leases.expires_at < ? OR leases.holder = excluded.holder OR leases.holder NOT IN (SELECT id FROM instances)`)
        .run(name, this.instanceId, now + ttlMs, now).changes > 0
    );
  }

  releaseLease(name: string) {
    this.db.prepare("DELETE FROM leases WHERE name = ? AND holder = ?").run(name, this.instanceId);
  }

  /** Reads without leasing (operators and tests look into dead-letter queues with it). */
  peek(queue: string, limit = 100): { id: string; body: string; sentAt: string }[] {
    return (this.db.prepare("SELECT id, body, sent_at FROM messages WHERE queue = ? ORDER BY seq LIMIT ?").all(queue, limit) as Row[]).map((r) => ({
      id: r.id,
      body: r.body,
      sentAt: new Date(r.sent_at).toISOString(),
    }));
  }

  close() {
    this.group.flush(); // writes already asked for are committed, not dropped
    this.stopHeartbeat();
    LIVE_HERE.delete(this.instanceId);
    // A clean stop: this instance's remaining leases (none after pollers stopped) go to others at once.
    try {
      this.db.prepare("DELETE FROM instances WHERE id = ?").run(this.instanceId);
    } catch {
      /* already closed */
    }
    this.db.close();
  }
}

/** The message id a receipt handle names (`<id>:<nonce>`). */
const messageOf = (receipt: string): string => receipt.slice(0, Math.max(0, receipt.lastIndexOf(":")));

/**
 * WAL pages between checkpoints. Every message costs three small commits (send, lease, delete) to
 * the same few pages; a longer WAL lets a checkpoint copy each page once for many commits, and
 * checkpoints (each an fsync) come a tenth as often.
 */
const QUEUE_WAL_PAGES = 10_000;

interface InstanceRow {
  id: string;
  pid: number;
  machine: string;
  last_seen: number;
  heartbeat_ms: number | null;
  pid_start: string | null;
}

/** This machine (and pid namespace): pids compare only within it. */
const MACHINE = (() => {
  let ns = "";
  try {
    ns = readlinkSync("/proc/self/ns/pid");
  } catch {
    /* not Linux */
  }
  return `${hostname()}${ns ? `/${ns}` : ""}`;
})();

/** Instances of this process (several queue objects may share one file, e.g. in tests). */
const LIVE_HERE = new Set<string>();

function isGone(i: InstanceRow, now: number): boolean {
  if (LIVE_HERE.has(i.id)) return false;
  if (i.machine !== MACHINE) return Boolean(i.heartbeat_ms) && now - i.last_seen > 5 * i.heartbeat_ms! + 2000;
  // On this machine the process itself tells, whatever its event loop is doing: this process holds
  // the pid now (a restarted container gets the same pid), the pid does not exist, or it belongs
  // to a process started at another time (reused).
  if (i.pid === process.pid || !isAlive(i.pid)) return true;
  const start = processStart(i.pid);
  return Boolean(i.pid_start && start && start !== i.pid_start);
}

/** A process's start time (clock ticks since boot, /proc/<pid>/stat field 22); undefined off Linux. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
