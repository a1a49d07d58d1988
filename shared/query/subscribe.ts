import { canReadJob, type Principal } from "../auth/principal";
import type { Context } from "../runtime/context";

/**
 * A connection follows a job from `afterSeq`: logged events first, then live ones. With a principal,
 * only its own jobs (another's job answers "not found", as over HTTP).
 */
export async function subscribeToJob(ctx: Context, connectionId: string, jobId: string, afterSeq: number, principal?: Principal): Promise<boolean> {
  const job = await ctx.jobs.get(jobId);
  if (!job || (principal && !canReadJob(job, principal))) {
    await ctx.notifier.send(connectionId, { type: "error", error: { code: "not_found", message: `job ${jobId} not found` } });
    return false;
  }
  await ctx.jobs.subscribe(jobId, connectionId);
  await ctx.notifier.follow(connectionId, jobId, afterSeq);
  return true;
}

export async function disconnect(ctx: Context, connectionId: string): Promise<void> {
  await ctx.jobs.unsubscribe(connectionId);
}
