import { queryRunMessageSchema } from "../../events/messages";
import { runQueryJob } from "../../shared/query/run-job";
import { topology } from "../../shared/topology";
import { sqsHandler } from "../lib/sqs";

const trigger = topology.functions["query-run"].trigger;
const maxAttempts = trigger.kind === "queue" ? trigger.maxReceives : 3;

export const handler = sqsHandler(queryRunMessageSchema, (ctx, msg) => runQueryJob(ctx, msg.jobId, { maxAttempts }));
