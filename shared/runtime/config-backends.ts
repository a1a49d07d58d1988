import { Resource } from "sst/resource";
import { z } from "zod";
import { LINKS } from "../adapters/aws/sst-links";
import { ConfigError } from "./config-error";

export { LINKS };

// Settings of the storage/transport ports (object store, queue, job store, document catalog, search
// index, notifier). RAGLINE_BACKEND picks a preset; RAGLINE_<PORT> overrides one port, so a host can
// run e.g. S3 + SQS + DynamoDB with the embedded search index. On Lambda, names and URLs of the
// resources SST created come from its links (`Resource.X`), read here and nowhere else.

const flag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const url = z
  .string()
  .regex(/^https?:\/\/[^/\s]+/, "must be an http(s):// URL")
  .optional();
const text = z.string().min(1).optional();

export const backendConfigSchema = z.object({
  RAGLINE_BACKEND: z.enum(["embedded", "onprem", "aws"]).default("embedded"),
  RAGLINE_OBJECT_STORE: z.enum(["folder", "s3"]).optional(),
  RAGLINE_QUEUE: z.enum(["sqlite", "sqs"]).optional(),
  RAGLINE_JOB_STORE: z.enum(["sqlite", "dynamodb"]).optional(),
  RAGLINE_CATALOG: z.enum(["sqlite", "dynamodb"]).optional(),
  RAGLINE_SEARCH_INDEX: z.enum(["sqlite", "elasticsearch"]).optional(),
  RAGLINE_NOTIFIER: z.enum(["local", "apigateway"]).optional(),
  /** Create the bucket, queues (with DLQs), tables and search index when missing (on-prem first start, tests). */
  RAGLINE_PROVISION: flag.default(false),

  /** Region for every AWS-API client; MinIO/ElasticMQ/Alternator accept any. Unset: the SDK's default chain. */
  RAGLINE_AWS_REGION: text,
  /** Static credentials for S3/SQS/DynamoDB-compatible servers on-prem. Unset: the SDK's default chain (IAM role on Lambda). */
  RAGLINE_AWS_ACCESS_KEY_ID: text,
  RAGLINE_AWS_SECRET_ACCESS_KEY: text,

  RAGLINE_S3_ENDPOINT: url,
  /** Path-style URLs (MinIO). Default: on when RAGLINE_S3_ENDPOINT is set. */
  RAGLINE_S3_FORCE_PATH_STYLE: flag.optional(),
  RAGLINE_S3_BUCKET: text,
  /**
   * What POST /uploads answers with: "presigned" (an S3 URL; the client must reach the S3 endpoint),
   * "host" (the API's own single-use URL, streamed to the bucket: no S3 endpoint exposed). "auto":
   * presigned on Lambda (whose requests stop at 6 MB), the host's URL wherever the host serves the API.
   */
  RAGLINE_UPLOAD_URLS: z.enum(["auto", "presigned", "host"]).default("auto"),

  RAGLINE_SQS_ENDPOINT: url,
  /** Physical queue name = prefix + topology name (e.g. "ragline-prod-" + "embed"); DLQs add "-dlq". */
  RAGLINE_SQS_QUEUE_PREFIX: z.string().default(""),

  RAGLINE_DYNAMODB_ENDPOINT: url,
  /** Table names; default "ragline-jobs" / "ragline-documents" (or the SST-linked tables on Lambda). */
  RAGLINE_DYNAMODB_JOBS_TABLE: z.string().min(3).optional(),
  RAGLINE_DYNAMODB_DOCUMENTS_TABLE: z.string().min(3).optional(),

  RAGLINE_ES_URL: url,
  RAGLINE_ES_API_KEY: text,
  RAGLINE_ES_USERNAME: text,
  RAGLINE_ES_PASSWORD: text,
  /** Index (and index-template pattern) of the chunks; the live-version markers use "<index>-live". */
  RAGLINE_ES_INDEX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, "must be a lowercase Elasticsearch index name")
    .default("ragline-chunks"),
  RAGLINE_ES_SHARDS: z.coerce.number().int().positive().default(1),
  RAGLINE_ES_REPLICAS: z.coerce.number().int().min(0).default(1),

  /** Shared secret MinIO sends (Authorization: Bearer ...) to the host's bucket webhook; unset = no check. */
  RAGLINE_BUCKET_WEBHOOK_TOKEN: text,

  /** API Gateway WebSocket management endpoint: https://{api-id}.execute-api.{region}.amazonaws.com/{stage} */
  RAGLINE_WS_ENDPOINT: url,
  /**
   * The ports this process builds, comma-separated (objects,queue,jobs,catalog,index,notifier); unset:
   * all. A Lambda function is linked only to what it uses (topology `uses`), and builds only that.
   */
  RAGLINE_PORTS: text,
});

export type BackendSettings = z.infer<typeof backendConfigSchema>;

export type ObjectStoreKind = "folder" | "s3";
export type QueueKind = "sqlite" | "sqs";
export type StoreKind = "sqlite" | "dynamodb";
export type SearchIndexKind = "sqlite" | "elasticsearch";
export type NotifierKind = "local" | "apigateway";

const PRESETS = {
  embedded: { objects: "folder", queue: "sqlite", jobs: "sqlite", catalog: "sqlite", index: "sqlite", notifier: "local" },
  // On-prem: MinIO, ElasticMQ, a DynamoDB-compatible store (ScyllaDB Alternator), Elasticsearch; the host holds WebSockets.
  onprem: { objects: "s3", queue: "sqs", jobs: "dynamodb", catalog: "dynamodb", index: "elasticsearch", notifier: "local" },
  aws: { objects: "s3", queue: "sqs", jobs: "dynamodb", catalog: "dynamodb", index: "elasticsearch", notifier: "apigateway" },
} as const;

export interface ResolvedBackends {
  objects: ObjectStoreKind;
  queue: QueueKind;
  jobs: StoreKind;
  catalog: StoreKind;
  index: SearchIndexKind;
  notifier: NotifierKind;
  provision: boolean;
  aws: { region?: string; credentials?: { accessKeyId: string; secretAccessKey: string } };
  s3: { endpoint?: string; forcePathStyle: boolean; bucket?: string };
  sqs: { endpoint?: string; prefix: string; urls: Record<string, string> };
  dynamodb: { endpoint?: string; jobsTable: string; documentsTable: string };
  es: { url?: string; apiKey?: string; username?: string; password?: string; index: string; shards: number; replicas: number };
  ws: { endpoint?: string };
  /** RAGLINE_PORTS: the ports built here; undefined: all. */
  ports?: string[];
}

/** Whether this process builds a port (RAGLINE_PORTS); a port not built fails on use, naming itself. */
export const buildsPort = (b: Pick<ResolvedBackends, "ports">, port: "objects" | "queue" | "jobs" | "catalog" | "index" | "notifier") =>
  !b.ports || b.ports.includes(port);

/** Anything but the all-embedded default needs the remote context (it also builds the local adapters). */
export const usesRemotePorts = (c: BackendSettings) =>
  c.RAGLINE_BACKEND !== "embedded" ||
  [c.RAGLINE_OBJECT_STORE, c.RAGLINE_QUEUE, c.RAGLINE_JOB_STORE, c.RAGLINE_CATALOG, c.RAGLINE_SEARCH_INDEX, c.RAGLINE_NOTIFIER].some((v) => v !== undefined);

/** What SST linked to this function, when it runs under SST (Lambda or `sst dev`); empty elsewhere. */
export type Links = Record<string, Record<string, unknown> | undefined>;

export function sstLinks(): Links {
  try {
    const out: Links = {};
    for (const name of Object.keys(Resource)) out[name] = (Resource as unknown as Links)[name];
    return out;
  } catch {
    return {};
  }
}

/**
 * Resolves each port's adapter and its settings, and refuses (naming the variable) when a chosen
 * adapter lacks what it needs. Explicit RAGLINE_* settings win over SST links.
 */
export function resolveBackends(c: BackendSettings, links: Links = sstLinks(), queueNames: readonly string[] = []): ResolvedBackends {
  const preset = PRESETS[c.RAGLINE_BACKEND];
  const link = (name: string, field: string) => {
    const v = links[name]?.[field];
    return typeof v === "string" && v ? v : undefined;
  };
  const r: ResolvedBackends = {
    objects: c.RAGLINE_OBJECT_STORE ?? preset.objects,
    queue: c.RAGLINE_QUEUE ?? preset.queue,
    jobs: c.RAGLINE_JOB_STORE ?? preset.jobs,
    catalog: c.RAGLINE_CATALOG ?? preset.catalog,
    index: c.RAGLINE_SEARCH_INDEX ?? preset.index,
    notifier: c.RAGLINE_NOTIFIER ?? preset.notifier,
    provision: c.RAGLINE_PROVISION,
    aws: {
      region: c.RAGLINE_AWS_REGION,
      credentials:
        c.RAGLINE_AWS_ACCESS_KEY_ID && c.RAGLINE_AWS_SECRET_ACCESS_KEY
          ? { accessKeyId: c.RAGLINE_AWS_ACCESS_KEY_ID, secretAccessKey: c.RAGLINE_AWS_SECRET_ACCESS_KEY }
          : undefined,
    },
    s3: {
      endpoint: c.RAGLINE_S3_ENDPOINT,
      forcePathStyle: c.RAGLINE_S3_FORCE_PATH_STYLE ?? !!c.RAGLINE_S3_ENDPOINT,
      bucket: c.RAGLINE_S3_BUCKET ?? link(LINKS.bucket, "name"),
    },
    sqs: {
      endpoint: c.RAGLINE_SQS_ENDPOINT,
      prefix: c.RAGLINE_SQS_QUEUE_PREFIX,
      urls: Object.fromEntries(
        queueNames
          .flatMap((q) => [
            [q, link(LINKS.queue(q), "url")],
            [`${q}-dlq`, link(LINKS.dlq(q), "url")],
          ])
          .filter((e): e is [string, string] => !!e[1]),
      ),
    },
    dynamodb: {
      endpoint: c.RAGLINE_DYNAMODB_ENDPOINT,
      jobsTable: c.RAGLINE_DYNAMODB_JOBS_TABLE ?? link(LINKS.jobsTable, "name") ?? "ragline-jobs",
      documentsTable: c.RAGLINE_DYNAMODB_DOCUMENTS_TABLE ?? link(LINKS.documentsTable, "name") ?? "ragline-documents",
    },
    es: {
      url: c.RAGLINE_ES_URL ?? link(LINKS.esUrl, "value"),
      apiKey: c.RAGLINE_ES_API_KEY ?? link(LINKS.esApiKey, "value"),
      username: c.RAGLINE_ES_USERNAME,
      password: c.RAGLINE_ES_PASSWORD,
      index: c.RAGLINE_ES_INDEX,
      shards: c.RAGLINE_ES_SHARDS,
      replicas: c.RAGLINE_ES_REPLICAS,
    },
    ws: { endpoint: c.RAGLINE_WS_ENDPOINT ?? link(LINKS.realtime, "managementEndpoint") },
    ports: c.RAGLINE_PORTS?.split(",")
      .map((p) => p.trim())
      .filter(Boolean),
  };
  const builds = (port: Parameters<typeof buildsPort>[1]) => buildsPort(r, port);

  const missing: string[] = [];
  const need = (ok: unknown, variable: string, because: string) => {
    if (!ok) missing.push(`${variable}: required when ${because}`);
  };
  if (r.objects === "s3" && builds("objects")) need(r.s3.bucket, "RAGLINE_S3_BUCKET", "the object store is s3");
  if (r.index === "elasticsearch" && builds("index")) need(r.es.url, "RAGLINE_ES_URL", "the search index is elasticsearch");
  if (r.notifier === "apigateway" && builds("notifier")) need(r.ws.endpoint, "RAGLINE_WS_ENDPOINT", "the notifier is apigateway");
  if (!!c.RAGLINE_AWS_ACCESS_KEY_ID !== !!c.RAGLINE_AWS_SECRET_ACCESS_KEY) {
    missing.push(
      `${c.RAGLINE_AWS_ACCESS_KEY_ID ? "RAGLINE_AWS_SECRET_ACCESS_KEY" : "RAGLINE_AWS_ACCESS_KEY_ID"}: required when the other half of the key pair is set`,
    );
  }
  if (!!c.RAGLINE_ES_USERNAME !== !!c.RAGLINE_ES_PASSWORD)
    missing.push(`${c.RAGLINE_ES_USERNAME ? "RAGLINE_ES_PASSWORD" : "RAGLINE_ES_USERNAME"}: required when the other is set`);
  if (missing.length) throw new ConfigError(`invalid configuration:\n  ${missing.join("\n  ")}`);
  return r;
}
