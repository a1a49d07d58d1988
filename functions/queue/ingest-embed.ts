import { embedMessageSchema } from "../../events/messages";
import { markDeadLettered } from "../../shared/ingest/dead-letters";
import { embedBatch } from "../../shared/ingest/embed-and-index";
import { queueTrigger } from "../../shared/topology";
import { sqsHandler } from "../lib/sqs";

export const handler = sqsHandler(embedMessageSchema, (ctx, msg) => embedBatch(ctx, msg), {
  trigger: queueTrigger("ingest-embed"),
  onLastFailure: (ctx, msg, err, receives) => markDeadLettered(ctx, "embed", msg, err, receives),
});
