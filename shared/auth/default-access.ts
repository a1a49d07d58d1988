import type { DefaultAccessRule } from "./config-auth";

/** The tenant of a key outside every tenant's segment: no principal has it, so nobody reads it. */
export const NO_TENANT = "(outside every tenant)";

const ruleFor = (key: string, rules: DefaultAccessRule[]) => rules.filter((r) => key.startsWith(r.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];

/**
 * The tenant a key's place in the bucket assigns, when the longest matching rule is a `tenantSegment`
 * rule: the segment after its prefix (null for a key with no such segment: it belongs to no tenant).
 * undefined when no such rule applies (the object's metadata decides).
 */
export function keyTenant(key: string, rules: DefaultAccessRule[] = []): string | null | undefined {
  const rule = ruleFor(key, rules);
  return rule?.tenantSegment ? segmentAfter(key, rule.prefix) : undefined;
}

/** The path segment right after `prefix`, or null when the key has none. */
function segmentAfter(key: string, prefix: string): string | null {
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf("/");
  return slash > 0 ? rest.slice(0, slash) : null;
}

/**
 * Fills in tenant and ACL for an object whose own metadata (S3 user metadata, or the sidecar) does not
 * name them, from the longest matching prefix rule (RAGLINE_DEFAULT_ACCESS). Metadata the object
 * carries always wins, an explicitly empty ACL included ("everyone in the tenant"), except for the
 * tenant under a `tenantSegment` rule, which the key decides.
 */
export function withDefaultAccess(key: string, raw: Record<string, string> = {}, rules: DefaultAccessRule[] = []): Record<string, string> {
  const rule = ruleFor(key, rules);
  if (!rule) return raw;
  const has = (name: string) => Object.keys(raw).some((k) => k.toLowerCase() === name);
  const out = { ...raw };
  if (rule.tenantSegment) {
    for (const k of Object.keys(out)) if (k.toLowerCase() === "tenant") delete out[k];
    // A key outside any tenant's segment gets a tenant no principal has: readable by nobody.
    out.tenant = segmentAfter(key, rule.prefix) ?? NO_TENANT;
  } else if (!has("tenant") && rule.tenant) out.tenant = rule.tenant;
  if (!has("acl") && rule.acl?.length) out.acl = JSON.stringify(rule.acl);
  return out;
}
