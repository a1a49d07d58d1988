import type { Context } from "../runtime/context";

/** A connection follows a job from `afterSeq`: logged events first, then live ones. */
export async function subscribeToJob(ctx: Context, connectionId: string, jobId: string, afterSeq: number): Promise<boolean> {
  const job = await ctx.jobs.get(jobId);
  if (!job) {
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
