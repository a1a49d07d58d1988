import { randomUUID } from "node:crypto";
import type { QueryRunMessage } from "../../events/messages";
import type { Job, QueryRequest } from "../domain/job";
import { TooManyRequestsError } from "../domain/errors";
import type { Context } from "../runtime/context";
import { QUEUES } from "../topology";

/** Accepts a query as a job: backpressure first, then the job row, then the queue message. */
export async function submitQuery(ctx: Context, request: QueryRequest): Promise<Job> {
  const depth = await ctx.queue.depth(QUEUES.queryJobs);
  if (depth.visible + depth.inFlight >= ctx.config.RAGLINE_MAX_QUEUED_JOBS) {
    throw new TooManyRequestsError(`the system is saturated (${depth.visible + depth.inFlight} jobs queued); retry later`, ctx.config.RAGLINE_RETRY_AFTER_SECONDS);
  }
  const job = await ctx.jobs.create(randomUUID(), request);
  const msg: QueryRunMessage = { type: "query.run", jobId: job.id };
  await ctx.queue.send(QUEUES.queryJobs, JSON.stringify(msg));
  return job;
}
