import { randomUUID } from "node:crypto";
import type { QueryRunMessage } from "../../events/messages";
import type { Job, QueryRequest } from "../domain/job";
import { admit, queueFor } from "../jobs/admission";
import { assertCallbackAllowed } from "../jobs/callback-url";
import type { Context } from "../runtime/context";

/** Accepts a query as a job: its callbackUrl checked and admission (class, backpressure) first, then the job row, then the queue message. */
export async function submitQuery(ctx: Context, request: QueryRequest): Promise<Job> {
  await assertCallbackAllowed(ctx.config, request.callbackUrl); // SSRF: where the outcome may be POSTed
  const jobClass = await admit(ctx, request);
  const job = await ctx.jobs.create(randomUUID(), { ...request, jobClass });
  const msg: QueryRunMessage = { type: "query.run", jobId: job.id };
  await ctx.queue.send(queueFor(jobClass), JSON.stringify(msg));
  return job;
}
