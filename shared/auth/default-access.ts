import type { DefaultAccessRule } from "./config-auth";

/**
 * Fills in tenant and ACL for an object whose own metadata (S3 user metadata, or the sidecar) does not
 * name them, from the longest matching prefix rule (RAGLINE_DEFAULT_ACCESS). Metadata the object
 * carries always wins, an explicitly empty ACL included ("everyone in the tenant").
 */
export function withDefaultAccess(key: string, raw: Record<string, string> = {}, rules: DefaultAccessRule[] = []): Record<string, string> {
  const rule = rules.filter((r) => key.startsWith(r.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
  if (!rule) return raw;
  const has = (name: string) => Object.keys(raw).some((k) => k.toLowerCase() === name);
  const out = { ...raw };
  if (!has("tenant") && rule.tenant) out.tenant = rule.tenant;
  if (!has("acl") && rule.acl?.length) out.acl = JSON.stringify(rule.acl);
  return out;
}
