import { webhookMessageSchema } from "../../events/messages";
import { deliverWebhook } from "../../shared/jobs/webhook";
import { queueTrigger } from "../../shared/topology";
import { sqsHandler } from "../lib/sqs";

export const handler = sqsHandler(webhookMessageSchema, (ctx, msg) => deliverWebhook(ctx, msg.jobId), { trigger: queueTrigger("webhook-deliver") });
