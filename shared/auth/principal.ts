import { DEFAULT_TENANT, type Principal, type Role } from "../domain/access";
import { RaglineError } from "../domain/errors";
import type { Config } from "../runtime/config";
import { keyStoreFor } from "./key-store";

// Every request has a principal: from an API key (x-api-key) or a bearer token (authorization),
// looked up in the configured key store. Never from the request body. What a principal may do is
// decided in one place: ./policy.ts.

export type { Principal, Role };

/**
 * Requests without a credential when RAGLINE_AUTH=off: the one trusted user of a single machine. It
 * writes and administers the default tenant, but reads only documents without an ACL (it is in no group).
 */
export const ANONYMOUS: Principal = Object.freeze({
  tenant: DEFAULT_TENANT,
  subject: "anonymous",
  groups: Object.freeze([]) as unknown as string[],
  roles: Object.freeze(["reader", "writer", "admin"]) as unknown as Role[],
});

export class UnauthorizedError extends RaglineError {
  constructor(message: string) {
    super("unauthorized", message, { status: 401 });
  }
}

export class ForbiddenError extends RaglineError {
  constructor(message: string) {
    super("forbidden", message, { status: 403 });
  }
}

/** The credential a request presents, if any (header names in any case). */
export function credentialFrom(headers: Record<string, string | undefined> = {}): string | undefined {
  const get = (name: string) =>
    Object.entries(headers)
      .find(([k]) => k.toLowerCase() === name)?.[1]
      ?.trim();
  const apiKey = get("x-api-key");
  if (apiKey) return apiKey;
  const auth = get("authorization");
  const bearer = auth && /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
  return bearer || undefined;
}

/**
 * The principal of a request. An unknown credential is always refused (a typo must not silently
 * become anonymous); no credential is refused only when RAGLINE_AUTH=required.
 */
export function authenticate(headers: Record<string, string | undefined> | undefined, config: Config): Principal {
  const secret = credentialFrom(headers);
  if (!secret) {
    if (config.RAGLINE_AUTH === "required") throw new UnauthorizedError("an API key (x-api-key) or bearer token (authorization) is required");
    return ANONYMOUS;
  }
  const principal = keyStoreFor(config).lookup(secret);
  if (!principal) throw new UnauthorizedError("unknown API key or token");
  return principal;
}

/** What the index matches against chunk ACLs: an ACL entry may name a group or a subject. */
export function readerGroups(principal: { subject?: string; groups: string[] } | undefined): string[] {
  if (!principal) return [];
  return [...new Set([...principal.groups, ...(principal.subject ? [principal.subject] : [])])];
}
