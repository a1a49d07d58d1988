import type { Job, JobEvent, JobEventType, JobStatus, QueryRequest, QueryResult } from "../domain/job";

/**
 * A counter a job holds while it is pending or working (per caller, per queue): admission takes one
 * of each atomically with creating the job, or refuses it; the job's move to a terminal status
 * (completed, failed, cancelled) gives them back. Counters are kept, never counted by a scan.
 */
export interface AdmissionSlot {
  key: string;
  limit: number;
}

/** Thrown by `create` when a slot is full: nothing was written. */
export class AdmissionRefused extends Error {
  constructor(
    readonly slot: AdmissionSlot,
    readonly held: number,
  ) {
    super(`admission refused: ${slot.key} holds ${held} of ${slot.limit}`);
    this.name = "AdmissionRefused";
  }
}

/** An event to append with a stage's checkpoints (see `commitStage`). */
export interface StageCommit {
  type: JobEventType;
  data: Record<string, unknown>;
}

export interface JobStore {
  readonly name: string;
  /** Creates a pending job; with `slots`, only if every slot has room (else AdmissionRefused), taking one of each. */
  create(id: string, request: QueryRequest, opts?: { slots?: AdmissionSlot[] }): Promise<Job>;
  get(id: string): Promise<Job | undefined>;
  /**
   * Guarded transition: succeeds only if the current status is in `from` and the move is allowed by
   * JOB_TRANSITIONS; returns the updated job, or undefined when the guard refused. A move to a
   * terminal status releases the job's admission slots (exactly once: terminal is final).
   */
  transition(id: string, from: readonly JobStatus[], to: JobStatus, patch?: { result?: QueryResult; error?: string }): Promise<Job | undefined>;
  /** Persist one stage's output; a retried job reads it back and skips the stage. */
  saveCheckpoint(id: string, stage: string, value: unknown): Promise<void>;
  /**
   * A stage's end: its checkpoints, then its events (appended as by appendEvent: after a terminal
   * event the rest are refused), returning those appended. One commit where the store has
   * transactions (SQLite); else the writes in order.
   */
  commitStage(id: string, checkpoints: Record<string, unknown>, events: StageCommit[]): Promise<JobEvent[]>;
  /** Increments and returns the job's attempt counter. */
  recordAttempt(id: string): Promise<number>;
  /**
   * Appends with the next gap-free sequence number. After a terminal event (done, failed, cancelled)
   * the log is closed: a later stage/retrieved/delta event is refused (undefined), so a runner still
   * finishing its stage after a cancel adds nothing to what followers replay.
   */
  appendEvent(id: string, type: JobEventType, data: Record<string, unknown>): Promise<JobEvent | undefined>;
  /** Events with seq > afterSeq, in order. */
  events(id: string, afterSeq: number, limit?: number): Promise<JobEvent[]>;
  /** Live WebSocket subscriptions, so any process can find who follows a job. */
  subscribe(jobId: string, connectionId: string): Promise<void>;
  unsubscribe(connectionId: string): Promise<void>;
  subscribers(jobId: string): Promise<string[]>;
  /**
   * Deletes finished jobs (completed/failed/cancelled) last updated before `before`, with their events.
   * Optional: stores with native expiry (DynamoDB TTL) leave it out.
   */
  purgeFinished?(before: string): Promise<number>;
  /** Admission slots held now under `key` (0 when none). */
  slotsHeld?(key: string): Promise<number>;
  /** Jobs pending or working for a caller (`tenant/subject`). Optional; admission uses slots. */
  countActive?(caller: string): Promise<number>;
  /** Jobs working for a tenant, for per-tenant concurrency caps. Optional. */
  countWorking?(tenant: string): Promise<number>;
}
