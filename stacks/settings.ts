// Deploy-time settings (read from the deploying machine's environment by sst.config.ts): which model
// backends the functions use, passed to Lambda as the same RAGLINE_* variables the host reads; auth
// (required by default here).
// Keys and URLs that are secret live in sst.Secret instead (stacks/secrets.ts).

/** Non-secret RAGLINE_* settings forwarded verbatim to every function (when set on the deploying machine). */
export const FORWARDED = [
  "RAGLINE_EMBEDDER",
  "RAGLINE_EMBED_URL",
  "RAGLINE_EMBED_MODEL",
  "RAGLINE_EMBED_DIMENSIONS",
  "RAGLINE_EMBED_QUERY_PREFIX",
  "RAGLINE_EMBED_DOCUMENT_PREFIX",
  "RAGLINE_EMBED_BATCH",
  "RAGLINE_PREVIOUS_EMBEDDER",
  "RAGLINE_PREVIOUS_EMBED_URL",
  "RAGLINE_PREVIOUS_EMBED_MODEL",
  "RAGLINE_PREVIOUS_EMBED_DIMENSIONS",
  "RAGLINE_RERANKER",
  "RAGLINE_RERANK_URL",
  "RAGLINE_RERANK_MODEL",
  "RAGLINE_GENERATOR",
  "RAGLINE_LLM_URL",
  "RAGLINE_LLM_MODEL",
  "RAGLINE_LLM_MAX_TOKENS",
  "RAGLINE_LLM_TEMPERATURE",
  "RAGLINE_QUERY_TRANSFORM",
  "RAGLINE_QUERY_EXPANSIONS",
  "RAGLINE_INFERENCE_TIMEOUT_MS",
  "RAGLINE_INFERENCE_RETRIES",
  "RAGLINE_INFERENCE_BACKOFF_MS",
  "RAGLINE_INFERENCE_MAX_BACKOFF_MS",
  "RAGLINE_INFERENCE_CONCURRENCY",
  "RAGLINE_BREAKER_FAILURES",
  "RAGLINE_BREAKER_COOLDOWN_MS",
  "RAGLINE_FUSION_BM25_WEIGHT",
  "RAGLINE_FUSION_VECTOR_WEIGHT",
  "RAGLINE_FUSION_K",
  "RAGLINE_CANDIDATES_PER_SOURCE",
  "RAGLINE_CONTEXT_TOKENS",
  "RAGLINE_MIN_RELEVANCE",
  "RAGLINE_MIN_RERANK_SCORE",
  "RAGLINE_GROUNDING_MIN_SUPPORT",
  "RAGLINE_TOP_K",
  "RAGLINE_CHUNK_WORDS",
  "RAGLINE_CHUNK_OVERLAP_WORDS",
  "RAGLINE_MAX_OBJECT_BYTES",
  "RAGLINE_PARSE_MAX_PAGES",
  "RAGLINE_OCR_MAX_PAGES",
  "RAGLINE_OCR_DPI",
  "RAGLINE_OCR_URL",
  "RAGLINE_AUTH",
  "RAGLINE_DEFAULT_ACCESS",
  "RAGLINE_WEBHOOK_ALLOW_HTTP",
  "RAGLINE_WEBHOOK_ALLOWLIST",
  "RAGLINE_RETRY_AFTER_SECONDS",
  "RAGLINE_MAX_QUEUED_JOBS",
  "RAGLINE_MAX_JOBS_PER_CALLER",
  "RAGLINE_MAX_RUNNING_PER_TENANT",
  "RAGLINE_LONG_JOB_TOP_K",
  "RAGLINE_ES_INDEX",
  "RAGLINE_ES_SHARDS",
  "RAGLINE_ES_REPLICAS",
  "RAGLINE_ES_USERNAME",
  "RAGLINE_JOB_TTL_HOURS",
  "LOG_LEVEL",
] as const;

/**
 * Every other setting of the configuration schema, and why it is not forwarded. A setting in neither
 * list fails test/unit/stacks/settings-forwarded.test.ts: a new setting must say how it reaches AWS.
 */
export const NOT_FORWARDED: Record<string, string> = {
  RAGLINE_BACKEND: "set by the stacks (aws)",
  RAGLINE_DATA_DIR: "set by the stacks (/tmp on Lambda)",
  RAGLINE_PORTS: "set by the stacks per function (its `uses`)",
  RAGLINE_OBJECT_STORE: "follows RAGLINE_BACKEND=aws",
  RAGLINE_QUEUE: "follows RAGLINE_BACKEND=aws",
  RAGLINE_JOB_STORE: "follows RAGLINE_BACKEND=aws",
  RAGLINE_CATALOG: "follows RAGLINE_BACKEND=aws",
  RAGLINE_SEARCH_INDEX: "follows RAGLINE_BACKEND=aws",
  RAGLINE_NOTIFIER: "follows RAGLINE_BACKEND=aws",
  RAGLINE_PROVISION: "the stacks create every resource",
  RAGLINE_AWS_REGION: "Lambda's own region",
  RAGLINE_AWS_ACCESS_KEY_ID: "Lambda's role credentials",
  RAGLINE_AWS_SECRET_ACCESS_KEY: "Lambda's role credentials",
  RAGLINE_S3_BUCKET: "a link to the bucket",
  RAGLINE_UPLOAD_URLS: "auto is presigned on Lambda (its requests stop at 6 MB)",
  RAGLINE_SQS_QUEUE_PREFIX: "links to the queues",
  RAGLINE_DYNAMODB_JOBS_TABLE: "a link to the table",
  RAGLINE_DYNAMODB_DOCUMENTS_TABLE: "a link to the table",
  RAGLINE_WS_ENDPOINT: "a link to the WebSocket API",
  RAGLINE_S3_ENDPOINT: "on-prem endpoint (AWS uses its own)",
  RAGLINE_S3_FORCE_PATH_STYLE: "on-prem (MinIO)",
  RAGLINE_SQS_ENDPOINT: "on-prem endpoint (ElasticMQ)",
  RAGLINE_DYNAMODB_ENDPOINT: "on-prem endpoint (Alternator)",
  RAGLINE_ES_URL: "a secret (sst secret set EsUrl)",
  RAGLINE_ES_API_KEY: "a secret (EsApiKey)",
  RAGLINE_ES_PASSWORD: "use an API key secret on AWS",
  RAGLINE_EMBED_API_KEY: "a secret",
  RAGLINE_RERANK_API_KEY: "a secret",
  RAGLINE_LLM_API_KEY: "a secret",
  RAGLINE_API_KEYS: "a secret (ApiKeys)",
  RAGLINE_OCR_TOKEN: "a secret (OcrToken)",
  RAGLINE_WEBHOOK_SECRET: "a secret (WebhookSecret)",
  RAGLINE_API_KEYS_FILE: "a file on a host; on AWS the ApiKeys secret",
  RAGLINE_BUCKET_WEBHOOK_TOKEN: "MinIO's webhook; on AWS S3 notifies SQS directly",
  PORT: "the host's HTTP port",
  RAGLINE_HOST: "the host's bind address",
  RAGLINE_CONSOLE_ORIGIN: "the host's CORS; on AWS the stacks give API Gateway the console site's origin",
  RAGLINE_SCAN_INTERVAL_MS: "the folder bucket (host)",
  RAGLINE_BUCKET_RESCAN_MS: "the folder bucket (host)",
  RAGLINE_POLL_WAIT_SECONDS: "the host's pollers (Lambda polls SQS itself)",
  RAGLINE_HEARTBEAT_MS: "host instances' leases (SQS owns leases on AWS)",
  RAGLINE_WORKERS: "the host's worker threads (each Lambda invocation has its own)",
};

export type SecretKey = "RAGLINE_EMBED_API_KEY" | "RAGLINE_RERANK_API_KEY" | "RAGLINE_LLM_API_KEY" | "RAGLINE_API_KEYS" | "RAGLINE_OCR_TOKEN";

export interface DeploySettings {
  stage: string;
  /** The forwarded RAGLINE_* values that are set. */
  environment?: Record<string, string>;
  /** Inference keys (and API keys) to hold as secrets: only for the backends that need one. */
  secretKeys?: SecretKey[];
}

/** Picks the deploy settings from an environment (the deploying machine's). */
export function deploySettingsFrom(stage: string, env: Record<string, string | undefined>): DeploySettings {
  const environment = Object.fromEntries(FORWARDED.flatMap((k) => (env[k] ? [[k, env[k]!]] : [])));
  const secretKeys: SecretKey[] = [];
  if (env.RAGLINE_EMBEDDER && env.RAGLINE_EMBEDDER !== "local" && env.RAGLINE_EMBED_API_KEY_SECRET !== "false") secretKeys.push("RAGLINE_EMBED_API_KEY");
  if (env.RAGLINE_RERANKER && env.RAGLINE_RERANKER !== "none" && env.RAGLINE_RERANK_API_KEY_SECRET !== "false") secretKeys.push("RAGLINE_RERANK_API_KEY");
  if (env.RAGLINE_GENERATOR === "openai" && env.RAGLINE_LLM_API_KEY_SECRET !== "false") secretKeys.push("RAGLINE_LLM_API_KEY");
  // Lambda has no Tesseract: scanned pages go to an OCR host (`ragline ocr-host`) when one is named.
  if (env.RAGLINE_OCR_URL) secretKeys.push("RAGLINE_OCR_TOKEN");
  // On AWS, auth is required unless a deployment turns it off explicitly (RAGLINE_AUTH=off).
  environment.RAGLINE_AUTH = env.RAGLINE_AUTH ?? "required";
  if (environment.RAGLINE_AUTH === "required") secretKeys.push("RAGLINE_API_KEYS");
  return { stage, environment, secretKeys };
}
