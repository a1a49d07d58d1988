import { embedMessageSchema, indexMessageSchema, sourceChangedSchema } from "./messages";
import { decodeS3Key, s3EventSchema } from "./s3";

/** A document an ingest message works on, with the version when the message names one. */
export interface IngestDocument {
  key: string;
  version?: string;
}

/**
 * The documents an ingest-queue message is about, whatever wire format it came in: an S3 / MinIO
 * notification (keys URL-encoded as S3 writes them), S3's test probe (none), a typed `source.changed`, an
 * embed or index batch. The core asks this when a message is lost or dead-lettered, so it never reads
 * another service's record format itself.
 */
export function documentsOfIngestMessage(msg: unknown): IngestDocument[] {
  const batch = embedMessageSchema.or(indexMessageSchema).safeParse(msg);
  if (batch.success) return [{ key: batch.data.documentKey, version: batch.data.version }];
  const changed = sourceChangedSchema.safeParse(msg);
  if (changed.success) return [{ key: changed.data.key }];
  const s3 = s3EventSchema.safeParse(msg);
  return s3.success ? s3.data.Records.map((r) => ({ key: decodeS3Key(r.s3.object.key) })) : [];
}
