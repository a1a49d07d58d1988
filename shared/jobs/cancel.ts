import type { Job } from "../domain/job";
import { ConflictError, NotFoundError } from "../domain/errors";
import type { Uses } from "../runtime/context";
import { enqueueWebhook } from "./webhook";

/**
 * Cancels a job: it moves to `cancelled` at once; a runner stops at its next stage boundary (and
 * aborts an in-flight generation stream) when it sees the state.
 */
export async function cancelJob(ctx: Uses<"jobs" | "notifier" | "queue">, jobId: string): Promise<Job> {
  const job = await ctx.jobs.get(jobId);
  if (!job) throw new NotFoundError("query job");
  const cancelled = await ctx.jobs.transition(jobId, ["pending", "working"], "cancelled", { error: "cancelled by request" });
  if (!cancelled) throw new ConflictError(`job is already ${(await ctx.jobs.get(jobId))?.status}`, { status: job.status });
  const event = await ctx.jobs.appendEvent(jobId, "cancelled", { reason: "cancelled by request" });
  if (event) await ctx.notifier.publish(event).catch(() => undefined);
  await enqueueWebhook(ctx, cancelled);
  return cancelled;
}
