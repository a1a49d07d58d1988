import type { FunctionDef, Use } from "../../shared/topology";

// What the Kubernetes manifests need beyond the topology: the image, the in-cluster addresses of the
// backends (the ConfigMap), which settings are secrets, and scaling bounds. Edit here and run
// `npm run k8s:generate`; test/unit/deploy/k8s-manifests.test.ts fails while the committed
// manifests differ from what this file and the topology generate.

export const K8S = {
  /** Built from deploy/onprem/Dockerfile (its ENTRYPOINT is `ragline`: the args below are ragline's). */
  image: "ragline:local",
  /** The one ConfigMap (non-secret settings) and the one Secret (created by you, never generated). */
  configMap: "ragline-settings",
  secret: "ragline-secrets",
  port: 8787,
  /**
   * SQS queue URL = this + RAGLINE_SQS_QUEUE_PREFIX + topology queue name. KEDA's scaler needs a URL
   * whose path is /<account>/<queue>; ElasticMQ answers for any account id. On AWS:
   * https://sqs.<region>.amazonaws.com/<account id>/ and no awsEndpoint.
   */
  sqsQueueUrlBase: "http://elasticmq:9324/000000000000/",
  /** KEDA's SQS client is pointed here (ElasticMQ's SQS-compatible endpoint); "" on AWS. */
  kedaAwsEndpoint: "http://elasticmq:9324",
  /** Most pods per queue function (KEDA's maxReplicaCount); per function below where it differs. */
  maxReplicas: 10,
  maxReplicasByFunction: { "ingest-index": 4, "webhook-deliver": 4 } as Record<string, number>,
  /**
   * Queue functions kept warm (KEDA's minReplicaCount): a query job would otherwise wait for a pod
   * to start (image pull, Node start) before its first event. Everything else scales to zero.
   */
  minReplicasByFunction: { "query-run": 1 } as Record<string, number>,
  /** The API (HTTP + WebSocket): replicas bounds and the CPU use the HPA keeps them at. */
  api: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 70 },
} as const;

/**
 * The ConfigMap: on-prem backends reached by in-cluster Service names (as deploy/onprem/compose.yaml
 * names them). Every key is a setting of the config schema (shared/runtime/config*.ts); the test
 * loads these with placeholder secrets through the real configuration parser.
 */
export const SETTINGS: Record<string, string> = {
  RAGLINE_BACKEND: "onprem",
  RAGLINE_HOST: "0.0.0.0",
  PORT: String(K8S.port),
  RAGLINE_PROVISION: "true",
  // SQS bills per request and KEDA counts messages in flight: long polls are cheaper and lose nothing.
  RAGLINE_POLL_WAIT_SECONDS: "20",
  RAGLINE_AWS_REGION: "us-east-1",
  RAGLINE_S3_ENDPOINT: "http://minio:9000",
  RAGLINE_S3_BUCKET: "documents",
  RAGLINE_SQS_ENDPOINT: "http://elasticmq:9324",
  RAGLINE_SQS_QUEUE_PREFIX: "ragline-",
  RAGLINE_DYNAMODB_ENDPOINT: "http://scylla:8000",
  RAGLINE_ES_URL: "http://elasticsearch:9200",
  RAGLINE_AUTH: "required",
  RAGLINE_EMBEDDER: "tei",
  RAGLINE_EMBED_URL: "http://tei-embed:80",
  RAGLINE_EMBED_MODEL: "BAAI/bge-small-en-v1.5",
  RAGLINE_RERANKER: "tei",
  RAGLINE_RERANK_URL: "http://tei-rerank:80",
  RAGLINE_RERANK_MODEL: "BAAI/bge-reranker-base",
  RAGLINE_GENERATOR: "openai",
  RAGLINE_LLM_URL: "http://vllm:8000",
  RAGLINE_LLM_MODEL: "Qwen/Qwen2.5-7B-Instruct",
  LOG_LEVEL: "INFO",
};

/**
 * Settings that are secrets, by what needs them (topology `uses`): each pod gets only the keys its
 * functions use, as secretKeyRef into K8S.secret (optional: an unset key is an unset setting).
 * Keys are the config schema's names. "api" = the API pods only (MinIO's bucket webhook lands there).
 */
export const SECRET_SETTINGS: Record<string, (Use | "api")[]> = {
  RAGLINE_API_KEYS: ["apiKeys"],
  RAGLINE_WEBHOOK_SECRET: ["webhookSecret"],
  RAGLINE_EMBED_API_KEY: ["embedder"],
  RAGLINE_RERANK_API_KEY: ["reranker"],
  RAGLINE_LLM_API_KEY: ["generator"],
  RAGLINE_ES_API_KEY: ["index"],
  RAGLINE_ES_USERNAME: ["index"],
  RAGLINE_ES_PASSWORD: ["index"],
  RAGLINE_AWS_ACCESS_KEY_ID: ["objects", "queue", "jobs", "catalog"],
  RAGLINE_AWS_SECRET_ACCESS_KEY: ["objects", "queue", "jobs", "catalog"],
  RAGLINE_BUCKET_WEBHOOK_TOKEN: ["api"],
  RAGLINE_OCR_TOKEN: ["ocr"],
};

/** The secret settings a set of functions needs. */
export function secretsFor(defs: FunctionDef[], api = false): string[] {
  const uses = new Set<string>(defs.flatMap((d) => d.uses ?? []));
  if (api) uses.add("api");
  return Object.entries(SECRET_SETTINGS)
    .filter(([, by]) => by.some((u) => uses.has(u)))
    .map(([k]) => k);
}
