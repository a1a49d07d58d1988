import { z } from "zod";

// The S3 event notification (as S3 delivers it to SQS/Lambda, and as MinIO's webhook sends it).
// Only the fields the pipeline reads are required.

export const s3RecordSchema = z.object({
  eventVersion: z.string().optional(),
  eventSource: z.string().default("aws:s3"),
  eventTime: z.string().optional(),
  eventName: z.string().regex(/^(s3:)?Object(Created|Removed):/, "must be an ObjectCreated:* or ObjectRemoved:* event"),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().optional(),
      eTag: z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});

export const s3EventSchema = z.object({ Records: z.array(s3RecordSchema).min(1) });

/**
 * What S3 sends once to a destination when a bucket's notification configuration is saved (every
 * deploy): no Records, nothing to ingest. It is acknowledged and ignored, not dead-lettered.
 */
export const s3TestEventSchema = z.object({
  Service: z.literal("Amazon S3"),
  Event: z.literal("s3:TestEvent"),
  Time: z.string().optional(),
  Bucket: z.string().optional(),
  RequestId: z.string().optional(),
  HostId: z.string().optional(),
});

export type S3TestEvent = z.infer<typeof s3TestEventSchema>;
export const isS3TestEvent = (e: object): e is S3TestEvent => "Event" in e && e.Event === "s3:TestEvent";

export type S3Record = z.infer<typeof s3RecordSchema>;
export type S3Notification = z.infer<typeof s3EventSchema>;

/** S3 URL-encodes keys in notifications (spaces as '+'). */
export const decodeS3Key = (key: string) => decodeURIComponent(key.replace(/\+/g, " "));
export const encodeS3Key = (key: string) => encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/");

export function s3Record(kind: "created" | "removed", bucket: string, key: string, info: { size?: number; etag?: string } = {}): S3Record {
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    eventTime: new Date().toISOString(),
    eventName: kind === "created" ? "ObjectCreated:Put" : "ObjectRemoved:Delete",
    s3: { bucket: { name: bucket }, object: { key: encodeS3Key(key), size: info.size, eTag: info.etag, sequencer: Date.now().toString(16).toUpperCase() } },
  };
}

export const isRemoval = (r: S3Record) => /Removed/.test(r.eventName);
