import { s3EventSchema, type S3Record } from "../../../events/s3";
import { presentsToken } from "../../util/shared-token";
import type { Queue } from "../../ports/queue";

// MinIO delivers bucket notifications to a webhook target (POST, JSON: {EventName, Key, Records}),
// with the records in S3's own shape. They are checked against the same schema as AWS's S3 events
// and sent to the ingest queue one record per message, as S3 → SQS does, so the parse handler gets
// exactly what it gets on AWS. MinIO retries a delivery that is not answered 2xx.

export interface BucketWebhookResult {
  status: number;
  queued: number;
  error?: string;
}

/** Records of the configured bucket only; a body without records (MinIO's probe) queues nothing. */
export function bucketRecords(body: unknown, bucket?: string): S3Record[] | { error: string } {
  if (
    !body ||
    typeof body !== "object" ||
    !("Records" in body) ||
    !Array.isArray((body as { Records: unknown }).Records) ||
    !(body as { Records: unknown[] }).Records.length
  )
    return [];
  const parsed = s3EventSchema.safeParse(body);
  if (!parsed.success) return { error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  return parsed.data.Records.filter((r) => !bucket || r.s3.bucket.name === bucket);
}

export async function forwardBucketNotification(
  queue: Queue,
  queueName: string,
  raw: string,
  opts: { bucket?: string; token?: string; authorization?: string } = {},
): Promise<BucketWebhookResult> {
  if (!opts.token) return { status: 403, queued: 0, error: "the bucket webhook is disabled: set RAGLINE_BUCKET_WEBHOOK_TOKEN" };
  // MinIO sends its auth_token as a bearer token. Without a configured token the webhook is closed:
  // anyone could otherwise announce (or hide) objects.
  if (!presentsToken(opts.authorization, opts.token)) return { status: 401, queued: 0, error: "bad or missing authorization" };
  let body: unknown;
  try {
    body = raw ? JSON.parse(raw) : {};
  } catch {
    return { status: 400, queued: 0, error: "body is not JSON" };
  }
  const records = bucketRecords(body, opts.bucket);
  if (!Array.isArray(records)) return { status: 400, queued: 0, error: records.error };
  if (records.length)
    await queue.sendBatch(
      queueName,
      records.map((r) => JSON.stringify({ Records: [r] })),
    );
  return { status: 200, queued: records.length };
}
