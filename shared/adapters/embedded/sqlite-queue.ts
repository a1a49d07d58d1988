import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Queue, QueueMessage, ReceiveOptions } from "../../ports/queue";
import { dlqName } from "../../ports/queue";
import { openSqlite, type Db } from "./sqlite";

// A durable queue in SQLite with SQS semantics: visibility timeout, receive count, redrive to
// `<queue>-dlq` after maxReceives, delete by receipt handle (a stale receipt deletes nothing).

interface Row { id: string; body: string; attributes: string | null; sent_at: number; receive_count: number }

export class SqliteQueue implements Queue {
  readonly name = "sqlite-queue";
  private readonly db: Db;
  private readonly wake = new EventEmitter();

  constructor(path: string) {
    this.db = openSqlite(path);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE, queue TEXT NOT NULL, body TEXT NOT NULL, attributes TEXT,
        sent_at INTEGER NOT NULL, visible_at INTEGER NOT NULL, receive_count INTEGER NOT NULL DEFAULT 0,
        receipt TEXT, owner_pid INTEGER);
      CREATE INDEX IF NOT EXISTS messages_ready ON messages(queue, visible_at);
      CREATE INDEX IF NOT EXISTS messages_receipt ON messages(receipt);`);
    this.wake.setMaxListeners(0);
  }

  async send(queue: string, body: string, opts: { delaySeconds?: number; attributes?: Record<string, string> } = {}): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    this.db
      .prepare("INSERT INTO messages (id, queue, body, attributes, sent_at, visible_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(id, queue, body, opts.attributes ? JSON.stringify(opts.attributes) : null, now, now + (opts.delaySeconds ?? 0) * 1000);
    this.wake.emit(queue);
    return id;
  }

  async sendBatch(queue: string, bodies: string[]): Promise<string[]> {
    const now = Date.now();
    const insert = this.db.prepare("INSERT INTO messages (id, queue, body, sent_at, visible_at) VALUES (?, ?, ?, ?, ?)");
    const ids = this.db.transaction(() => bodies.map((b) => { const id = randomUUID(); insert.run(id, queue, b, now, now); return id; }))();
    this.wake.emit(queue);
    return ids;
  }

  async receive(queue: string, opts: ReceiveOptions): Promise<QueueMessage[]> {
    const deadline = Date.now() + (opts.waitSeconds ?? 0) * 1000;
    for (;;) {
      const got = this.receiveNow(queue, opts);
      if (got.length || Date.now() >= deadline) return got;
      // Woken at once by a send in this process; other processes' sends are seen by the poll.
      await new Promise<void>((resolve) => {
        const done = () => { clearTimeout(t); this.wake.off(queue, done); resolve(); };
        const t = setTimeout(done, Math.min(100, Math.max(1, deadline - Date.now())));
        this.wake.on(queue, done);
      });
    }
  }

  private receiveNow(queue: string, opts: ReceiveOptions): QueueMessage[] {
    const pick = this.db.prepare("SELECT id, body, attributes, sent_at, receive_count FROM messages WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?");
    const toDlq = this.db.prepare("UPDATE messages SET queue = ?, receive_count = 0, visible_at = ?, receipt = NULL, owner_pid = NULL WHERE id = ?");
    const lease = this.db.prepare("UPDATE messages SET receive_count = receive_count + 1, visible_at = ?, receipt = ?, owner_pid = ? WHERE id = ?");
    return this.db.transaction(() => {
      const now = Date.now();
      const out: QueueMessage[] = [];
      while (out.length < opts.maxMessages) {
        const rows = pick.all(queue, now, opts.maxMessages - out.length) as Row[];
        if (!rows.length) break;
        for (const r of rows) {
          if (opts.maxReceives && r.receive_count >= opts.maxReceives) {
            toDlq.run(dlqName(queue), now, r.id);
            continue;
          }
          const receipt = `${r.id}:${randomUUID()}`;
          lease.run(now + opts.visibilityTimeoutSeconds * 1000, receipt, process.pid, r.id);
          out.push({
            id: r.id, receiptHandle: receipt, body: r.body, receiveCount: r.receive_count + 1,
            sentAt: new Date(r.sent_at).toISOString(), attributes: r.attributes ? JSON.parse(r.attributes) : undefined,
          });
        }
      }
      return out;
    }).immediate();
  }

  async delete(_queue: string, receiptHandle: string): Promise<void> {
    this.db.prepare("DELETE FROM messages WHERE receipt = ?").run(receiptHandle);
  }

  async changeVisibility(_queue: string, receiptHandle: string, seconds: number): Promise<void> {
    this.db.prepare("UPDATE messages SET visible_at = ? WHERE receipt = ?").run(Date.now() + seconds * 1000, receiptHandle);
  }

  async depth(queue: string): Promise<{ visible: number; inFlight: number }> {
    const now = Date.now();
    const r = this.db
      .prepare("SELECT SUM(visible_at <= ? OR receipt IS NULL) AS visible, SUM(visible_at > ? AND receipt IS NOT NULL) AS inFlight FROM messages WHERE queue = ?")
      .get(now, now, queue) as { visible: number | null; inFlight: number | null };
    return { visible: r.visible ?? 0, inFlight: r.inFlight ?? 0 };
  }

  /** Messages still leased by a process that no longer exists become visible again at once. */
  recoverAbandoned(): number {
    const now = Date.now();
    const owners = this.db.prepare("SELECT DISTINCT owner_pid AS pid FROM messages WHERE visible_at > ? AND owner_pid IS NOT NULL").all(now) as { pid: number }[];
    let released = 0;
    for (const { pid } of owners) {
      if (pid === process.pid || isAlive(pid)) continue;
      released += this.db.prepare("UPDATE messages SET visible_at = ?, owner_pid = NULL WHERE owner_pid = ? AND visible_at > ?").run(now, pid, now).changes;
    }
    return released;
  }

  /** Reads without leasing (operators and tests look into dead-letter queues with it). */
  peek(queue: string, limit = 100): { id: string; body: string; sentAt: string }[] {
    return (this.db.prepare("SELECT id, body, sent_at FROM messages WHERE queue = ? ORDER BY seq LIMIT ?").all(queue, limit) as Row[])
      .map((r) => ({ id: r.id, body: r.body, sentAt: new Date(r.sent_at).toISOString() }));
  }

  close() { this.db.close(); }
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === "EPERM"; }
}

