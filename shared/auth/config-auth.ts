import { z } from "zod";

// Who may ask. RAGLINE_AUTH=required: every request needs a known API key (x-api-key) or bearer
// token; "off": requests without one are an anonymous principal that reads only documents
// without an ACL. The key store is configuration: RAGLINE_API_KEYS (JSON) or RAGLINE_API_KEYS_FILE.

export const keyEntrySchema = z.object({
  /** The key or token itself, or its sha256 (hex) so configuration need not hold secrets in clear. */
  key: z.string().min(16, "keys must be at least 16 characters").optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/i, "sha256 must be 64 hex digits").optional(),
  tenant: z.string().min(1).default("default"),
  subject: z.string().min(1),
  groups: z.array(z.string().min(1)).default([]),
}).strict().refine((e) => Boolean(e.key) !== Boolean(e.sha256), "each entry needs exactly one of key or sha256");

export const keyStoreSchema = z.array(keyEntrySchema);
export type KeyEntry = z.infer<typeof keyEntrySchema>;

const jsonKeys = z.string().optional().transform((raw, ctx) => {
  if (!raw?.trim()) return undefined;
  let value: unknown;
  try { value = JSON.parse(raw); } catch { ctx.addIssue({ code: "custom", message: "must be a JSON array of {key|sha256, tenant, subject, groups}" }); return z.NEVER; }
  const r = keyStoreSchema.safeParse(value);
  if (!r.success) { ctx.addIssue({ code: "custom", message: r.error.issues.map((i) => `[${i.path.join(".")}] ${i.message}`).join("; ") }); return z.NEVER; }
  return r.data;
});

export const authConfigSchema = z.object({
  RAGLINE_AUTH: z.enum(["off", "required"]).default("off"),
  RAGLINE_API_KEYS: jsonKeys,
  RAGLINE_API_KEYS_FILE: z.string().min(1).optional(),
});
