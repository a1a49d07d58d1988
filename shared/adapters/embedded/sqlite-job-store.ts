import type { Job, JobEvent, JobEventType, JobStatus, QueryRequest, QueryResult } from "../../domain/job";
import { JOB_TRANSITIONS, TERMINAL_EVENTS, TERMINAL_STATUSES } from "../../domain/job";
import { keptAfterEnd } from "../../domain/checkpoint-retention";
import { AdmissionRefused, type AdmissionSlot, type JobStore } from "../../ports/job-store";
import { nowIso } from "../../util/time";
import { openSqlite, type Db } from "./sqlite";

// Job state with guarded transitions and an append-only, gap-free event log, in SQLite.

interface JobRow { id: string; status: JobStatus; request: string; result: string | null; error: string | null; checkpoints: string; attempts: number; created_at: string; updated_at: string }

export class SqliteJobStore implements JobStore {
  readonly name = "sqlite-job-store";
  private readonly db: Db;

  constructor(path: string) {
    this.db = openSqlite(path);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY, status TEXT NOT NULL, request TEXT NOT NULL, result TEXT, error TEXT,
        checkpoints TEXT NOT NULL DEFAULT '{}', attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS job_events (
        job_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, at TEXT NOT NULL,
        PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS subscriptions (
        connection_id TEXT NOT NULL, job_id TEXT NOT NULL, PRIMARY KEY (connection_id, job_id)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS subscriptions_job ON subscriptions(job_id);
      CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status);`);
    this.openAdmission();
  }

  async create(id: string, request: QueryRequest, opts: { slots?: AdmissionSlot[] } = {}): Promise<Job> {
    const now = nowIso();
    const slots = opts.slots ?? [];
    // One write transaction (BEGIN IMMEDIATE: processes sharing the file queue up): check every
    // slot, insert the job, take the slots. Two submitters can never both see the last free slot.
    this.db.transaction(() => {
      const held = this.db.prepare("SELECT held FROM admission_slots WHERE key = ?");
      for (const slot of slots) {
        const n = (held.get(slot.key) as { held: number } | undefined)?.held ?? 0;
        if (n >= slot.limit) throw new AdmissionRefused(slot, n);
      }
      this.db.prepare("INSERT INTO jobs (id, status, request, slots, created_at, updated_at) VALUES (?, 'pending', ?, ?, ?, ?)")
        .run(id, JSON.stringify(request), slots.length ? JSON.stringify(slots.map((s) => s.key)) : null, now, now);
      const take = this.db.prepare("INSERT INTO admission_slots (key, held) VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET held = held + 1");
      for (const slot of slots) take.run(slot.key);
    }).immediate();
    return (await this.get(id))!;
  }

  /** Admission counters: a row per slot key; a job lists the keys it holds until it ends. */
  private openAdmission() {
    this.db.exec("CREATE TABLE IF NOT EXISTS admission_slots (key TEXT PRIMARY KEY, held INTEGER NOT NULL) WITHOUT ROWID");
    const cols = new Set((this.db.prepare("PRAGMA table_info(jobs)").all() as { name: string }[]).map((c) => c.name));
    if (!cols.has("slots")) this.db.exec("ALTER TABLE jobs ADD COLUMN slots TEXT"); // older files: their jobs hold none
    this.db.exec("CREATE INDEX IF NOT EXISTS jobs_holding_slots ON jobs(status) WHERE slots IS NOT NULL");
    // A process killed between a job's end and the release of its slots: release them now.
    const ended = this.db.prepare("SELECT id FROM jobs WHERE slots IS NOT NULL AND status IN ('completed', 'failed', 'cancelled')").all() as { id: string }[];
    for (const { id } of ended) this.releaseSlots(id);
  }

  /** Gives back the slots of a job that ended (once: the job's list is cleared in the same transaction). */
  private releaseSlots(id: string) {
    this.db.transaction(() => {
      const row = this.db.prepare("SELECT slots FROM jobs WHERE id = ? AND slots IS NOT NULL").get(id) as { slots: string } | undefined;
      if (!row) return;
      this.db.prepare("UPDATE jobs SET slots = NULL WHERE id = ?").run(id);
      const give = this.db.prepare("UPDATE admission_slots SET held = MAX(0, held - 1) WHERE key = ?");
      for (const key of JSON.parse(row.slots) as string[]) give.run(key);
    }).immediate();
  }

  async slotsHeld(key: string): Promise<number> {
    return (this.db.prepare("SELECT held FROM admission_slots WHERE key = ?").get(key) as { held: number } | undefined)?.held ?? 0;
  }

  async get(id: string): Promise<Job | undefined> {
    const row = this.db.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as JobRow | undefined;
    return row && toJob(row);
  }

  async transition(id: string, from: readonly JobStatus[], to: JobStatus, patch: { result?: QueryResult; error?: string } = {}): Promise<Job | undefined> {
    const allowed = from.filter((f) => JOB_TRANSITIONS[f].includes(to));
    if (!allowed.length) return undefined;
    const res = this.db
      .prepare(`UPDATE jobs SET status = ?, result = COALESCE(?, result), error = COALESCE(?, error), updated_at = ?
                WHERE id = ? AND status IN (${allowed.map(() => "?").join(",")})`)
      .run(to, patch.result ? JSON.stringify(patch.result) : null, patch.error ?? null, nowIso(), id, ...allowed);
    if (res.changes && TERMINAL_STATUSES.includes(to)) this.dropCheckpoints(id);
    if (res.changes && TERMINAL_STATUSES.includes(to)) this.releaseSlots(id);
    return res.changes ? this.get(id) : undefined;
  }

  async saveCheckpoint(id: string, stage: string, value: unknown): Promise<void> {
    this.db.prepare("UPDATE jobs SET checkpoints = json_set(checkpoints, '$.' || ?, json(?)), updated_at = ? WHERE id = ?")
      .run(stage, JSON.stringify(value ?? null), nowIso(), id);
  }

  /** A finished job resumes nothing: its stage outputs go, the small records read later stay. */
  private dropCheckpoints(id: string): void {
    const row = this.db.prepare("SELECT checkpoints FROM jobs WHERE id = ?").get(id) as { checkpoints: string } | undefined;
    if (!row) return;
    const kept = Object.fromEntries(Object.entries(JSON.parse(row.checkpoints) as Record<string, unknown>).filter(([stage]) => keptAfterEnd(stage)));
    this.db.prepare("UPDATE jobs SET checkpoints = ? WHERE id = ?").run(JSON.stringify(kept), id);
  }

  async recordAttempt(id: string): Promise<number> {
    const row = this.db.prepare("UPDATE jobs SET attempts = attempts + 1 WHERE id = ? RETURNING attempts").get(id) as { attempts: number } | undefined;
    return row?.attempts ?? 0;
  }

  async appendEvent(id: string, type: JobEventType, data: Record<string, unknown>): Promise<JobEvent | undefined> {
    const at = nowIso();
    return this.db.transaction(() => {
      // After a terminal event (done, failed, cancelled) the log is closed to the others.
      const last = this.db.prepare("SELECT type FROM job_events WHERE job_id = ? ORDER BY seq DESC LIMIT 1").get(id) as { type: JobEventType } | undefined;
      if (!TERMINAL_EVENTS.includes(type) && last && TERMINAL_EVENTS.includes(last.type)) return undefined;
      const { next } = this.db.prepare("SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM job_events WHERE job_id = ?").get(id) as { next: number };
      this.db.prepare("INSERT INTO job_events (job_id, seq, type, data, at) VALUES (?, ?, ?, ?, ?)").run(id, next, type, JSON.stringify(data), at);
      return { jobId: id, seq: next, type, at, data };
    }).immediate();
  }

  async events(id: string, afterSeq: number, limit = 10_000): Promise<JobEvent[]> {
    const rows = this.db.prepare("SELECT seq, type, data, at FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?").all(id, afterSeq, limit) as
      { seq: number; type: JobEventType; data: string; at: string }[];
    return rows.map((r) => ({ jobId: id, seq: r.seq, type: r.type, at: r.at, data: JSON.parse(r.data) }));
  }

  async subscribe(jobId: string, connectionId: string): Promise<void> {
    this.db.prepare("INSERT OR IGNORE INTO subscriptions (connection_id, job_id) VALUES (?, ?)").run(connectionId, jobId);
  }

  async unsubscribe(connectionId: string): Promise<void> {
    this.db.prepare("DELETE FROM subscriptions WHERE connection_id = ?").run(connectionId);
  }

  async subscribers(jobId: string): Promise<string[]> {
    return (this.db.prepare("SELECT connection_id AS c FROM subscriptions WHERE job_id = ?").all(jobId) as { c: string }[]).map((r) => r.c);
  }

  async countActive(caller: string): Promise<number> {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status IN ('pending', 'working')
      AND COALESCE(json_extract(request, '$.principal.tenant'), '-') || '/' || COALESCE(json_extract(request, '$.principal.subject'), '-') = ?`).get(caller) as { n: number }).n;
  }

  async countWorking(tenant: string): Promise<number> {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE status = 'working' AND json_extract(request, '$.principal.tenant') = ?").get(tenant) as { n: number }).n;
  }

  async purgeFinished(before: string): Promise<number> {
    return this.db.transaction(() => {
      const ids = (this.db.prepare("SELECT id FROM jobs WHERE status IN ('completed', 'failed', 'cancelled') AND updated_at < ?").all(before) as { id: string }[]).map((r) => r.id);
      const delEvents = this.db.prepare("DELETE FROM job_events WHERE job_id = ?");
      const delSubs = this.db.prepare("DELETE FROM subscriptions WHERE job_id = ?");
      const delJob = this.db.prepare("DELETE FROM jobs WHERE id = ?");
      for (const id of ids) { delEvents.run(id); delSubs.run(id); delJob.run(id); }
      return ids.length;
    }).immediate();
  }

  close() { this.db.close(); }
}

function toJob(r: JobRow): Job {
  return {
    id: r.id, status: r.status, request: JSON.parse(r.request), result: r.result ? JSON.parse(r.result) : undefined,
    error: r.error ?? undefined, checkpoints: JSON.parse(r.checkpoints), attempts: r.attempts, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}
