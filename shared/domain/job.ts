export type JobStatus = "pending" | "working" | "completed" | "failed" | "cancelled";

export const TERMINAL_STATUSES: readonly JobStatus[] = ["completed", "failed", "cancelled"];

/** Allowed transitions; anything else is refused by every JobStore. */
export const JOB_TRANSITIONS: Record<JobStatus, readonly JobStatus[]> = {
  pending: ["working", "failed", "cancelled"],
  working: ["completed", "failed", "cancelled", "working"],
  completed: [],
  failed: [],
  cancelled: [],
};

export interface QueryFilters {
  /** Only documents whose key starts with this prefix. */
  keyPrefix?: string;
  department?: string;
  tags?: string[];
  dateFrom?: string;
  dateTo?: string;
}

export interface QueryRequest {
  question: string;
  filters?: QueryFilters;
  topK?: number;
  /** Scheduling class; classed at submit when absent (see shared/jobs/admission.ts). */
  jobClass?: "interactive" | "long";
  /** POSTed the outcome when the job finishes (signed; see shared/jobs/webhook.ts). */
  callbackUrl?: string;
  /** Who asks: the groups used for permission filtering. */
  principal?: { tenant?: string; subject?: string; groups: string[] };
}

export interface Citation {
  n: number;
  documentKey: string;
  chunkId: string;
  page?: number;
  sectionPath?: string[];
  text: string;
  score?: number;
}

export interface QueryResult {
  answer: string;
  citations: Citation[];
  /** True when the answer says the sources do not cover the question. */
  abstained: boolean;
  /** Which backend/model produced each stage. */
  backends: Record<string, string>;
  /** Milliseconds per stage. */
  timings: Record<string, number>;
  /** Sentence-level grounding flags, when a grounding stage ran. */
  unsupportedSentences?: string[];
}

export interface Job {
  id: string;
  status: JobStatus;
  request: QueryRequest;
  result?: QueryResult;
  error?: string;
  /** Stage name → persisted stage output, so a retried job resumes. */
  checkpoints: Record<string, unknown>;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

export type JobEventType = "stage" | "retrieved" | "delta" | "done" | "failed" | "cancelled";

/** The events that end a job's log; after one of them nothing else is appended. */
export const TERMINAL_EVENTS: readonly JobEventType[] = ["done", "failed", "cancelled"];

/** Events after which a job's log never grows. */
export const FINAL_EVENTS: readonly JobEventType[] = ["done", "failed", "cancelled"];

export interface JobEvent {
  jobId: string;
  /** 1-based, gap-free per job. */
  seq: number;
  type: JobEventType;
  at: string;
  data: Record<string, unknown>;
}
