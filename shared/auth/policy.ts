import { admits, sameAcl, tenantOf, type ReadAccess } from "../domain/access";
import type { DocumentMetadata } from "../domain/document";
import type { DefaultAccessRule } from "./config-auth";
import { keyTenant } from "./default-access";
import { NotFoundError } from "../domain/errors";
import type { Job } from "../domain/job";
import { ANONYMOUS, ForbiddenError, readerGroups, type Principal, type Role } from "./principal";

// The one authorization model. Every route, WebSocket action, query and index search asks this module:
// - a principal acts inside its tenant, with roles: reader (read, ask), writer (upload, delete), admin
//   (change any ACL, service calls, operational detail);
// - a document belongs to its tenant and is readable by the readers its ACL names (none: the tenant);
// - a write to an existing document needs the right to read it (admins may write what they cannot read);
// - changing a document's ACL needs its owner (the principal that first uploaded it) or an admin.

export type Requirement = "public" | Role;

const ROLE_RANK: Record<Role, number> = { reader: 1, writer: 2, admin: 3 };

/** Roles are ordered: a writer reads, an admin writes and reads. */
export function hasRole(p: Pick<Principal, "roles">, role: Role): boolean {
  return (p.roles ?? []).some((r) => ROLE_RANK[r] >= ROLE_RANK[role]);
}

export function requireRole(p: Principal, role: Role, what: string): void {
  if (!hasRole(p, role)) throw new ForbiddenError(`${what} needs the ${role} role`);
}

/** What a principal's searches may return; part of every index query. */
export function readAccess(p: { tenant?: string; subject?: string; groups: string[] } | undefined): ReadAccess {
  const who = p ?? ANONYMOUS;
  return { tenant: who.tenant ?? ANONYMOUS.tenant, readers: readerGroups(who) };
}

export function canReadDocument(p: Principal, doc: { metadata?: DocumentMetadata } | undefined): boolean {
  return Boolean(doc) && hasRole(p, "reader") && admits(readAccess(p), doc!.metadata);
}

export function isOwner(p: Principal, doc: { metadata?: DocumentMetadata }): boolean {
  return tenantOf(doc.metadata) === p.tenant && doc.metadata?.owner === p.subject;
}

/**
 * May `p` write (create, overwrite, delete, re-announce) the document `existing` (undefined: a new key),
 * leaving its ACL as `nextAcl` (undefined: unchanged)? Throws 403, or 404 where the caller may not
 * even know the document exists. `upload`: the write creates the key when it does not exist.
 */
export function authorizeDocumentWrite(
  p: Principal,
  key: string,
  existing: { metadata?: DocumentMetadata } | undefined,
  nextAcl?: string[],
  opts: { upload?: boolean } = {},
): void {
  requireRole(p, "writer", "writing documents");
  if (!existing) return;
  if (tenantOf(existing.metadata) !== p.tenant) {
    // Another tenant's document: a delete, retry or re-announcement answers as for a key that does
    // not exist. An upload cannot (it would create the key): keys are one namespace across tenants,
    // so it says the key is taken, never what it holds.
    if (!opts.upload) throw new NotFoundError(`document ${key}`);
    throw new ForbiddenError(`the key ${key} is not writable by this principal`);
  }
  if (!canReadDocument(p, existing) && !hasRole(p, "admin")) throw new NotFoundError(`document ${key}`);
  if (nextAcl !== undefined && !sameAcl(nextAcl, existing.metadata?.acl) && !isOwner(p, existing) && !hasRole(p, "admin")) {
    throw new ForbiddenError(`only the owner of ${key} or an admin may change its ACL`);
  }
}

/**
 * Under a `tenantSegment` rule (RAGLINE_DEFAULT_ACCESS) a key's place says whose it is: an upload
 * outside the caller's own key space is refused before anything is looked up, so the answer is the
 * same whether or not the key exists.
 */
export function authorizeKeySpace(p: Principal, key: string, rules: DefaultAccessRule[] | undefined): void {
  const owner = keyTenant(key, rules);
  if (owner === undefined || owner === p.tenant) return;
  throw new ForbiddenError(`${key} is outside tenant ${p.tenant}'s key space (keys are placed under the tenant's own path segment)`);
}

/** A job (its question, answer and citations) is readable only by the principal that asked it. */
export function canReadJob(job: Pick<Job, "request">, p: Principal): boolean {
  const owner = job.request.principal ?? ANONYMOUS;
  return (owner.tenant ?? ANONYMOUS.tenant) === p.tenant && (owner.subject ?? ANONYMOUS.subject) === p.subject;
}

/**
 * Who may call each route and WebSocket action at all (before the per-document and per-job rules
 * above). A route in the topology without an entry here fails the authorization-matrix test.
 */
export const ROUTE_POLICY: Record<string, { requires: Requirement; why: string }> = {
  "PUT /documents/{key+}": { requires: "writer", why: "uploads; an existing key also needs the right to read it, an ACL change its owner or an admin" },
  "GET /documents": { requires: "reader", why: "lists only documents of the caller's tenant that its ACL admits; counts likewise" },
  "GET /documents/{key+}": {
    requires: "reader",
    why: "404 for a document the caller may not read; `?content` (its bytes) also needs the object's own metadata to admit the caller",
  },
  "DELETE /documents/{key+}": { requires: "writer", why: "and the right to read the document" },
  "POST /documents/{key+}": { requires: "writer", why: "`<key>/retry`: a write to the document (ingests it again)" },
  "POST /queries": { requires: "reader", why: "the search is restricted to the caller's tenant and ACLs inside the index query" },
  "GET /queries/{id}": { requires: "reader", why: "only the asker's own jobs" },
  "DELETE /queries/{id}": { requires: "reader", why: "only the asker may cancel" },
  "GET /queries/{id}/events": { requires: "reader", why: "only the asker's own jobs" },
  "POST /sources/changed": {
    requires: "writer",
    why: "as a write to that document; metadata with an ACL needs its owner or an admin; tenant/owner are never settable",
  },
  "POST /uploads": { requires: "writer", why: "as PUT /documents of that key; the URL pins its size, type and the server-set metadata (tenant, owner, acl)" },
  "PUT /uploads/{token}": {
    requires: "public",
    why: "the single-use, expiring token is the credential (host only; on S3 the presigned URL goes to the bucket)",
  },
  "GET /index/rollout": { requires: "admin", why: "operational detail" },
  "GET /evals": { requires: "admin", why: "eval runs are system-wide (their questions and answers, not a tenant's documents): operational detail" },
  "GET /evals/{id}": { requires: "admin", why: "as GET /evals" },
  "GET /evals/{id}/report": { requires: "admin", why: "as GET /evals; served sandboxed (no script)" },
  "GET /evals/{id}/audit": { requires: "admin", why: "as GET /evals: the blind audit's items, never the automatic verdicts" },
  "POST /evals/{id}/audit": { requires: "admin", why: "sums up the verdicts given; stores nothing" },
  "GET /health": { requires: "public", why: "says ok to anyone; backends, queues and counts only to admins" },
  "ws $connect": { requires: "public", why: "authenticates (refused without a key when auth is required)" },
  "ws $disconnect": { requires: "public", why: "drops the connection's own subscriptions" },
  "ws subscribe": { requires: "reader", why: "only the asker's own jobs" },
};

/** The route-level check every HTTP handler runs before its route. */
export function authorizeRoute(routeKey: string, p: Principal): void {
  const rule = ROUTE_POLICY[routeKey];
  if (!rule) throw new ForbiddenError(`no authorization rule for ${routeKey}`); // deny by default
  if (rule.requires !== "public") requireRole(p, rule.requires, routeKey);
}
