import { queryRunMessageSchema } from "../../events/messages";
import { runQueryJob } from "../../shared/query/run-job";
import { topology } from "../../shared/topology";
import { sqsHandler } from "../lib/sqs";

// One receive more than attempts: the last receive of a job whose workers were all lost marks it
// failed (with a reason) before the queue dead-letters its message.
const trigger = topology.functions["query-run"].trigger;
const maxAttempts = trigger.kind === "queue" ? trigger.maxReceives - 1 : 3;

export const handler = sqsHandler(queryRunMessageSchema, (ctx, msg) => runQueryJob(ctx, msg.jobId, { maxAttempts }));
