import { indexMessageSchema } from "../../events/messages";
import { indexBatch } from "../../shared/ingest/embed-and-index";
import { sqsHandler } from "../lib/sqs";

export const handler = sqsHandler(indexMessageSchema, (ctx, msg) => indexBatch(ctx, msg));
