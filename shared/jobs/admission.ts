import type { QueryRequest } from "../domain/job";
import { TooManyRequestsError } from "../domain/errors";
import type { Context } from "../runtime/context";
import { QUEUES } from "../topology";

// Admission of query jobs: which class a job runs in, and backpressure (429 + Retry-After) before
// anything is written, so an accepted job is never dropped.

export type JobClass = "interactive" | "long";

/** Long = large top-K or a long, multi-part question: it runs on its own queue and workers. */
export function classify(req: QueryRequest, topKLong: number): JobClass {
  if (req.jobClass) return req.jobClass;
  const parts = req.question.split(/[?;]\s+\S/).length;
  return (req.topK ?? 0) > topKLong || req.question.length > 600 || parts >= 3 ? "long" : "interactive";
}

export const queueFor = (cls: JobClass) => (cls === "long" ? QUEUES.queryJobsLong : QUEUES.queryJobs);

export async function admit(ctx: Context, req: QueryRequest): Promise<JobClass> {
  const cls = classify(req, ctx.config.RAGLINE_LONG_JOB_TOP_K);
  const retryAfter = ctx.config.RAGLINE_RETRY_AFTER_SECONDS;
  const depth = await ctx.queue.depth(queueFor(cls));
  const queued = depth.visible + depth.inFlight;
  if (queued >= ctx.config.RAGLINE_MAX_QUEUED_JOBS) {
    throw new TooManyRequestsError(`the system is saturated (${queued} ${cls} jobs queued); retry later`, retryAfter);
  }
  const caller = callerOf(req);
  if (caller && ctx.jobs.countActive) {
    const active = await ctx.jobs.countActive(caller);
    if (active >= ctx.config.RAGLINE_MAX_JOBS_PER_CALLER) {
      throw new TooManyRequestsError(`you have ${active} jobs in flight (limit ${ctx.config.RAGLINE_MAX_JOBS_PER_CALLER}); retry later`, retryAfter);
    }
  }
  return cls;
}

/** The caller a job counts against: tenant/subject of an authenticated principal (anonymous callers share no quota). */
export function callerOf(req: QueryRequest): string | undefined {
  const p = req.principal;
  if (!p?.subject || p.subject === "anonymous") return undefined;
  return `${p.tenant ?? "-"}/${p.subject ?? "-"}`;
}
