import type { Citation } from "../../shared/domain/job";

// What the runner needs from a running system. Two ways in, both the real paths: over the HTTP API
// (a host started here, or a deployment), or through the system's own ports when the evals run
// inside it (the scheduled function): uploads go to the bucket, questions become queued jobs.

export interface DocumentState {
  key: string;
  status: string;
  contentHash?: string;
  error?: string;
  duplicateOf?: string;
  chunks?: number;
}

export interface JobView {
  jobId: string;
  status: "pending" | "working" | "completed" | "failed" | "cancelled";
  answer?: string;
  citations?: Citation[];
  abstained?: boolean;
  backends?: Record<string, string>;
  timings?: Record<string, number>;
  unsupportedSentences?: string[];
  error?: string;
  createdAt: string;
  updatedAt: string;
}

export interface JobEventView {
  seq: number;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

export interface SubmitRequest {
  question: string;
  filters?: { keyPrefix?: string };
  topK?: number;
}

export interface PipelineClient {
  /** Where the questions go, for the report ("http://127.0.0.1:1234", "ports"). */
  readonly target: string;
  document(key: string): Promise<DocumentState | undefined>;
  putDocument(key: string, body: Buffer, contentType: string, metadata?: Record<string, string>): Promise<void>;
  listDocuments(prefix: string): Promise<DocumentState[]>;
  /** Returns the job id; throws RetryLater on backpressure. */
  submit(req: SubmitRequest): Promise<string>;
  job(id: string): Promise<JobView | undefined>;
  events(id: string): Promise<JobEventView[]>;
  cancel(id: string): Promise<void>;
}

/** The system said 429: try again after this long. */
export class RetryLater extends Error {
  constructor(
    readonly afterMs: number,
    message: string,
  ) {
    super(message);
    this.name = "RetryLater";
  }
}
