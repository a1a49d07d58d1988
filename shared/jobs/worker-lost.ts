import { queryRunMessageSchema } from "../../events/messages";
import { logger } from "../observability/logger";
import type { LostLease } from "../ports/queue";
import type { Context } from "../runtime/context";
import { QUEUES, topology, type Topology } from "../topology";

// What a job says while it waits for its next attempt after its worker was lost. Followers see a
// `stage` event {stage: "waiting"}; GET /queries/{id} shows the same note (the `waiting` checkpoint),
// which the next attempt clears.

export interface WaitingNote {
  reason: string;
  /** "worker-lost": the process running it died or stopped; "attempt-failed": it failed and is retried. */
  cause: "worker-lost" | "attempt-failed";
  /** The attempt that ended, and how many a job gets. */
  attempt: number;
  maxAttempts: number;
  lostAt?: string;
  nextAttemptBy?: string;
}

const QUERY_QUEUES = new Set<string>([QUEUES.queryJobs, QUEUES.queryJobsLong]);

/** Attempts a query job gets: one receive fewer than its queue allows (the last receive fails it with a reason). */
export function queryMaxAttempts(queue: string = QUEUES.queryJobs, topo: Topology = topology): number {
  for (const def of Object.values(topo.functions)) {
    if (def.trigger.kind === "queue" && def.trigger.queue === queue) return def.trigger.maxReceives - 1;
  }
  return 3;
}

export function workerLostReason(n: { lostAt: string; attempt: number; maxAttempts: number; nextAttemptBy?: string }): string {
  const next = n.attempt >= n.maxAttempts ? "no attempts left: the next receive fails it" : `next attempt by ${n.nextAttemptBy ?? "its visibility timeout"}`;
  return `waiting to resume: worker lost at ${n.lostAt}, attempt ${n.attempt} of ${n.maxAttempts}, ${next}`;
}

/**
 * Records on each query job whose lease was lost why it waits (event + note). Called by the host
 * before the leases are released, so the note precedes the next attempt's events in the log.
 */
export async function recordLostWork(ctx: Context, lost: LostLease[], nextAttemptBy: Date): Promise<void> {
  for (const l of lost) {
    if (!QUERY_QUEUES.has(l.queue)) continue; // ingestion messages: released without a note
    try {
      const parsed = queryRunMessageSchema.safeParse(JSON.parse(l.body));
      if (!parsed.success) continue;
      const jobId = parsed.data.jobId;
      const job = await ctx.jobs.get(jobId);
      if (!job || (job.status !== "working" && job.status !== "pending")) continue;
      const maxAttempts = queryMaxAttempts(l.queue);
      const note: WaitingNote = {
        cause: "worker-lost", attempt: job.attempts, maxAttempts, lostAt: l.lostAt, nextAttemptBy: nextAttemptBy.toISOString(), reason: "",
      };
      note.reason = workerLostReason({ ...note, lostAt: l.lostAt });
      await ctx.jobs.saveCheckpoint(jobId, "waiting", note);
      const event = await ctx.jobs.appendEvent(jobId, "stage", { stage: "waiting", status: "waiting", ...note });
      await ctx.notifier.publish(event).catch(() => undefined);
    } catch (err) {
      logger.warn("could not record a lost worker on its job", { queue: l.queue, messageId: l.messageId, error: err as Error });
    }
  }
}
