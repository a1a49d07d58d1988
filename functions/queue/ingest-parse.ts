import { z } from "zod";
import { sourceChangedSchema } from "../../events/messages";
import { decodeS3Key, isRemoval, isS3TestEvent, s3EventSchema, s3TestEventSchema } from "../../events/s3";
import { onSourceChanged } from "../../shared/ingest/freshness";
import { onObjectCreated, onObjectRemoved } from "../../shared/ingest/object-events";
import { markDeadLettered } from "../../shared/ingest/dead-letters";
import { queueTrigger } from "../../shared/topology";
import { sqsHandler } from "../lib/sqs";

// The ingest-events queue carries S3 event notifications (S3 → SQS, MinIO webhooks, the folder
// bucket) and explicit `source.changed` messages; all source changes go through this one handler.
const ingestEventSchema = z.union([s3EventSchema, s3TestEventSchema, sourceChangedSchema]);

export const handler = sqsHandler(
  ingestEventSchema,
  async (ctx, event) => {
    if (isS3TestEvent(event)) return "test-event"; // S3's probe when a notification is configured: nothing to do
    if ("type" in event) return onSourceChanged(ctx, event.key, event.metadata, event.force);
    const outcomes = [];
    for (const r of event.Records) {
      const key = decodeS3Key(r.s3.object.key);
      outcomes.push(await (isRemoval(r) ? onObjectRemoved(ctx, key) : onObjectCreated(ctx, key)));
    }
    return outcomes;
  },
  {
    trigger: queueTrigger("ingest-parse"),
    onLastFailure: (ctx, event, err, receives) => markDeadLettered(ctx, "parse", event, err, receives),
  },
);
