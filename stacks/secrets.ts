import { LINKS } from "../shared/adapters/aws/sst-links";
import type { DeploySettings } from "./settings";
import type { SecretLike, SstApi } from "./sst-api";

// Secrets (`sst secret set <Name> <value>`): Elasticsearch's URL and API key, the webhook signing
// key, and the inference keys the chosen model backends need. Elasticsearch's are linked (read
// through Resource by config-backends); the others reach the functions as their RAGLINE_* variable.

const ENV_SECRETS = {
  RAGLINE_EMBED_API_KEY: "EmbedApiKey",
  RAGLINE_RERANK_API_KEY: "RerankApiKey",
  RAGLINE_LLM_API_KEY: "LlmApiKey",
  RAGLINE_API_KEYS: "ApiKeys",
} as const;

export function secrets(sst: SstApi, settings: DeploySettings) {
  const linked = { esUrl: new sst.Secret(LINKS.esUrl), esApiKey: new sst.Secret(LINKS.esApiKey) };
  const environment: Record<string, SecretLike["value"]> = { RAGLINE_WEBHOOK_SECRET: new sst.Secret("WebhookSecret").value };
  for (const key of settings.secretKeys ?? []) environment[key] = new sst.Secret(ENV_SECRETS[key]).value;
  return { linked, environment };
}
