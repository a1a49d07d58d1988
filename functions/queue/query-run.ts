import { AsyncLocalStorage } from "node:async_hooks";
import type { Context as LambdaContext, SQSEvent } from "aws-lambda";
import { queryRunMessageSchema } from "../../events/messages";
import { runQueryJob } from "../../shared/query/run-job";
import { queueTrigger } from "../../shared/topology";
import { sqsHandler } from "../lib/sqs";

// One receive more than attempts: the last receive of a job whose workers were all lost marks it
// failed (with a reason) before the queue dead-letters its message.
const trigger = queueTrigger("query-run");
const maxAttempts = trigger.maxReceives - 1;

// The function host's context carries an AbortSignal (its timeout); Lambda's has none (it stops the sandbox).
type InvocationContext = LambdaContext & { abortSignal?: AbortSignal };
const invocation = new AsyncLocalStorage<InvocationContext>();

const records = sqsHandler(
  queryRunMessageSchema,
  (ctx, msg, record) =>
    runQueryJob(ctx, msg.jobId, {
      maxAttempts,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
      signal: invocation.getStore()?.abortSignal,
    }),
  { trigger },
);

export const handler = (event: SQSEvent, context: InvocationContext) => invocation.run(context, () => records(event, context));
