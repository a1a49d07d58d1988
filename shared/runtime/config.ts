import { z } from "zod";
import { resolve } from "node:path";
import { linkedSecretSettings } from "../adapters/aws/sst-links";
import { backendConfigSchema, sstLinks } from "./config-backends";
import { ConfigError } from "./config-error";
import { modelConfigSchema } from "./config-models";

// The one place that reads process.env. Every setting is RAGLINE_* (plus PORT and LOG_LEVEL);
// a wrong value stops start-up with a message naming the variable.

const int = (def: number) => z.coerce.number().int().positive().default(def);

export const configSchema = z
  .object({
    RAGLINE_DATA_DIR: z.string().min(1).default(".data"),
    PORT: z.coerce.number().int().min(0).max(65535).default(8787),
    RAGLINE_HOST: z.string().default("127.0.0.1"),
    /** Origins (comma-separated) of a console served elsewhere that may call this host's API cross-origin (CORS). Default: none. */
    RAGLINE_CONSOLE_ORIGIN: z
      .string()
      .default("")
      .transform((v, c) => {
        const origins = v
          .split(",")
          .map((o) => o.trim())
          .filter(Boolean);
        for (const o of origins)
          if (!/^https?:\/\/[^/\s*]+$/.test(o)) c.addIssue({ code: "custom", message: `${o} is not an origin (scheme://host[:port], no path, no wildcard)` });
        return origins;
      }),
    /** Backpressure: refuse new query jobs (429) above this many queued jobs. */
    RAGLINE_MAX_QUEUED_JOBS: int(500),
    RAGLINE_RETRY_AFTER_SECONDS: int(2),
    /** Backpressure per caller: jobs pending or working at once. */
    RAGLINE_MAX_JOBS_PER_CALLER: int(20),
    /** Per-tenant cap on jobs running at once; more wait in the queue. */
    RAGLINE_MAX_RUNNING_PER_TENANT: int(8),
    /** A job asking for more than this top-K is classed "long". */
    RAGLINE_LONG_JOB_TOP_K: int(15),
    /** Chunking budget in words, and overlap in words. */
    RAGLINE_CHUNK_WORDS: int(180),
    RAGLINE_CHUNK_OVERLAP_WORDS: z.coerce.number().int().min(0).default(30),
    RAGLINE_TOP_K: int(6),
    /** Folder bucket: how long a changed file must stay unchanged before it is announced, in ms. */
    RAGLINE_SCAN_INTERVAL_MS: int(500),
    /** Folder bucket: the full rescan that catches what file-system events missed, in ms (changes arrive by fs.watch). */
    RAGLINE_BUCKET_RESCAN_MS: int(60_000),
    /** Long-poll wait of the host's queue pollers, seconds (SQS bills per request: 10-20 is cheaper there; shutdown waits up to this long). */
    RAGLINE_POLL_WAIT_SECONDS: z.coerce.number().int().min(0).max(20).default(1),
    /** Host instances declare themselves alive this often; on another machine, one silent for 5 periods + 2 s has its leases released. */
    RAGLINE_HEARTBEAT_MS: int(2000),
    /** Host worker threads for parsing and chunking: unset = one per core less one, 0 = on the request thread. */
    RAGLINE_WORKERS: z.coerce.number().int().min(0).max(256).optional(),
    /** Largest accepted upload, in bytes. */
    RAGLINE_MAX_OBJECT_BYTES: int(100 * 1024 * 1024),
    /** Parsing limits: PDF pages, pages sent to OCR (0 disables OCR), OCR render resolution. */
    RAGLINE_PARSE_MAX_PAGES: int(2000),
    RAGLINE_OCR_MAX_PAGES: z.coerce.number().int().min(0).default(200),
    RAGLINE_OCR_DPI: z.coerce.number().int().min(72).max(600).default(300),
    /** An OCR host (`ragline ocr-host`) to send scanned pages to, for runtimes without Tesseract/poppler (Lambda). */
    RAGLINE_OCR_URL: z.preprocess((v) => (v === "" ? undefined : v), z.string().url().optional()),
    /** The OCR host's bearer token (16+ characters); the host refuses to start without one. */
    RAGLINE_OCR_TOKEN: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(16, "must be at least 16 characters").optional()),
    /** HMAC key for completion webhooks. No default: unset, a query with a callbackUrl is refused (webhooks_disabled). */
    RAGLINE_WEBHOOK_SECRET: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(16, "must be at least 16 characters").optional()),
    /** callbackUrl may be plain http (default: https only). */
    RAGLINE_WEBHOOK_ALLOW_HTTP: z
      .enum(["true", "false", "1", "0"])
      .transform((v) => v === "true" || v === "1")
      .default(false),
    /** Hosts, IPs and CIDRs a callbackUrl may reach although loopback, private or link-local (comma-separated). */
    RAGLINE_WEBHOOK_ALLOWLIST: z.string().default(""),
    /** Finished jobs and their event logs are deleted after this many hours. */
    RAGLINE_JOB_TTL_HOURS: int(168),
  })
  .extend(backendConfigSchema.shape)
  .extend(modelConfigSchema.shape);

export type Config = z.infer<typeof configSchema> & { dataDir: string; bucketDir: string };

export { ConfigError };

/** The process's settings: its environment, plus the secrets SST linked to it (on Lambda; an explicit variable wins). */
export const processSettings = (): Record<string, string | undefined> => ({ ...linkedSecretSettings(sstLinks()), ...process.env });

export function loadConfig(env: Record<string, string | undefined> = processSettings()): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  const dataDir = resolve(parsed.data.RAGLINE_DATA_DIR);
  return { ...parsed.data, dataDir, bucketDir: resolve(dataDir, "bucket") };
}
