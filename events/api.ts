import { z } from "zod";

// HTTP API requests and responses.

export const queryFiltersSchema = z
  .object({
    keyPrefix: z.string().min(1).optional(),
    department: z.string().min(1).optional(),
    tags: z.array(z.string().min(1)).optional(),
    dateFrom: z.string().min(1).optional(),
    dateTo: z.string().min(1).optional(),
  })
  .strict();

export const submitQuerySchema = z
  .object({
    question: z.string().trim().min(1, "question must not be empty").max(4000),
    filters: queryFiltersSchema.optional(),
    topK: z.number().int().min(1).max(50).optional(),
    /** Receives the signed outcome when the job finishes. Where it may point (https, no private or loopback address) is checked at submit: shared/jobs/callback-url.ts. */
    callbackUrl: z
      .string()
      .max(2048)
      .url()
      .refine((u) => /^https?:/i.test(u), "must be an http(s) URL")
      .optional(),
    /** Scheduling class; classed automatically when absent. */
    jobClass: z.enum(["interactive", "long"]).optional(),
  })
  .strict();

export type SubmitQueryRequest = z.infer<typeof submitQuerySchema>;

export const documentKeySchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((k) => !k.split("/").some((p) => p === ".." || p === "." || p === ""), "must be a path without empty, '.' or '..' segments");

export const eventsQuerySchema = z.object({ after: z.coerce.number().int().min(0).default(0) });

export const listDocumentsQuerySchema = z.object({
  prefix: z.string().optional(),
  status: z.enum(["pending", "processing", "indexed", "failed", "duplicate"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().optional(),
  /** Only documents whose index does not match their source (staleness report). */
  stale: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
});

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
