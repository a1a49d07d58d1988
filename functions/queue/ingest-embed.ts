import { embedMessageSchema } from "../../events/messages";
import { embedBatch } from "../../shared/ingest/embed-and-index";
import { sqsHandler } from "../lib/sqs";

export const handler = sqsHandler(embedMessageSchema, (ctx, msg) => embedBatch(ctx, msg));
