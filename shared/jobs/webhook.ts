import { createHmac, timingSafeEqual } from "node:crypto";
import type { Job } from "../domain/job";
import { TransientError } from "../domain/errors";
import { nowIso } from "../util/time";
import type { Context } from "../runtime/context";
import { QUEUES } from "../topology";

// Completion webhooks: the job's outcome POSTed to its callbackUrl, signed with HMAC-SHA256 over
// `${timestamp}.${body}` (so a receiver can refuse replays), retried by the queue with backoff, and
// every attempt recorded on the job.

export const SIGNATURE_HEADER = "x-ragline-signature";
export const TIMESTAMP_HEADER = "x-ragline-timestamp";

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return "sha256=" + createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** For receivers (and tests): checks the signature and that the timestamp is recent. */
export function verifyWebhook(secret: string, headers: Record<string, string | undefined>, body: string, toleranceSeconds = 300, now = Date.now()): boolean {
  const ts = headers[TIMESTAMP_HEADER];
  const sig = headers[SIGNATURE_HEADER];
  if (!ts || !sig || Math.abs(now / 1000 - Number(ts)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function webhookBody(job: Job): string {
  return JSON.stringify({
    jobId: job.id, status: job.status, question: job.request.question,
    answer: job.result?.answer, citations: job.result?.citations, abstained: job.result?.abstained, error: job.error,
    finishedAt: job.updatedAt,
  });
}

export interface DeliveryAttempt { at: string; status?: number; error?: string; ms: number }

/** One delivery attempt; throws TransientError on failure so the queue retries it. */
export async function deliverWebhook(ctx: Context, jobId: string, opts: { timeoutMs?: number } = {}): Promise<"delivered" | "skipped"> {
  const job = await ctx.jobs.get(jobId);
  if (!job?.request.callbackUrl) return "skipped";
  const previous = ((job.checkpoints.webhook as { attempts?: DeliveryAttempt[]; delivered?: boolean } | undefined) ?? {});
  if (previous.delivered) return "skipped"; // a redelivered message after success
  const body = webhookBody(job);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const started = Date.now();
  let attempt: DeliveryAttempt;
  try {
    const res = await fetch(job.request.callbackUrl, {
      method: "POST",
      headers: { "content-type": "application/json", [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signWebhook(ctx.config.RAGLINE_WEBHOOK_SECRET, timestamp, body) },
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    attempt = { at: nowIso(), status: res.status, ms: Date.now() - started };
  } catch (err) {
    attempt = { at: nowIso(), error: err instanceof Error ? err.message : String(err), ms: Date.now() - started };
  }
  const delivered = attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300;
  await ctx.jobs.saveCheckpoint(jobId, "webhook", { attempts: [...(previous.attempts ?? []), attempt], delivered });
  if (!delivered) throw new TransientError(`webhook delivery to ${job.request.callbackUrl} failed: ${attempt.error ?? `HTTP ${attempt.status}`}`);
  return "delivered";
}

/** Queues the completion webhook of a finished job, if it asked for one. */
export async function enqueueWebhook(ctx: Context, job: Pick<Job, "id" | "request">): Promise<void> {
  if (!job.request.callbackUrl) return;
  await ctx.queue.send(QUEUES.webhooks, JSON.stringify({ type: "webhook.deliver", jobId: job.id }));
}
