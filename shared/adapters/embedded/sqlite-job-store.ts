import type { Statement } from "better-sqlite3";
import type { Job, JobEvent, JobEventType, JobStatus, QueryRequest, QueryResult } from "../../domain/job";
import { JOB_TRANSITIONS, TERMINAL_EVENTS, TERMINAL_STATUSES } from "../../domain/job";
import { keptAfterEnd } from "../../domain/checkpoint-retention";
import { AdmissionRefused, type AdmissionSlot, type JobStore, type StageCommit } from "../../ports/job-store";
import { nowIso } from "../../util/time";
import { openSqlite, type Db } from "./sqlite";

// Job state with guarded transitions and an append-only, gap-free event log, in SQLite.
// Bookkeeping is sized to what it records, as each commit writes whole pages:
// - 512-byte pages (the smallest: most commits change a few rows of ~100 bytes);
// - events and stage outputs are rows keyed by the job's number and their place (one integer: a new
//   job's rows go to the right edge of one tree, no random leaf as under a UUID key, no second index;
//   in a rowid table a row up to ~470 B stays on its leaf, where a WITHOUT ROWID row spills past ~100 B);
// - a stage output is written once, never rewritten with the others; the small records kept after
//   the end (timings, the webhook's) live in the job's row, which each stage touches anyway;
// - a stage's end (output, timings, events) is one commit, a job's end (status, outputs dropped,
//   slots released) another.

/** An event's key in job_log: the job's number and the event's seq in one integer (seq < 2^24). */
const SEQ_BITS = 2 ** 24;
const logKey = (no: number, seq: number) => no * SEQ_BITS + seq;
/** A stage output's key in job_outputs: the job's number and the output's slot (< 64 stages a job). */
const OUTPUT_SLOTS = 64;
const outputKey = (no: number, slot: number) => no * OUTPUT_SLOTS + slot;

interface JobRow {
  id: string;
  no: number;
  status: JobStatus;
  request: string;
  result: string | null;
  error: string | null;
  checkpoints: string;
  attempts: number;
  created_at: string;
  updated_at: string;
}

const JOB_PAGE_SIZE = 512;
const isTerminal = (s: JobStatus | undefined) => s !== undefined && TERMINAL_STATUSES.includes(s);

export class SqliteJobStore implements JobStore {
  readonly name = "sqlite-job-store";
  private readonly db: Db;
  private readonly statements = new Map<string, Statement>();

  constructor(path: string) {
    this.db = openSqlite(path, { pageSize: JOB_PAGE_SIZE });
    // The WAL is copied into the file every 4 MiB (as with the default 4 KiB pages): a page written by every job
    // (the trees' right edges, the header) is copied once per checkpoint, not once per 1000 small pages.
    this.db.pragma(`wal_autocheckpoint = ${(4 * 1024 * 1024) / JOB_PAGE_SIZE}`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY, status TEXT NOT NULL, request TEXT NOT NULL, result TEXT, error TEXT,
        checkpoints TEXT NOT NULL DEFAULT '{}', attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS job_log (key INTEGER PRIMARY KEY, type TEXT NOT NULL, data TEXT NOT NULL, at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS job_outputs (key INTEGER PRIMARY KEY, stage TEXT NOT NULL, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS subscriptions (
        connection_id TEXT NOT NULL, job_id TEXT NOT NULL, PRIMARY KEY (connection_id, job_id)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS subscriptions_job ON subscriptions(job_id);
      CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status);`);
    this.openAdmission();
    this.numberJobs();
  }

  /** Files of older versions: their jobs get numbers, their event log moves to job_log. */
  private numberJobs() {
    // Under the write lock: two processes opening an older file at once upgrade it once.
    this.db
      .transaction(() => {
        const cols = new Set((this.db.prepare("PRAGMA table_info(jobs)").all() as { name: string }[]).map((c) => c.name));
        if (!cols.has("no")) {
          this.db.exec("ALTER TABLE jobs ADD COLUMN no INTEGER; UPDATE jobs SET no = rowid");
          // Older versions released a job's slots in a write of its own after its end; a process killed
          // in between left them held. A job's end now releases them in its own commit.
          if (cols.has("slots")) {
            const ended = this.db.prepare("SELECT id FROM jobs WHERE slots IS NOT NULL AND status IN ('completed', 'failed', 'cancelled')").all() as {
              id: string;
            }[];
            for (const { id } of ended) this.releaseSlots(id);
          }
        }
        this.db.exec("DROP INDEX IF EXISTS jobs_holding_slots");
        this.db.exec("CREATE UNIQUE INDEX IF NOT EXISTS jobs_no ON jobs(no)");
        if (this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'job_events'").get()) {
          this.db
            .prepare(`INSERT OR IGNORE INTO job_log (key, type, data, at)
          SELECT j.no * ? + e.seq, e.type, e.data, e.at FROM job_events e JOIN jobs j ON j.id = e.job_id`)
            .run(SEQ_BITS);
          this.db.exec("DROP TABLE job_events");
        }
      })
      .immediate();
  }

  /** The job's number, or undefined when there is no such job. */
  private numberOf(id: string): number | undefined {
    return (this.sql("SELECT no FROM jobs WHERE id = ?").get(id) as { no: number } | undefined)?.no;
  }

  /** Statements are prepared once per store, not on every call. */
  private sql(text: string): Statement {
    let s = this.statements.get(text);
    if (!s) this.statements.set(text, (s = this.db.prepare(text)));
    return s;
  }

  async create(id: string, request: QueryRequest, opts: { slots?: AdmissionSlot[] } = {}): Promise<Job> {
    const now = nowIso();
    const slots = opts.slots ?? [];
    // One write transaction (BEGIN IMMEDIATE: processes sharing the file queue up): check every
    // slot, insert the job, take the slots. Two submitters can never both see the last free slot.
    this.db
      .transaction(() => {
        const held = this.sql("SELECT held FROM admission_slots WHERE key = ?");
        for (const slot of slots) {
          const n = (held.get(slot.key) as { held: number } | undefined)?.held ?? 0;
          if (n >= slot.limit) throw new AdmissionRefused(slot, n);
        }
        this.sql(
          "INSERT INTO jobs (id, no, status, request, slots, created_at, updated_at) VALUES (?, (SELECT COALESCE(MAX(no), 0) + 1 FROM jobs), 'pending', ?, ?, ?, ?)",
        ).run(id, JSON.stringify(request), slots.length ? JSON.stringify(slots.map((s) => s.key)) : null, now, now);
        const take = this.sql("INSERT INTO admission_slots (key, held) VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET held = held + 1");
        for (const slot of slots) take.run(slot.key);
      })
      .immediate();
    return (await this.get(id))!;
  }

  /** Admission counters: a row per slot key; a job lists the keys it holds until it ends. */
  private openAdmission() {
    this.db.exec("CREATE TABLE IF NOT EXISTS admission_slots (key TEXT PRIMARY KEY, held INTEGER NOT NULL) WITHOUT ROWID");
    const cols = new Set((this.db.prepare("PRAGMA table_info(jobs)").all() as { name: string }[]).map((c) => c.name));
    if (!cols.has("slots")) this.db.exec("ALTER TABLE jobs ADD COLUMN slots TEXT"); // older files: their jobs hold none
  }

  /** Gives back the slots of a job that ended (once: the job's list is cleared). Inside a transaction. */
  private releaseSlots(id: string) {
    const row = this.sql("SELECT slots FROM jobs WHERE id = ? AND slots IS NOT NULL").get(id) as { slots: string } | undefined;
    if (!row) return;
    this.sql("UPDATE jobs SET slots = NULL WHERE id = ?").run(id);
    const give = this.sql("UPDATE admission_slots SET held = MAX(0, held - 1) WHERE key = ?");
    for (const key of JSON.parse(row.slots) as string[]) give.run(key);
  }

  async slotsHeld(key: string): Promise<number> {
    return (this.sql("SELECT held FROM admission_slots WHERE key = ?").get(key) as { held: number } | undefined)?.held ?? 0;
  }

  async get(id: string): Promise<Job | undefined> {
    const row = this.sql("SELECT * FROM jobs WHERE id = ?").get(id) as JobRow | undefined;
    if (!row) return undefined;
    const checkpoints = JSON.parse(row.checkpoints) as Record<string, unknown>; // kept records (all of them, in older files)
    for (const r of this.outputsOf(row.no)) checkpoints[r.stage] = JSON.parse(r.value);
    return toJob(row, checkpoints);
  }

  private outputsOf(no: number): { key: number; stage: string; value: string }[] {
    return this.sql("SELECT key, stage, value FROM job_outputs WHERE key >= ? AND key < ?").all(outputKey(no, 0), outputKey(no + 1, 0)) as {
      key: number;
      stage: string;
      value: string;
    }[];
  }

  async transition(id: string, from: readonly JobStatus[], to: JobStatus, patch: { result?: QueryResult; error?: string } = {}): Promise<Job | undefined> {
    const allowed = from.filter((f) => JOB_TRANSITIONS[f].includes(to));
    if (!allowed.length) return undefined;
    // The move, and at a job's end the compaction (stage outputs dropped, slots given back), in one commit.
    const changed = this.db
      .transaction(() => {
        const res = this.sql(`UPDATE jobs SET status = ?, result = COALESCE(?, result), error = COALESCE(?, error), updated_at = ?
                WHERE id = ? AND status IN (${allowed.map(() => "?").join(",")})`).run(
          to,
          patch.result ? JSON.stringify(patch.result) : null,
          patch.error ?? null,
          nowIso(),
          id,
          ...allowed,
        );
        if (res.changes && isTerminal(to)) {
          this.dropCheckpoints(id, this.numberOf(id)!);
          this.releaseSlots(id);
        }
        return res.changes > 0;
      })
      .immediate();
    return changed ? this.get(id) : undefined;
  }

  async saveCheckpoint(id: string, stage: string, value: unknown): Promise<void> {
    this.db.transaction(() => this.writeCheckpoints(id, { [stage]: value })).immediate();
  }

  async commitStage(id: string, checkpoints: Record<string, unknown>, events: StageCommit[]): Promise<JobEvent[]> {
    const at = nowIso();
    return this.db
      .transaction(() => {
        this.writeCheckpoints(id, checkpoints);
        const appended: JobEvent[] = [];
        for (const e of events) {
          const event = this.append(id, e.type, e.data, at);
          if (!event) break;
          appended.push(event);
        }
        return appended;
      })
      .immediate();
  }

  /**
   * Inside a transaction. Records kept after the end go into the job's row, stage outputs into rows
   * of their own. A finished job resumes nothing: a runner finishing late writes no stage output.
   */
  private writeCheckpoints(id: string, checkpoints: Record<string, unknown>) {
    const job = this.sql("SELECT no, status, checkpoints FROM jobs WHERE id = ?").get(id) as { no: number; status: JobStatus; checkpoints: string } | undefined;
    if (!job) return;
    const kept = JSON.parse(job.checkpoints) as Record<string, unknown>;
    let outputs: { key: number; stage: string }[] | undefined;
    for (const [stage, value] of Object.entries(checkpoints)) {
      if (keptAfterEnd(stage)) {
        kept[stage] = value ?? null;
        continue;
      }
      if (isTerminal(job.status)) continue;
      outputs ??= this.outputsOf(job.no);
      const slot = outputs.find((o) => o.stage === stage)?.key ?? outputKey(job.no, outputs.length);
      if (slot >= outputKey(job.no + 1, 0)) throw new Error(`job ${id}: more than ${OUTPUT_SLOTS} checkpointed stages`);
      this.sql("INSERT INTO job_outputs (key, stage, value) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(
        slot,
        stage,
        JSON.stringify(value ?? null),
      );
      if (!outputs.some((o) => o.key === slot)) outputs.push({ key: slot, stage });
    }
    this.sql("UPDATE jobs SET checkpoints = ?, updated_at = ? WHERE no = ?").run(JSON.stringify(kept), nowIso(), job.no);
  }

  /** A finished job's stage outputs go; the small records read later stay. Inside a transaction. */
  private dropCheckpoints(id: string, no: number): void {
    this.sql("DELETE FROM job_outputs WHERE key >= ? AND key < ?").run(outputKey(no, 0), outputKey(no + 1, 0));
    const row = this.sql("SELECT checkpoints FROM jobs WHERE id = ?").get(id) as { checkpoints: string } | undefined;
    const held = row ? Object.entries(JSON.parse(row.checkpoints) as Record<string, unknown>) : [];
    if (held.some(([stage]) => !keptAfterEnd(stage))) {
      // files of older versions held outputs in the row
      this.sql("UPDATE jobs SET checkpoints = ? WHERE id = ?").run(JSON.stringify(Object.fromEntries(held.filter(([stage]) => keptAfterEnd(stage)))), id);
    }
  }

  async recordAttempt(id: string): Promise<number> {
    const row = this.sql("UPDATE jobs SET attempts = attempts + 1 WHERE id = ? RETURNING attempts").get(id) as { attempts: number } | undefined;
    return row?.attempts ?? 0;
  }

  async appendEvent(id: string, type: JobEventType, data: Record<string, unknown>): Promise<JobEvent | undefined> {
    const at = nowIso();
    return this.db.transaction(() => this.append(id, type, data, at)).immediate();
  }

  /** Inside a transaction: after a terminal event (done, failed, cancelled) the log is closed to the others. */
  private append(id: string, type: JobEventType, data: Record<string, unknown>, at: string): JobEvent | undefined {
    const no = this.numberOf(id);
    if (no === undefined) return undefined; // no such job (or purged): nothing to log against
    const last = this.sql("SELECT key, type FROM job_log WHERE key > ? AND key < ? ORDER BY key DESC LIMIT 1").get(logKey(no, 0), logKey(no + 1, 0)) as
      | { key: number; type: JobEventType }
      | undefined;
    if (!TERMINAL_EVENTS.includes(type) && last && TERMINAL_EVENTS.includes(last.type)) return undefined;
    const seq = (last ? last.key - logKey(no, 0) : 0) + 1;
    if (seq >= SEQ_BITS) throw new Error(`job ${id}: event log full (${SEQ_BITS - 1} events)`);
    this.sql("INSERT INTO job_log (key, type, data, at) VALUES (?, ?, ?, ?)").run(logKey(no, seq), type, JSON.stringify(data), at);
    return { jobId: id, seq, type, at, data };
  }

  async events(id: string, afterSeq: number, limit = 10_000): Promise<JobEvent[]> {
    const no = this.numberOf(id);
    if (no === undefined) return [];
    const rows = this.sql("SELECT key - ? AS seq, type, data, at FROM job_log WHERE key > ? AND key < ? ORDER BY key LIMIT ?").all(
      logKey(no, 0),
      logKey(no, Math.max(0, afterSeq)),
      logKey(no + 1, 0),
      limit,
    ) as { seq: number; type: JobEventType; data: string; at: string }[];
    return rows.map((r) => ({ jobId: id, seq: r.seq, type: r.type, at: r.at, data: JSON.parse(r.data) }));
  }

  async subscribe(jobId: string, connectionId: string): Promise<void> {
    this.sql("INSERT OR IGNORE INTO subscriptions (connection_id, job_id) VALUES (?, ?)").run(connectionId, jobId);
  }

  async unsubscribe(connectionId: string): Promise<void> {
    this.sql("DELETE FROM subscriptions WHERE connection_id = ?").run(connectionId);
  }

  async subscribers(jobId: string): Promise<string[]> {
    return (this.sql("SELECT connection_id AS c FROM subscriptions WHERE job_id = ?").all(jobId) as { c: string }[]).map((r) => r.c);
  }

  async countActive(caller: string): Promise<number> {
    return (
      this.sql(`SELECT COUNT(*) AS n FROM jobs WHERE status IN ('pending', 'working')
      AND COALESCE(json_extract(request, '$.principal.tenant'), '-') || '/' || COALESCE(json_extract(request, '$.principal.subject'), '-') = ?`).get(
        caller,
      ) as { n: number }
    ).n;
  }

  async countWorking(tenant: string): Promise<number> {
    return (
      this.sql("SELECT COUNT(*) AS n FROM jobs WHERE status = 'working' AND json_extract(request, '$.principal.tenant') = ?").get(tenant) as { n: number }
    ).n;
  }

  async purgeFinished(before: string): Promise<number> {
    return this.db
      .transaction(() => {
        const ended = this.sql("SELECT id, no FROM jobs WHERE status IN ('completed', 'failed', 'cancelled') AND updated_at < ?").all(before) as {
          id: string;
          no: number;
        }[];
        for (const { id, no } of ended) {
          this.sql("DELETE FROM job_log WHERE key > ? AND key < ?").run(logKey(no, 0), logKey(no + 1, 0));
          this.sql("DELETE FROM job_outputs WHERE key >= ? AND key < ?").run(outputKey(no, 0), outputKey(no + 1, 0));
          this.sql("DELETE FROM subscriptions WHERE job_id = ?").run(id);
          this.sql("DELETE FROM jobs WHERE id = ?").run(id);
        }
        return ended.length;
      })
      .immediate();
  }

  close() {
    this.db.close();
  }
}

function toJob(r: JobRow, checkpoints: Record<string, unknown>): Job {
  return {
    id: r.id,
    status: r.status,
    request: JSON.parse(r.request),
    result: r.result ? JSON.parse(r.result) : undefined,
    error: r.error ?? undefined,
    checkpoints,
    attempts: r.attempts,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
