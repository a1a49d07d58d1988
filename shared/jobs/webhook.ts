import { createHmac, timingSafeEqual } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Job } from "../domain/job";
import { TransientError } from "../domain/errors";
import { logger } from "../observability/logger";
import { nowIso } from "../util/time";
import type { Uses } from "../runtime/context";
import { QUEUES } from "../topology";
import { callbackPolicy, CallbackRefused, checkCallbackUrl, type CheckedCallback, type Resolve } from "./callback-url";

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
    jobId: job.id,
    status: job.status,
    question: job.request.question,
    answer: job.result?.answer,
    citations: job.result?.citations,
    abstained: job.result?.abstained,
    error: job.error,
    finishedAt: job.updatedAt,
  });
}

export interface DeliveryAttempt {
  at: string;
  status?: number;
  error?: string;
  ms: number;
  refused?: boolean;
}

/**
 * One delivery attempt; throws TransientError on failure so the queue retries it. A callback that is no
 * longer allowed (its name now resolves to a blocked address, or there is no secret) is refused: recorded,
 * not sent, not retried. `resolve` is the name resolution (injectable for tests).
 */
export async function deliverWebhook(
  ctx: Uses<"jobs", "webhooks">,
  jobId: string,
  opts: { timeoutMs?: number; resolve?: Resolve } = {},
): Promise<"delivered" | "skipped" | "refused"> {
  const job = await ctx.jobs.get(jobId);
  if (!job?.request.callbackUrl) return "skipped";
  const previous = (job.checkpoints.webhook as { attempts?: DeliveryAttempt[]; delivered?: boolean } | undefined) ?? {};
  if (previous.delivered) return "skipped"; // a redelivered message after success
  const record = (attempt: DeliveryAttempt, delivered: boolean) =>
    ctx.jobs.saveCheckpoint(jobId, "webhook", { attempts: [...(previous.attempts ?? []), attempt], delivered, ...(attempt.refused ? { refused: true } : {}) });
  const started = Date.now();
  const secret = ctx.settings.webhooks.secret;
  let target: CheckedCallback;
  try {
    if (!secret) throw new CallbackRefused("webhooks_disabled: RAGLINE_WEBHOOK_SECRET is not set");
    target = await checkCallbackUrl(job.request.callbackUrl, callbackPolicy(ctx.settings.webhooks), opts.resolve);
  } catch (err) {
    if (!(err instanceof CallbackRefused)) throw err;
    if (err.transient) {
      // the name did not resolve this time: retried like a failed connection
      await record({ at: nowIso(), error: err.reason, ms: Date.now() - started }, false);
      throw new TransientError(`webhook delivery to ${job.request.callbackUrl} failed: ${err.reason}`);
    }
    logger.warn("webhook refused", { jobId, reason: err.reason });
    await record({ at: nowIso(), error: `refused: ${err.reason}`, ms: Date.now() - started, refused: true }, false);
    return "refused";
  }
  const body = webhookBody(job);
  const timestamp = String(Math.floor(Date.now() / 1000));
  let attempt: DeliveryAttempt;
  try {
    const status = await postPinned(
      target,
      { "content-type": "application/json", [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body) },
      body,
      opts.timeoutMs ?? 10_000,
    );
    attempt = { at: nowIso(), status, ms: Date.now() - started, ...(status >= 300 && status < 400 ? { error: "redirects are not followed" } : {}) };
  } catch (err) {
    attempt = { at: nowIso(), error: err instanceof Error ? err.message : String(err), ms: Date.now() - started };
  }
  const delivered = attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300;
  await record(attempt, delivered);
  if (!delivered) throw new TransientError(`webhook delivery to ${job.request.callbackUrl} failed: ${attempt.error ?? `HTTP ${attempt.status}`}`);
  return "delivered";
}

/**
 * POSTs to the checked address only: the connection's lookup answers with it, so the name is not resolved
 * a second time (DNS rebinding); TLS still verifies the certificate against the host name. Redirects are
 * never followed (node:http does not). Resolves with the response status.
 */
function postPinned(target: CheckedCallback, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
  const { url, address, family } = target;
  const pinnedLookup = (_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) =>
    options.all ? cb(null, [{ address, family }]) : cb(null, address, family);
  return new Promise((resolvePromise, reject) => {
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(
      {
        hostname: target.hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: "POST",
        auth: url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
        headers: { ...headers, host: url.host, "content-length": String(Buffer.byteLength(body)) },
        lookup: pinnedLookup as never,
        agent: false,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        res.resume();
        resolvePromise(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Queues the completion webhook of a finished job, if it asked for one. */
export async function enqueueWebhook(ctx: Uses<"queue">, job: Pick<Job, "id" | "request">): Promise<void> {
  if (!job.request.callbackUrl) return;
  await ctx.queue.send(QUEUES.webhooks, JSON.stringify({ type: "webhook.deliver", jobId: job.id }));
}
