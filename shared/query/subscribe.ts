import { canReadJob } from "../auth/policy";
import type { Principal } from "../auth/principal";
import { FINAL_EVENTS, TERMINAL_STATUSES } from "../domain/job";
import type { Uses } from "../runtime/context";

/**
 * A connection follows a job from `afterSeq`: logged events first, then live ones. With a principal,
 * only its own jobs (another's job answers "not found", as over HTTP). A client that reconnects to a
 * finished job already holding every event gets the final event again, so it never waits for nothing.
 */
export async function subscribeToJob(
  ctx: Uses<"jobs" | "notifier">,
  connectionId: string,
  jobId: string,
  afterSeq: number,
  principal?: Principal,
): Promise<boolean> {
  const job = await ctx.jobs.get(jobId);
  if (!job || (principal && !canReadJob(job, principal))) {
    await ctx.notifier.send(connectionId, { type: "error", error: { code: "not_found", message: `job ${jobId} not found` } });
    return false;
  }
  if (TERMINAL_STATUSES.includes(job.status) && !(await ctx.jobs.events(jobId, afterSeq, 1)).length) {
    // Rare path (a reconnect after the end): the whole log is read once to find its final event.
    const final = (await ctx.jobs.events(jobId, 0)).findLast((e) => FINAL_EVENTS.includes(e.type));
    if (final) return (await ctx.notifier.send(connectionId, final), true);
  }
  await ctx.jobs.subscribe(jobId, connectionId);
  await ctx.notifier.follow(connectionId, jobId, afterSeq);
  return true;
}

export async function disconnect(ctx: Uses<"jobs">, connectionId: string): Promise<void> {
  await ctx.jobs.unsubscribe(connectionId);
}
