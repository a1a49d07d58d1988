import type { Uses } from "../runtime/context";

/** Deletes finished jobs older than the configured TTL; stores with native TTL do it themselves. */
export async function purgeExpiredJobs(ctx: Uses<"jobs", "jobs">, now = Date.now()): Promise<number> {
  const before = new Date(now - ctx.settings.jobs.ttlHours * 3_600_000).toISOString();
  return (await ctx.jobs.purgeFinished?.(before)) ?? 0;
}
