import type { Context } from "../runtime/context";

/** Deletes finished jobs older than the configured TTL; stores with native TTL do it themselves. */
export async function purgeExpiredJobs(ctx: Context, now = Date.now()): Promise<number> {
  const before = new Date(now - ctx.config.RAGLINE_JOB_TTL_HOURS * 3_600_000).toISOString();
  return (await ctx.jobs.purgeFinished?.(before)) ?? 0;
}
