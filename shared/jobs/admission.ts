import type { QueryRequest } from "../domain/job";
import { TooManyRequestsError } from "../domain/errors";
import type { AdmissionRefused, AdmissionSlot } from "../ports/job-store";
import type { Uses } from "../runtime/context";
import { QUEUES } from "../topology";

// Admission of query jobs: which class a job runs in, and backpressure (429 + Retry-After) decided
// by the job store's counters in the same write that creates the job, so limits hold under bursts
// and an accepted job is never dropped.

export type JobClass = "interactive" | "long";

/** Long = large top-K or a long, multi-part question: it runs on its own queue and workers. */
export function classify(req: QueryRequest, topKLong: number): JobClass {
  if (req.jobClass) return req.jobClass;
  const parts = req.question.split(/[?;]\s+\S/).length;
  return (req.topK ?? 0) > topKLong || req.question.length > 600 || parts >= 3 ? "long" : "interactive";
}

export const queueFor = (cls: JobClass) => (cls === "long" ? QUEUES.queryJobsLong : QUEUES.queryJobs);

/**
 * The counters a new job must find room in: its class's queue (RAGLINE_MAX_QUEUED_JOBS) and, for an
 * authenticated caller, the caller's jobs in flight (RAGLINE_MAX_JOBS_PER_CALLER). The job store
 * takes them atomically with writing the job (see JobStore.create), so a burst cannot overshoot.
 */
export function admissionSlots(ctx: Uses<never, "jobs">, req: QueryRequest, cls: JobClass): AdmissionSlot[] {
  const slots: AdmissionSlot[] = [{ key: `queue:${queueFor(cls)}`, limit: ctx.settings.jobs.maxQueued }];
  const caller = callerOf(req);
  if (caller) slots.push({ key: `caller:${caller}`, limit: ctx.settings.jobs.maxPerCaller });
  return slots;
}

/** What a caller is told when a slot is full: 429 with Retry-After. */
export function refusal(ctx: Uses<never, "jobs">, refused: AdmissionRefused): TooManyRequestsError {
  const retryAfter = ctx.settings.jobs.retryAfterSeconds;
  const { key, limit } = refused.slot;
  return key.startsWith("caller:")
    ? new TooManyRequestsError(`you have ${refused.held} jobs in flight (limit ${limit}); retry later`, retryAfter)
    : new TooManyRequestsError(
        `the system is saturated (${refused.held} ${key.slice("queue:".length)} jobs queued or running, limit ${limit}); retry later`,
        retryAfter,
      );
}

/** The caller a job counts against: tenant/subject of an authenticated principal (anonymous callers share no quota). */
export function callerOf(req: QueryRequest): string | undefined {
  const p = req.principal;
  if (!p?.subject || p.subject === "anonymous") return undefined;
  return `${p.tenant ?? "-"}/${p.subject ?? "-"}`;
}
