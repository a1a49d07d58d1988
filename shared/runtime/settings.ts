import type { DefaultAccessRule } from "../auth/config-auth";
import type { Config } from "./config";

// The settings the core reads, grouped by concern and named in the core's words, built once from the
// configuration. Core functions name the ports and settings they use (`Uses<...>`), so a signature says
// what a stage depends on (runtime/context-types.ts), and no domain code reads a RAGLINE_* variable.

export interface AccessSettings {
  /** Who may read a document whose metadata names no tenant/ACL: the longest matching prefix rule. */
  defaultRules: DefaultAccessRule[];
}

export interface IngestSettings {
  maxObjectBytes: number;
  parse: { maxPages: number; maxOcrPages: number; ocrDpi: number; ocrHost?: { url: string; token?: string } };
  chunking: { maxWords: number; overlapWords: number };
}

export interface JobSettings {
  /** Backpressure: queued jobs per class, and jobs in flight per caller. */
  maxQueued: number;
  maxPerCaller: number;
  retryAfterSeconds: number;
  /** Jobs of one tenant running at once; more wait in the queue. */
  maxRunningPerTenant: number;
  /** A job asking for more than this top-K is classed "long". */
  longJobTopK: number;
  /** Finished jobs are deleted after this many hours. */
  ttlHours: number;
}

export interface WebhookSettings {
  /** HMAC key; unset, a query with a callbackUrl is refused. */
  secret?: string;
  allowHttp: boolean;
  /** Hosts, IPs and CIDRs a callbackUrl may reach although private (comma-separated). */
  allowlist: string;
}

export interface QuerySettings {
  topK: number;
  /** Candidates each retrieval side (BM25, vector) brings per answer source. */
  candidatesPerSource: number;
  transform: "auto" | "off";
  expansions: number;
  /** Fusion weights set by the operator (they win over the measured choice), and the RRF constant. */
  fusion: { bm25Weight?: number; vectorWeight?: number; k: number };
  contextTokens: number;
  minRelevance: number;
  minRerankScore: number;
  groundingMinSupport: number;
}

export interface Settings {
  access: AccessSettings;
  ingest: IngestSettings;
  jobs: JobSettings;
  webhooks: WebhookSettings;
  query: QuerySettings;
}

export function settingsFrom(c: Config): Settings {
  return {
    access: { defaultRules: c.RAGLINE_DEFAULT_ACCESS },
    ingest: {
      maxObjectBytes: c.RAGLINE_MAX_OBJECT_BYTES,
      parse: {
        maxPages: c.RAGLINE_PARSE_MAX_PAGES,
        maxOcrPages: c.RAGLINE_OCR_MAX_PAGES,
        ocrDpi: c.RAGLINE_OCR_DPI,
        ...(c.RAGLINE_OCR_URL ? { ocrHost: { url: c.RAGLINE_OCR_URL, token: c.RAGLINE_OCR_TOKEN } } : {}),
      },
      chunking: { maxWords: c.RAGLINE_CHUNK_WORDS, overlapWords: c.RAGLINE_CHUNK_OVERLAP_WORDS },
    },
    jobs: {
      maxQueued: c.RAGLINE_MAX_QUEUED_JOBS,
      maxPerCaller: c.RAGLINE_MAX_JOBS_PER_CALLER,
      retryAfterSeconds: c.RAGLINE_RETRY_AFTER_SECONDS,
      maxRunningPerTenant: c.RAGLINE_MAX_RUNNING_PER_TENANT,
      longJobTopK: c.RAGLINE_LONG_JOB_TOP_K,
      ttlHours: c.RAGLINE_JOB_TTL_HOURS,
    },
    webhooks: { secret: c.RAGLINE_WEBHOOK_SECRET, allowHttp: c.RAGLINE_WEBHOOK_ALLOW_HTTP, allowlist: c.RAGLINE_WEBHOOK_ALLOWLIST },
    query: {
      topK: c.RAGLINE_TOP_K,
      candidatesPerSource: c.RAGLINE_CANDIDATES_PER_SOURCE,
      transform: c.RAGLINE_QUERY_TRANSFORM,
      expansions: c.RAGLINE_QUERY_EXPANSIONS,
      fusion: { bm25Weight: c.RAGLINE_FUSION_BM25_WEIGHT, vectorWeight: c.RAGLINE_FUSION_VECTOR_WEIGHT, k: c.RAGLINE_FUSION_K },
      contextTokens: c.RAGLINE_CONTEXT_TOKENS,
      minRelevance: c.RAGLINE_MIN_RELEVANCE,
      minRerankScore: c.RAGLINE_MIN_RERANK_SCORE,
      groundingMinSupport: c.RAGLINE_GROUNDING_MIN_SUPPORT,
    },
  };
}
