import { LINKS, SECRET_LINKS, type SecretSetting } from "../shared/adapters/aws/sst-links";
import type { DeploySettings } from "./settings";
import type { SecretLike, SstApi } from "./sst-api";

// Secrets (`sst secret set <Name> <value>`), all linked, never environment variables: on Lambda the
// configuration reads them through `Resource` (SECRET_LINKS), and only functions that use one are
// linked to it (stacks/links.ts). Elasticsearch's URL and API key; the webhook signing key; the API
// key store and the inference keys when the settings need them.

export function secrets(sst: SstApi, settings: DeploySettings) {
  const es = { url: new sst.Secret(LINKS.esUrl), apiKey: new sst.Secret(LINKS.esApiKey) };
  const linked: Partial<Record<SecretSetting, SecretLike>> = { RAGLINE_WEBHOOK_SECRET: new sst.Secret(SECRET_LINKS.RAGLINE_WEBHOOK_SECRET) };
  for (const key of settings.secretKeys ?? []) linked[key] = new sst.Secret(SECRET_LINKS[key]);
  return { es, linked };
}
