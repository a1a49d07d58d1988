import { z } from "zod";

// WebSocket frames. Client → server: subscribe. Server → client: job events ({jobId, seq, type, ...}) or errors.

export const subscribeFrameSchema = z.object({
  action: z.literal("subscribe"),
  jobId: z.string().uuid(),
  afterSeq: z.number().int().min(0).default(0),
});

export type SubscribeFrame = z.infer<typeof subscribeFrameSchema>;

export const jobEventFrameSchema = z.object({
  jobId: z.string(),
  seq: z.number().int().positive(),
  type: z.enum(["stage", "retrieved", "delta", "done", "failed", "cancelled"]),
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export type JobEventFrame = z.infer<typeof jobEventFrameSchema>;
