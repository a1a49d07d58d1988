import { withDefaultAccess } from "../auth/default-access";
import type { DefaultAccessRule } from "../auth/config-auth";
import type { DocumentMetadata } from "../domain/document";

// Object metadata (S3 x-amz-meta-*, or the folder's sidecar) → chunk metadata.
// Lists (tags, acl) may be JSON arrays or comma-separated strings.

const list = (v: string | undefined) => {
  if (!v) return undefined;
  try {
    const parsed = JSON.parse(v);
    if (Array.isArray(parsed)) return parsed.map(String).filter(Boolean);
  } catch {
    /* not JSON */
  }
  return v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
};

export function documentMetadata(raw: Record<string, string> = {}): DocumentMetadata {
  const meta: DocumentMetadata = {};
  const lower = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), v]));
  if (lower.department) meta.department = lower.department;
  if (lower.date) meta.date = lower.date;
  const tags = list(lower.tags);
  if (tags?.length) meta.tags = tags;
  const acl = list(lower.acl);
  if (acl?.length) meta.acl = acl;
  if (lower.title) meta.title = lower.title;
  if (lower.tenant) meta.tenant = lower.tenant;
  if (lower.owner) meta.owner = lower.owner;
  return meta;
}

/** A document's metadata from its object's (user metadata or sidecar), tenant and ACL defaulted by key prefix. */
export function objectMetadata(key: string, raw: Record<string, string> | undefined, rules: DefaultAccessRule[] | undefined): DocumentMetadata {
  return documentMetadata(withDefaultAccess(key, raw, rules));
}
