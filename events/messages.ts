import { z } from "zod";

// Messages between pipeline stages (queue bodies). Names are `domain.verb`.

export const metadataSchema = z.record(z.string(), z.unknown());

export const chunkSchema = z.object({
  id: z.string().min(1),
  documentKey: z.string().min(1),
  version: z.string().min(1),
  ordinal: z.number().int().min(0),
  text: z.string(),
  sectionPath: z.array(z.string()),
  page: z.number().int().optional(),
  pageEnd: z.number().int().optional(),
  kind: z.enum(["text", "table"]),
  metadata: metadataSchema,
});

/** parse → embed: one batch of a document version's chunks. */
export const embedMessageSchema = z.object({
  type: z.literal("chunks.embed"),
  documentKey: z.string().min(1),
  version: z.string().min(1),
  /** Chunks in the whole version: the indexer activates the version once it holds them all. */
  total: z.number().int().positive(),
  chunks: z.array(chunkSchema).min(1),
  /** Embed with these models only (a rollout re-embeds with the new one); default: every model in play. */
  models: z.array(z.string().min(1)).min(1).optional(),
});

/** embed → index: the same batch with vectors (base64 of little-endian float32). */
export const indexMessageSchema = z.object({
  type: z.literal("chunks.index"),
  documentKey: z.string().min(1),
  version: z.string().min(1),
  total: z.number().int().positive(),
  embeddingModel: z.string().min(1),
  chunks: z.array(chunkSchema.extend({ vector: z.string().min(1) })).min(1),
});

/** submit → run: a query job to execute. */
export const queryRunMessageSchema = z.object({
  type: z.literal("query.run"),
  jobId: z.string().uuid(),
});

export type EmbedMessage = z.infer<typeof embedMessageSchema>;
export type IndexMessage = z.infer<typeof indexMessageSchema>;
export type QueryRunMessage = z.infer<typeof queryRunMessageSchema>;

export const encodeVector = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
export const decodeVector = (s: string) => {
  const b = Buffer.from(s, "base64");
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** An explicit change of a source (CMS webhook, queue message): re-read the object, optionally with new metadata. */
export const sourceChangedSchema = z.object({
  type: z.literal("source.changed"),
  key: z.string().min(1),
  metadata: z
    .object({
      department: z.string().optional(),
      date: z.string().optional(),
      tags: z.array(z.string()).optional(),
      acl: z.array(z.string()).optional(),
    })
    .catchall(z.unknown())
    .optional(),
  /** Ingest again even if nothing seems to have changed (POST /documents/{key}/retry). */
  force: z.boolean().optional(),
});

export type SourceChanged = z.infer<typeof sourceChangedSchema>;

/** A finished job whose outcome is to be POSTed to its callbackUrl. */
export const webhookMessageSchema = z.object({ type: z.literal("webhook.deliver"), jobId: z.string().uuid() });
export type WebhookMessage = z.infer<typeof webhookMessageSchema>;
