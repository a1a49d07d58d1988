// Deploy-time settings (read from the deploying machine's environment by sst.config.ts): which model
// backends the functions use, passed to Lambda as the same RAGLINE_* variables the host reads; auth
// (required by default here).
// Keys and URLs that are secret live in sst.Secret instead (stacks/secrets.ts).

/** Non-secret RAGLINE_* settings forwarded verbatim to every function. */
export const FORWARDED = [
  "RAGLINE_EMBEDDER", "RAGLINE_EMBED_URL", "RAGLINE_EMBED_MODEL", "RAGLINE_EMBED_DIMENSIONS", "RAGLINE_EMBED_QUERY_PREFIX", "RAGLINE_EMBED_DOCUMENT_PREFIX",
  "RAGLINE_PREVIOUS_EMBEDDER", "RAGLINE_PREVIOUS_EMBED_URL", "RAGLINE_PREVIOUS_EMBED_MODEL", "RAGLINE_PREVIOUS_EMBED_DIMENSIONS",
  "RAGLINE_RERANKER", "RAGLINE_RERANK_URL", "RAGLINE_RERANK_MODEL",
  "RAGLINE_GENERATOR", "RAGLINE_LLM_URL", "RAGLINE_LLM_MODEL", "RAGLINE_LLM_MAX_TOKENS",
  "RAGLINE_AUTH", "RAGLINE_ES_INDEX", "RAGLINE_ES_SHARDS", "RAGLINE_ES_REPLICAS", "RAGLINE_JOB_TTL_HOURS", "RAGLINE_MAX_QUEUED_JOBS", "LOG_LEVEL",
] as const;

export type SecretKey = "RAGLINE_EMBED_API_KEY" | "RAGLINE_RERANK_API_KEY" | "RAGLINE_LLM_API_KEY" | "RAGLINE_API_KEYS";

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
  // On AWS, auth is required unless a deployment turns it off explicitly (RAGLINE_AUTH=off).
  environment.RAGLINE_AUTH = env.RAGLINE_AUTH ?? "required";
  if (environment.RAGLINE_AUTH === "required") secretKeys.push("RAGLINE_API_KEYS");
  return { stage, environment, secretKeys };
}
