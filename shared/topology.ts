// The topology: which function handles which event, with what limits. The function host and the
// SST stacks both read this one structure, so the embedded, on-prem and AWS wirings cannot drift.

export const QUEUES = {
  /** Bucket notifications (S3 event records), as S3 → SQS delivers them. */
  ingestEvents: "ingest-events",
  embed: "embed",
  index: "index",
  queryJobs: "query-jobs",
  /** Long jobs (large top-K, multi-part questions) run apart, so a burst never holds short ones back. */
  queryJobsLong: "query-jobs-long",
  webhooks: "webhooks",
} as const;

export interface QueueTrigger {
  kind: "queue";
  queue: string;
  batchSize: number;
  /** Seconds a received message stays invisible; must exceed the function timeout. */
  visibilityTimeoutSeconds: number;
  /** Receives before the message moves to `<queue>-dlq`. */
  maxReceives: number;
  /** Wait up to this long to fill a batch (Lambda's MaximumBatchingWindowInSeconds). */
  batchWindowSeconds?: number;
}

export interface HttpTrigger {
  kind: "http";
  routes: string[];
}
export interface WebSocketTrigger {
  kind: "websocket";
  route: "$connect" | "$disconnect" | "$default" | string;
  /** $connect only: the topology function that authorizes the connection (an API Gateway Lambda REQUEST authorizer). */
  authorizer?: string;
}
/**
 * A Lambda REQUEST authorizer (API Gateway's contract; the host emulates it). Identity sources, when
 * listed, must all be present or the connection is refused (401) without invoking it; empty: it
 * decides on every connect (a key may come as a header or as ?token=, so neither can be required).
 */
export interface AuthorizerTrigger {
  kind: "authorizer";
  identitySources: string[];
}
export interface ScheduleTrigger {
  kind: "schedule" /** AWS form: rate(1 day), rate(30 minutes) */;
  expression: string;
}
export interface BucketTrigger {
  kind: "bucket";
  events: ("created" | "removed")[] /** notifications are delivered through this queue */;
  queue: string;
}

export type Trigger = QueueTrigger | HttpTrigger | WebSocketTrigger | ScheduleTrigger | AuthorizerTrigger;

/** The ports of shared/ports (stores, queue, index, notifier, model hosts). */
export type PortName = "objects" | "queue" | "jobs" | "catalog" | "index" | "notifier" | "embedder" | "reranker" | "generator";
/** Secrets a function reads: the API key store (to authenticate callers), the webhook signing key. */
/** Secrets a function may be linked to; `ocr`: the OCR host's token (RAGLINE_OCR_URL). */
export type SecretName = "apiKeys" | "webhookSecret" | "ocr";
/** What a function touches at run time. On AWS it is granted (linked) exactly these; a process builds only these ports. */
export type Use = PortName | SecretName;

export interface FunctionDef {
  /** What it uses (least privilege: the stacks link only these; see test/unit/stacks). */
  uses?: Use[];
  /** Module under functions/, without extension; it exports `handler`. */
  handler: string;
  trigger: Trigger;
  timeoutSeconds: number;
  /** Concurrent invocations (Lambda reserved concurrency; pollers per host). */
  concurrency: number;
  memoryMB?: number;
  description: string;
}

export interface Topology {
  bucket: { name: string; notifications: BucketTrigger };
  queues: string[];
  functions: Record<string, FunctionDef>;
}

export const topology: Topology = {
  bucket: { name: "documents", notifications: { kind: "bucket", events: ["created", "removed"], queue: QUEUES.ingestEvents } },
  queues: Object.values(QUEUES),
  functions: {
    "ingest-parse": {
      uses: ["objects", "queue", "catalog", "index", "embedder", "ocr"],
      handler: "queue/ingest-parse",
      description: "Object created/removed → parse, chunk, send chunk batches to the embed queue",
      // One document per invocation: a slow parse (OCR) cannot push a batch past the timeout.
      trigger: { kind: "queue", queue: QUEUES.ingestEvents, batchSize: 1, visibilityTimeoutSeconds: 360, maxReceives: 3 },
      timeoutSeconds: 300,
      concurrency: 2,
      memoryMB: 2048,
    },
    "ingest-embed": {
      uses: ["queue", "catalog", "index", "embedder"],
      handler: "queue/ingest-embed",
      description: "Embed chunk batches (reusing vectors of unchanged chunks) → index queue",
      trigger: { kind: "queue", queue: QUEUES.embed, batchSize: 10, visibilityTimeoutSeconds: 180, maxReceives: 5 },
      timeoutSeconds: 120,
      concurrency: 2,
    },
    "ingest-index": {
      uses: ["queue", "catalog", "index", "embedder"],
      handler: "queue/ingest-index",
      description: "Stage embedded chunks; activate the version once complete",
      trigger: { kind: "queue", queue: QUEUES.index, batchSize: 10, visibilityTimeoutSeconds: 120, maxReceives: 5 },
      timeoutSeconds: 60,
      concurrency: 1,
    },
    "query-run": {
      uses: ["objects", "queue", "jobs", "index", "catalog", "notifier", "embedder", "reranker", "generator"],
      handler: "queue/query-run",
      description: "Run a query job: retrieve, rerank, generate; events to the job log and subscribers",
      trigger: { kind: "queue", queue: QUEUES.queryJobs, batchSize: 1, visibilityTimeoutSeconds: 330, maxReceives: 4 },
      timeoutSeconds: 300,
      concurrency: 4,
    },
    "query-run-long": {
      uses: ["objects", "queue", "jobs", "index", "catalog", "notifier", "embedder", "reranker", "generator"],
      handler: "queue/query-run",
      description: "Run long query jobs on their own workers (per-class concurrency)",
      trigger: { kind: "queue", queue: QUEUES.queryJobsLong, batchSize: 1, visibilityTimeoutSeconds: 960, maxReceives: 4 },
      timeoutSeconds: 900,
      concurrency: 2,
    },
    "webhook-deliver": {
      uses: ["queue", "jobs", "webhookSecret"],
      handler: "queue/webhook-deliver",
      description: "POST signed completion webhooks; retried with backoff, then dead-lettered",
      trigger: { kind: "queue", queue: QUEUES.webhooks, batchSize: 5, visibilityTimeoutSeconds: 60, maxReceives: 8 },
      timeoutSeconds: 30,
      concurrency: 2,
    },
    "purge-jobs": {
      uses: ["jobs"],
      handler: "schedule/purge-jobs",
      description: "Delete finished jobs and their event logs after the retention TTL",
      trigger: { kind: "schedule", expression: "rate(1 hour)" },
      timeoutSeconds: 300,
      concurrency: 1,
    },
    "http-documents": {
      uses: ["objects", "queue", "catalog", "index", "embedder", "apiKeys"],
      handler: "http/documents",
      description: "Document upload, listing, state, chunks, removal",
      trigger: {
        kind: "http",
        routes: ["PUT /documents/{key+}", "GET /documents", "GET /documents/{key+}", "DELETE /documents/{key+}", "POST /documents/{key+}"],
      },
      timeoutSeconds: 30,
      concurrency: 16,
    },
    "http-queries": {
      uses: ["queue", "jobs", "notifier", "apiKeys", "webhookSecret"],
      handler: "http/queries",
      description: "Submit query jobs (202), read state and event log",
      trigger: { kind: "http", routes: ["POST /queries", "GET /queries/{id}", "DELETE /queries/{id}", "GET /queries/{id}/events"] },
      timeoutSeconds: 10,
      concurrency: 16,
    },
    "http-uploads": {
      uses: ["objects", "catalog", "apiKeys"],
      handler: "http/uploads",
      description: "Upload URLs for one PUT straight to the bucket (presigned S3; the host's own single-use URL when embedded)",
      trigger: { kind: "http", routes: ["POST /uploads", "PUT /uploads/{token}"] },
      timeoutSeconds: 10,
      concurrency: 8,
    },
    "http-sources": {
      uses: ["objects", "queue", "catalog", "index", "embedder", "apiKeys"],
      handler: "http/sources",
      description: "source.changed events from outside (CMS webhooks) into the ingest-events queue",
      trigger: { kind: "http", routes: ["POST /sources/changed"] },
      timeoutSeconds: 10,
      concurrency: 8,
    },
    reconcile: {
      uses: ["objects", "queue", "catalog", "index", "embedder"],
      handler: "schedule/reconcile",
      description: "Compare the bucket with the index; send the events notifications missed",
      trigger: { kind: "schedule", expression: "rate(1 hour)" },
      timeoutSeconds: 900,
      concurrency: 1,
    },
    rollout: {
      uses: ["objects", "queue", "catalog", "index", "embedder"],
      handler: "schedule/rollout",
      description: "Advance an embedding model rollout: queue re-embeds, switch the index when complete",
      trigger: { kind: "schedule", expression: "rate(1 minute)" },
      timeoutSeconds: 300,
      concurrency: 1,
    },
    "evals-run": {
      uses: ["objects", "queue", "jobs", "catalog", "notifier"],
      handler: "schedule/evals-run",
      description: "Run the eval suite as real jobs, store the report in the bucket, emit headline metrics",
      trigger: { kind: "schedule", expression: "rate(1 day)" },
      timeoutSeconds: 900,
      concurrency: 1,
      memoryMB: 1024,
    },
    "http-index": {
      uses: ["objects", "queue", "catalog", "index", "embedder", "apiKeys"],
      handler: "http/index-status",
      description: "Embedding model rollout progress",
      trigger: { kind: "http", routes: ["GET /index/rollout"] },
      timeoutSeconds: 10,
      concurrency: 4,
    },
    "http-evals": {
      uses: ["objects", "apiKeys"],
      handler: "http/evals",
      description: "Eval runs stored in the bucket: list, summary, HTML report, the blind audit (admins)",
      trigger: { kind: "http", routes: ["GET /evals", "GET /evals/{id}", "GET /evals/{id}/report", "GET /evals/{id}/audit", "POST /evals/{id}/audit"] },
      timeoutSeconds: 10,
      concurrency: 4,
    },
    "http-health": {
      uses: ["objects", "queue", "jobs", "catalog", "index", "apiKeys"],
      handler: "http/health",
      description: "Liveness and queue depths",
      trigger: { kind: "http", routes: ["GET /health"] },
      timeoutSeconds: 5,
      concurrency: 4,
    },
    "ws-authorize": {
      uses: ["apiKeys"],
      handler: "ws/authorize",
      description: "WebSocket $connect authorizer: API key (header or ?token=) → principal",
      trigger: { kind: "authorizer", identitySources: [] },
      timeoutSeconds: 5,
      concurrency: 16,
    },
    "ws-connect": {
      uses: ["jobs", "notifier"],
      handler: "ws/connect",
      description: "WebSocket connect",
      trigger: { kind: "websocket", route: "$connect", authorizer: "ws-authorize" },
      timeoutSeconds: 5,
      concurrency: 16,
    },
    "ws-disconnect": {
      uses: ["jobs", "notifier"],
      handler: "ws/disconnect",
      description: "WebSocket disconnect: drop subscriptions",
      trigger: { kind: "websocket", route: "$disconnect" },
      timeoutSeconds: 5,
      concurrency: 16,
    },
    "ws-subscribe": {
      uses: ["jobs", "notifier"],
      handler: "ws/subscribe",
      description: "Follow a job from a sequence number",
      trigger: { kind: "websocket", route: "subscribe" },
      timeoutSeconds: 10,
      concurrency: 16,
    },
  },
};

export const queueFunctions = (t: Topology = topology) =>
  Object.entries(t.functions).filter((e): e is [string, FunctionDef & { trigger: QueueTrigger }] => e[1].trigger.kind === "queue");

/** The queue trigger of a queue function (its receives, visibility), for the handlers that need them. */
export function queueTrigger(name: string, t: Topology = topology): QueueTrigger {
  const trigger = t.functions[name]?.trigger;
  if (trigger?.kind !== "queue") throw new Error(`${name} is not a queue function of the topology`);
  return trigger;
}
