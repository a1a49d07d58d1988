import { documentsOfIngestMessage } from "../../events/ingest-documents";
import { queryRunMessageSchema } from "../../events/messages";
import { logger } from "../observability/logger";
import type { LostLease } from "../ports/queue";
import type { Uses } from "../runtime/context";
import { QUEUES, topology, type Topology } from "../topology";

// What a job or document says while it waits for its next attempt after its worker was lost. A
// job's followers see a `stage` event {stage: "waiting"}; GET /queries/{id} shows the same note (the
// `waiting` checkpoint), which the next attempt clears. A `processing` document carries it as
// `waiting` until its record's next write.

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
const INGEST_STAGE: Record<string, string> = { [QUEUES.ingestEvents]: "parse", [QUEUES.embed]: "embed", [QUEUES.index]: "index" };

/** Receives a queue allows (its function's trigger); a lost delivery's attempt N is its receive count. */
function maxReceives(queue: string, topo: Topology = topology): number {
  for (const def of Object.values(topo.functions)) if (def.trigger.kind === "queue" && def.trigger.queue === queue) return def.trigger.maxReceives;
  return 1;
}

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
export async function recordLostWork(ctx: Uses<"jobs" | "notifier" | "catalog">, lost: LostLease[], nextAttemptBy: Date): Promise<void> {
  for (const l of lost) {
    if (INGEST_STAGE[l.queue]) {
      await recordLostIngest(ctx, l, nextAttemptBy);
      continue;
    }
    if (!QUERY_QUEUES.has(l.queue)) continue; // webhooks: released without a note
    try {
      const parsed = queryRunMessageSchema.safeParse(JSON.parse(l.body));
      if (!parsed.success) continue;
      const jobId = parsed.data.jobId;
      const job = await ctx.jobs.get(jobId);
      if (!job || (job.status !== "working" && job.status !== "pending")) continue;
      const maxAttempts = queryMaxAttempts(l.queue);
      const note: WaitingNote = {
        cause: "worker-lost",
        attempt: job.attempts,
        maxAttempts,
        lostAt: l.lostAt,
        nextAttemptBy: nextAttemptBy.toISOString(),
        reason: "",
      };
      note.reason = workerLostReason({ ...note, lostAt: l.lostAt });
      await ctx.jobs.saveCheckpoint(jobId, "waiting", note);
      const event = await ctx.jobs.appendEvent(jobId, "stage", { stage: "waiting", status: "waiting", ...note });
      if (event) await ctx.notifier.publish(event).catch(() => undefined);
    } catch (err) {
      logger.warn("could not record a lost worker on its job", { queue: l.queue, messageId: l.messageId, error: err as Error });
    }
  }
}

async function recordLostIngest(ctx: Uses<"catalog">, l: LostLease, nextAttemptBy: Date): Promise<void> {
  try {
    const stage = INGEST_STAGE[l.queue];
    const max = maxReceives(l.queue);
    for (const { key, version } of documentsOfIngestMessage(JSON.parse(l.body))) {
      const rec = await ctx.catalog.get(key);
      if (!rec || (rec.status !== "processing" && rec.status !== "pending") || (version && rec.version !== version)) continue;
      const n = { lostAt: l.lostAt, attempt: l.receiveCount, maxAttempts: max, nextAttemptBy: nextAttemptBy.toISOString() };
      const waiting = { ...n, cause: "worker-lost" as const, stage, reason: `${workerLostReason(n)} (${stage})` };
      // Only onto the version it was about: a newer upload since then is left alone.
      if (rec.version) await ctx.catalog.putIfVersion(key, rec.version, { status: rec.status, waiting });
      else await ctx.catalog.put(key, { status: rec.status, waiting });
    }
  } catch (err) {
    logger.warn("could not record a lost worker on its document", { queue: l.queue, messageId: l.messageId, error: err as Error });
  }
}
