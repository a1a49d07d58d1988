import { randomUUID } from "node:crypto";
import type { QueryRunMessage } from "../../events/messages";
import type { Job, QueryRequest } from "../domain/job";
import { admissionSlots, classify, queueFor, refusal } from "../jobs/admission";
import { assertCallbackAllowed } from "../jobs/callback-url";
import { logger } from "../observability/logger";
import { AdmissionRefused } from "../ports/job-store";
import type { Uses } from "../runtime/context";

/**
 * Accepts a query as a job: its callbackUrl is checked first (SSRF), then the job row is written only if its admission slots have room (else 429),
 * then its queue message is sent. A send that fails ends the job `failed` (its slots go back).
 */
export async function submitQuery(ctx: Uses<"jobs" | "queue", "jobs" | "webhooks">, request: QueryRequest): Promise<Job> {
  await assertCallbackAllowed(ctx.settings.webhooks, request.callbackUrl); // SSRF: where the outcome may be POSTed
  const jobClass = classify(request, ctx.settings.jobs.longJobTopK);
  const req = { ...request, jobClass };
  let job: Job;
  try {
    job = await ctx.jobs.create(randomUUID(), req, { slots: admissionSlots(ctx, req, jobClass) });
  } catch (err) {
    if (err instanceof AdmissionRefused) throw refusal(ctx, err);
    throw err;
  }
  const msg: QueryRunMessage = { type: "query.run", jobId: job.id };
  try {
    await ctx.queue.send(queueFor(jobClass), JSON.stringify(msg));
  } catch (err) {
    logger.error("query job not queued", { jobId: job.id, error: err as Error });
    await ctx.jobs.transition(job.id, ["pending"], "failed", { error: "could not be queued; submit it again" }).catch(() => undefined);
    throw err;
  }
  return job;
}
