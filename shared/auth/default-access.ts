import type { DocumentMetadata } from "../domain/document";
import type { DefaultAccessRule } from "./config-auth";

/**
 * Fills in tenant and ACL for an object whose own metadata lacks them, from the longest matching
 * prefix rule (RAGLINE_DEFAULT_ACCESS). Metadata the object carries always wins.
 */
export function withDefaultAccess(key: string, meta: DocumentMetadata, rules: DefaultAccessRule[] = []): DocumentMetadata {
  const rule = rules.filter((r) => key.startsWith(r.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
  if (!rule) return meta;
  const out = { ...meta };
  if (!out.tenant && rule.tenant) out.tenant = rule.tenant;
  if (!out.acl?.length && rule.acl?.length) out.acl = [...rule.acl];
  return out;
}
