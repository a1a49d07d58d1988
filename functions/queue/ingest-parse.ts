import { decodeS3Key, isRemoval, s3EventSchema } from "../../events/s3";
import { onObjectCreated, onObjectRemoved } from "../../shared/ingest/object-events";
import { sqsHandler } from "../lib/sqs";

// S3 → SQS: each message body is an S3 event notification (one or more records).
export const handler = sqsHandler(s3EventSchema, async (ctx, event) => {
  const outcomes = [];
  for (const r of event.Records) {
    const key = decodeS3Key(r.s3.object.key);
    outcomes.push(await (isRemoval(r) ? onObjectRemoved(ctx, key) : onObjectCreated(ctx, key)));
  }
  return outcomes;
});
