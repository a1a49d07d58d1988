// Who may read what. A document belongs to one tenant (its metadata's `tenant`, "default" when absent)
// and, inside it, to the readers its ACL names (no ACL: everyone in the tenant). Every index adapter
// puts both conditions into the search itself, so nothing outside them is ever retrieved.

export const DEFAULT_TENANT = "default";

export type Role = "reader" | "writer" | "admin";

/** Who acts: a subject of a tenant, with groups (for ACLs) and roles (for what it may do). */
export interface Principal {
  tenant: string;
  subject: string;
  groups: string[];
  roles: Role[];
}

/** What a search may return: chunks of `tenant` whose ACL is empty or names one of `readers` (groups or the subject). */
export interface ReadAccess {
  tenant: string;
  readers: string[];
}

export interface AccessMetadata {
  tenant?: unknown;
  acl?: string[];
}

export function tenantOf(meta: AccessMetadata | undefined): string {
  return typeof meta?.tenant === "string" && meta.tenant ? meta.tenant : DEFAULT_TENANT;
}

/** The same rule the index queries express in SQL and Elasticsearch clauses. */
export function admits(access: ReadAccess, meta: AccessMetadata | undefined): boolean {
  if (tenantOf(meta) !== access.tenant) return false;
  const acl = meta?.acl;
  return !acl?.length || acl.some((g) => access.readers.includes(g));
}

/** The same readers, in any order (absent = empty = the whole tenant). */
export function sameAcl(a: string[] = [], b: string[] = []): boolean {
  const key = (acl: string[]) => [...new Set(acl)].sort().join("\n");
  return key(a) === key(b);
}

/** Same tenant and same ACL: two copies readable by exactly the same principals. */
export function sameAccessScope(a: AccessMetadata | undefined, b: AccessMetadata | undefined): boolean {
  return tenantOf(a) === tenantOf(b) && sameAcl(a?.acl, b?.acl);
}
