import { indexMessageSchema } from "../../events/messages";
import { markDeadLettered } from "../../shared/ingest/dead-letters";
import { indexBatch } from "../../shared/ingest/embed-and-index";
import { queueTrigger } from "../../shared/topology";
import { sqsHandler } from "../lib/sqs";

export const handler = sqsHandler(indexMessageSchema, (ctx, msg) => indexBatch(ctx, msg), {
  trigger: queueTrigger("ingest-index"),
  onLastFailure: (ctx, msg, err, receives) => markDeadLettered(ctx, "index", msg, err, receives),
});
