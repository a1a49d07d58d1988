// Names of the SST links: stacks/ creates the resources under these names, and on Lambda the
// configuration reads them back through `Resource.<name>` (shared/runtime/config-backends.ts for
// resources, shared/runtime/config.ts for secrets).

const pascal = (name: string) =>
  name
    .split(/[-_]/)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join("");

export const LINKS = {
  bucket: "Documents",
  jobsTable: "Jobs",
  documentsTable: "DocumentCatalog",
  realtime: "Realtime",
  esUrl: "ElasticsearchUrl",
  esApiKey: "ElasticsearchApiKey",
  /** A queue's link: "Queue" + PascalCase(name), its DLQ: ... + "Dlq". */
  queue: (name: string) => `Queue${pascal(name)}`,
  dlq: (name: string) => `Queue${pascal(name)}Dlq`,
  /** A topology function's resource name. */
  fn: (name: string) => `Fn${pascal(name)}`,
  cron: (name: string) => `Cron${pascal(name)}`,
} as const;

/**
 * Secrets (sst.Secret, linked only to the functions that use them) by the setting the core reads
 * them as: on Lambda they are never environment variables, the configuration reads `Resource.<link>.value`.
 */
export const SECRET_LINKS = {
  RAGLINE_WEBHOOK_SECRET: "WebhookSecret",
  RAGLINE_API_KEYS: "ApiKeys",
  RAGLINE_LLM_API_KEY: "LlmApiKey",
  RAGLINE_EMBED_API_KEY: "EmbedApiKey",
  RAGLINE_RERANK_API_KEY: "RerankApiKey",
  RAGLINE_OCR_TOKEN: "OcrToken",
} as const;

export type SecretSetting = keyof typeof SECRET_LINKS;

/** The settings that linked secrets supply (only those linked to this function and set). */
export function linkedSecretSettings(links: Record<string, Record<string, unknown> | undefined>): Partial<Record<SecretSetting, string>> {
  const out: Partial<Record<SecretSetting, string>> = {};
  for (const [setting, link] of Object.entries(SECRET_LINKS) as [SecretSetting, string][]) {
    const v = links[link]?.value;
    if (typeof v === "string" && v) out[setting] = v;
  }
  return out;
}
