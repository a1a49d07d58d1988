import { z } from "zod";

// Who may ask. RAGLINE_AUTH=required: every request needs a known API key (x-api-key) or bearer
// token; "off": requests without one are an anonymous principal that reads only documents
// without an ACL (and, as the one trusted user of the machine, may write and administer). The key store is configuration: RAGLINE_API_KEYS (JSON) or RAGLINE_API_KEYS_FILE.

export const keyEntrySchema = z
  .object({
    /** The key or token itself, or its sha256 (hex) so configuration need not hold secrets in clear. */
    key: z.string().min(16, "keys must be at least 16 characters").optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, "sha256 must be 64 hex digits")
      .optional(),
    tenant: z.string().min(1).default("default"),
    subject: z.string().min(1),
    groups: z.array(z.string().min(1)).default([]),
    /** What the key may do in its tenant: read (and ask), write documents, administer. Read-only unless named. */
    roles: z
      .array(z.enum(["reader", "writer", "admin"]))
      .min(1)
      .default(["reader"]),
  })
  .strict()
  .refine((e) => Boolean(e.key) !== Boolean(e.sha256), "each entry needs exactly one of key or sha256");

export const keyStoreSchema = z.array(keyEntrySchema);
export type KeyEntry = z.infer<typeof keyEntrySchema>;

const jsonKeys = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (!raw?.trim()) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON array of {key|sha256, tenant, subject, groups}" });
      return z.NEVER;
    }
    const r = keyStoreSchema.safeParse(value);
    if (!r.success) {
      ctx.addIssue({ code: "custom", message: r.error.issues.map((i) => `[${i.path.join(".")}] ${i.message}`).join("; ") });
      return z.NEVER;
    }
    return r.data;
  });

/**
 * Access for files that arrive without tenant/ACL metadata (dropped in the bucket folder, or written
 * to the bucket directly): the longest matching key prefix wins. `{"prefix": "", "acl": ["nobody"]}`
 * keeps a dropped file unreadable until its sidecar says otherwise. `tenantSegment: true` makes the
 * path segment after the prefix the tenant, whatever the object's metadata says (`{"prefix": "",
 * "tenantSegment": true}`: `acme/hr/policy.md` is acme's): each tenant then has its own key space.
 */
export const defaultAccessRuleSchema = z
  .object({
    prefix: z.string(),
    tenant: z.string().min(1).optional(),
    tenantSegment: z.boolean().optional(),
    acl: z.array(z.string().min(1)).optional(),
  })
  .strict()
  .refine((r) => !(r.tenant && r.tenantSegment), { message: "tenant and tenantSegment exclude each other" });
export type DefaultAccessRule = z.infer<typeof defaultAccessRuleSchema>;

const jsonRules = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (!raw?.trim()) return [] as DefaultAccessRule[];
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON array of {prefix, tenant?, acl?}" });
      return z.NEVER;
    }
    const r = z.array(defaultAccessRuleSchema).safeParse(value);
    if (!r.success) {
      ctx.addIssue({ code: "custom", message: r.error.issues.map((i) => `[${i.path.join(".")}] ${i.message}`).join("; ") });
      return z.NEVER;
    }
    return r.data;
  });

export const authConfigSchema = z.object({
  RAGLINE_DEFAULT_ACCESS: jsonRules,
  RAGLINE_AUTH: z.enum(["off", "required"]).default("off"),
  RAGLINE_API_KEYS: jsonKeys,
  RAGLINE_API_KEYS_FILE: z.string().min(1).optional(),
});
