import { admits, DEFAULT_TENANT, type ReadAccess } from "../../domain/access";
import type { DocumentMetadata } from "../../domain/document";
import type { QueryFilters } from "../../domain/job";

/** Does a chunk's key and metadata pass the request's filters and permissions? (Vector side.) */
export function passesFilters(key: string, meta: DocumentMetadata, filters: QueryFilters = {}, access?: ReadAccess): boolean {
  if (filters.keyPrefix && !key.startsWith(filters.keyPrefix)) return false;
  if (filters.department && meta.department !== filters.department) return false;
  if (filters.tags?.length && !filters.tags.every((t) => meta.tags?.includes(t))) return false;
  if (filters.dateFrom && !(meta.date && meta.date >= filters.dateFrom)) return false;
  if (filters.dateTo && !(meta.date && meta.date <= filters.dateTo)) return false;
  if (access && !admits(access, meta)) return false;
  return true;
}

/** The same filters as a SQL condition over `c.document_key` and `c.metadata` (BM25 side). */
export function filtersSql(filters: QueryFilters = {}, access?: ReadAccess): { sql: string; args: unknown[] } {
  const parts: string[] = [];
  const args: unknown[] = [];
  if (filters.keyPrefix) {
    parts.push("substr(c.document_key, 1, ?) = ?");
    args.push(filters.keyPrefix.length, filters.keyPrefix);
  }
  if (filters.department) {
    parts.push("json_extract(c.metadata, '$.department') = ?");
    args.push(filters.department);
  }
  for (const t of filters.tags ?? []) {
    parts.push("EXISTS (SELECT 1 FROM json_each(c.metadata, '$.tags') WHERE value = ?)");
    args.push(t);
  }
  if (filters.dateFrom) {
    parts.push("json_extract(c.metadata, '$.date') >= ?");
    args.push(filters.dateFrom);
  }
  if (filters.dateTo) {
    parts.push("json_extract(c.metadata, '$.date') <= ?");
    args.push(filters.dateTo);
  }
  if (access) {
    // Same rule as admits() in domain/access.ts: the tenant (absent = default), then the ACL.
    parts.push("COALESCE(json_extract(c.metadata, '$.tenant'), ?) = ?");
    args.push(DEFAULT_TENANT, access.tenant);
    const readers = access.readers;
    const acl = `EXISTS (SELECT 1 FROM json_each(c.metadata, '$.acl') WHERE value IN (${readers.map(() => "?").join(",") || "NULL"}))`;
    parts.push(`(COALESCE(json_array_length(c.metadata, '$.acl'), 0) = 0 OR ${acl})`);
    args.push(...readers);
  }
  return { sql: parts.length ? " AND " + parts.join(" AND ") : "", args };
}
