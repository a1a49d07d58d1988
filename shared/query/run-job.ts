import type { JobEvent, JobEventType, QueryResult } from "../domain/job";
import type { StageCommit } from "../ports/job-store";
import { answerFromEvents, ResumableStream, type ResumeStep } from "../jobs/answer-log";
import { queueFor } from "../jobs/admission";
import { enqueueWebhook } from "../jobs/webhook";
import { RaglineError } from "../domain/errors";
import type { TokenUsage } from "../text/tokens";
import type { GenerateRequest } from "../ports/models";
import { logger } from "../observability/logger";
import { metrics, MetricUnit } from "../observability/metrics";
import type { Uses } from "../runtime/context";
import type { WaitingNote } from "../jobs/worker-lost";
import { nowIso } from "../util/time";
import type { AssembleOutput } from "./assemble";
import type { UsageHook } from "../text/chat-model";
import { citationsFor } from "./citations";
import { GROUNDING_METHOD, groundAnswer, type GroundingOutput } from "./grounding";
import { isNoAnswer, NO_ANSWER } from "../text/no-answer";
import { assemble, quoteFor, relevanceMethod, rerank, retrieve, transform, transformEnabled, type RerankOutput, type RetrieveOutput } from "./stages";
import type { TransformOutput } from "./transform";
import {
  compactAssemble,
  compactRerank,
  compactRetrieve,
  resumeStages,
  sameAssembly,
  type AssembleCheckpoint,
  type RerankCheckpoint,
  type RetrieveCheckpoint,
} from "./stage-checkpoints";

// Runs one query job: transform (when an LLM is configured) → retrieve → rerank → assemble →
// generate → ground. Every event goes to the job's log (gap-free seq) and then to subscribers.
// Each finished stage is checkpointed on the job (ids and scores, not texts: ./stage-checkpoints.ts)
// in one write with its events, so a redelivered job resumes after it. A cancelled
// job stops at the next stage boundary, or mid-stream (the generation request is aborted).

const DELTA_FLUSH_MS = 40;
/** How often a streaming generation looks whether its job was cancelled. */
const CANCEL_CHECK_MS = 250;

class Cancelled extends Error {}

/** The host cut the invocation off (its timeout): stop at the next stage boundary, retry later. */
export class AttemptAborted extends Error {
  constructor(reason: unknown) {
    super(`attempt aborted: ${reason instanceof Error ? reason.message : String(reason ?? "aborted")}`);
    this.name = "AttemptAborted";
  }
}

/** Thrown after the last attempt marked the job failed, so the queue dead-letters its message. */
export class JobAttemptsExhausted extends Error {
  constructor(
    readonly jobId: string,
    cause: unknown,
  ) {
    super(`job ${jobId} failed after its last attempt`, { cause });
    this.name = "JobAttemptsExhausted";
  }
}

interface Checkpoints {
  transform?: TransformOutput;
  retrieve?: RetrieveCheckpoint | RetrieveOutput;
  rerank?: RerankCheckpoint | RerankOutput;
  assemble?: AssembleCheckpoint | AssembleOutput;
  generate?: { answer: string; usage?: TokenUsage; abstained?: boolean };
  ground?: GroundingOutput;
  timings?: Record<string, number>;
  /** Set while the job waits for its next attempt (see shared/jobs/worker-lost.ts); cleared when it starts. */
  waiting?: WaitingNote | null;
  /** How the last attempt that ended by itself ended; an attempt that left none was lost. */
  attemptEnded?: { attempt: number; at: string; error: string };
}

export interface RunJobOptions {
  maxAttempts?: number;
  /** The queue's receive count of this delivery (SQS ApproximateReceiveCount), for the record. */
  receiveCount?: number;
  /** Aborted when the invocation is cut off (the host's timeout): the job stops at the next stage boundary. */
  signal?: AbortSignal;
}

export async function runQueryJob(
  ctx: Uses<"embedder" | "generator" | "index" | "jobs" | "notifier" | "objects" | "previousEmbedder" | "queue" | "reranker", "jobs" | "query">,
  jobId: string,
  opts: RunJobOptions = {},
): Promise<"completed" | "failed" | "skipped" | "deferred"> {
  const maxAttempts = opts.maxAttempts ?? 3;
  const signal = opts.signal;
  let job = await ctx.jobs.get(jobId);
  // A job that failed on its last attempt keeps failing its message, so the queue dead-letters it.
  if (job?.status === "failed" && job.attempts >= maxAttempts) throw new JobAttemptsExhausted(jobId, job.error);
  if (!job || job.status === "completed" || job.status === "failed" || job.status === "cancelled") return "skipped";
  // Per-tenant cap: a new job of a tenant already running its share waits in the queue (re-sent with
  // a delay, so it does not use up its receive count).
  const tenant = job.request.principal?.tenant;
  if (job.status === "pending" && tenant && ctx.jobs.countWorking && (await ctx.jobs.countWorking(tenant)) >= ctx.settings.jobs.maxRunningPerTenant) {
    await ctx.queue.send(queueFor(job.request.jobClass ?? "interactive"), JSON.stringify({ type: "query.run", jobId }), { delaySeconds: 1 });
    return "deferred";
  }
  const attempt = await ctx.jobs.recordAttempt(jobId);
  if (attempt > maxAttempts) {
    // Its workers were lost (killed, timed out) on every attempt: give up with a reason, then dead-letter.
    const error = `gave up after ${maxAttempts} attempts: the worker running it was lost each time`;
    const failed = await ctx.jobs.transition(jobId, ["pending", "working"], "failed", { error });
    if (failed) {
      const event = await ctx.jobs.appendEvent(jobId, "failed", { error, attempt });
      if (event) await ctx.notifier.publish(event).catch(() => undefined);
      await enqueueWebhook(ctx, failed);
    }
    throw new JobAttemptsExhausted(jobId, error);
  }
  const lastSeen = job.updatedAt; // before this attempt writes: the previous attempt's last sign of life
  job = (await ctx.jobs.transition(jobId, ["pending", "working"], "working")) ?? job;
  const req = job.request;
  const cp = job.checkpoints as Checkpoints;
  const timings: Record<string, number> = { ...(cp.timings ?? {}) };

  const publish = async (event: JobEvent) => {
    await ctx.notifier.publish(event).catch((err) => logger.warn("notify failed", { jobId, err: String(err) }));
  };
  const emit = async (type: JobEventType, data: Record<string, unknown>) => {
    const event = await ctx.jobs.appendEvent(jobId, type, data);
    if (!event) return; // the job ended meanwhile (cancelled): its log is closed, the runner stops at the next boundary
    await publish(event);
  };
  if (cp.waiting)
    await ctx.jobs.saveCheckpoint(jobId, "waiting", null); // announced while it waited; over now
  else if (attempt > 1 && cp.attemptEnded?.attempt !== attempt - 1) {
    // The previous attempt left no end: its worker was lost, and nobody said so while the message
    // waited out its visibility timeout (SQS owns the lease on AWS). Say it now.
    const reason = `resumed: worker lost (last seen at ${lastSeen}), attempt ${attempt - 1} of ${maxAttempts} ended without a result; this is attempt ${attempt}`;
    await emit("stage", {
      stage: "waiting",
      status: "resumed",
      cause: "worker-lost",
      reason,
      lostAt: lastSeen,
      attempt,
      maxAttempts,
      receiveCount: opts.receiveCount,
    });
  }
  const cancelled = async () => (await ctx.jobs.get(jobId))?.status === "cancelled";
  interface StageOptions<T> {
    /** What the finished event says of the output. */
    info?: (out: T) => Record<string, unknown>;
    /** What the checkpoint keeps of the output (default: all of it). */
    save?: (out: T) => unknown;
    /** Events logged before the finished one, in the same write. */
    events?: (out: T) => StageCommit[];
    /** The stage run next: it starts the moment this one ends, so its started event goes in this write. */
    next?: string;
  }
  const started = (name: string): StageCommit => ({ type: "stage", data: { stage: name, status: "started", attempt } });
  let announced: string | undefined; // a stage whose started event the previous stage's write logged
  async function stage<T>(name: string, done: T | undefined, run: () => Promise<T>, opts: StageOptions<T> = {}): Promise<T> {
    if (done !== undefined) return done;
    if (signal?.aborted) throw new AttemptAborted(signal.reason);
    if (await cancelled()) throw new Cancelled();
    if (announced !== name) await emit("stage", started(name).data);
    const t0 = performance.now();
    const out = await run();
    timings[name] = Math.round(performance.now() - t0);
    // One write: the checkpoint, the timings, the stage's events and the next one's start.
    const finished: StageCommit = { type: "stage", data: { stage: name, status: "finished", ms: timings[name], ...opts.info?.(out) } };
    const events = [...(opts.events?.(out) ?? []), finished, ...(opts.next ? [started(opts.next)] : [])];
    const logged = await ctx.jobs.commitStage(jobId, { [name]: opts.save ? opts.save(out) : out, timings }, events);
    announced = opts.next && logged.length === events.length ? opts.next : undefined;
    for (const event of logged) await publish(event);
    return out;
  }
  // Retrieved and reranked chunks are read back from the index; if one is gone, retrieval on runs again.
  const resumed = await resumeStages(ctx, cp);
  const rerun = Boolean(cp.retrieve) && !resumed.retrieve;

  try {
    // Off on the local fallback: no stage, no events, the question alone is searched.
    const transformed = transformEnabled(ctx)
      ? await stage("transform", cp.transform, () => transform(ctx, req), { info: (o) => ({ queries: o.queries }), next: "retrieve" })
      : { queries: [req.question], by: "off" };
    const retrieved = await stage("retrieve", resumed.retrieve, () => retrieve(ctx, req, transformed.queries), {
      save: compactRetrieve,
      next: "rerank",
      events: (out) => [
        {
          type: "retrieved",
          data: {
            chunks: out.chunks.map((c) => ({
              chunkId: c.id,
              documentKey: c.documentKey,
              page: c.page,
              pageEnd: c.pageEnd,
              sectionPath: c.sectionPath,
              score: c.score,
            })),
          },
        },
      ],
    });
    const reranked = await stage("rerank", resumed.rerank, () => rerank(ctx, req, retrieved), {
      save: compactRerank,
      info: (o) => ({ abstain: o.abstain }),
      next: "assemble",
    });
    // Assembly is run again on resume (cheap, deterministic); if it now joins other chunks, the answer is made again.
    const reassembled = cp.assemble && resumed.rerank ? await assemble(ctx, reranked, req.question) : undefined;
    const sameSources = reassembled !== undefined && sameAssembly(cp.assemble!, reassembled);
    const context = await stage("assemble", sameSources ? reassembled : undefined, () => assemble(ctx, reranked, req.question), {
      save: compactAssemble,
      info: (o) => ({ sources: o.sources.length, tokens: o.tokens }),
      next: "generate",
    });
    const answerStands = !rerun && (sameSources || !cp.assemble);
    const generated = await stage(
      "generate",
      answerStands ? cp.generate : undefined,
      async () => {
        // A retried generation continues what an earlier attempt logged: text that agrees is not sent
        // again; if the model now says something else, a `restarted` event tells followers to discard it.
        const logged = attempt > 1 ? answerFromEvents(await ctx.jobs.events(jobId, 0)) : "";
        const stream = new ResumableStream(logged);
        let pending: { text: string; offset: number } | undefined;
        let lastFlush = Date.now();
        let lastCancelCheck = Date.now();
        const abort = new AbortController();
        signal?.addEventListener("abort", () => abort.abort(signal.reason), { once: true });
        const flush = async () => {
          if (pending) await emit("delta", { ...pending, attempt });
          pending = undefined;
          lastFlush = Date.now();
        };
        const apply = async (steps: ResumeStep[]) => {
          for (const step of steps) {
            if (step.kind === "restart") {
              await flush();
              await emit("stage", { stage: "generate", status: "restarted", attempt });
            } else if (pending && pending.offset + pending.text.length === step.offset) pending.text += step.text;
            else {
              await flush();
              pending = { text: step.text, offset: step.offset };
            }
          }
          if (Date.now() - lastFlush >= DELTA_FLUSH_MS) await flush();
          if (Date.now() - lastCancelCheck >= CANCEL_CHECK_MS) {
            lastCancelCheck = Date.now();
            if (await cancelled()) {
              abort.abort();
              throw new Cancelled();
            }
          }
        };
        if (reranked.abstain || !context.sources.length) {
          await apply(stream.push(NO_ANSWER)); // nothing relevant enough: say so rather than guess
          await apply(stream.end());
          await flush();
          return { answer: stream.answer, abstained: true };
        }
        let usage: TokenUsage | undefined;
        const quote = ctx.generator.extractive === true ? quoteFor(context, req.question) : undefined;
        const genReq: GenerateRequest & UsageHook = {
          question: req.question,
          sources: context.sources,
          quote,
          signal: abort.signal,
          onUsage: (u) => {
            usage = u;
          },
        };
        for await (const delta of ctx.generator.generate(genReq)) await apply(stream.push(delta));
        await apply(stream.end());
        await flush();
        return { answer: stream.answer, usage };
      },
      { info: (o) => (o.usage ? { usage: o.usage } : {}), next: "ground" },
    );
    const grounding = await stage(
      "ground",
      answerStands ? cp.ground : undefined,
      async () => groundAnswer(generated.answer, context.sources, ctx.settings.query.groundingMinSupport),
      { info: (o) => ({ unsupported: o.unsupported.length }) },
    );

    const result: QueryResult = {
      answer: generated.answer,
      citations: citationsFor(generated.answer, context.sources),
      abstained: Boolean(generated.abstained) || isNoAnswer(generated.answer) || !context.sources.length,
      backends: {
        index: ctx.index.name,
        embedder: `${ctx.embedder.backend}:${retrieved.embeddingModel ?? ctx.embedder.model}`,
        reranker: `${ctx.reranker.backend}:${ctx.reranker.model}`,
        generator: `${ctx.generator.backend}:${ctx.generator.model}`,
        transform: transformed.by,
        relevance: relevanceMethod(ctx, reranked.relevanceBy),
        grounding: `${GROUNDING_METHOD} support >= ${ctx.settings.query.groundingMinSupport}`,
      },
      timings,
      unsupportedSentences: grounding.unsupported,
    };
    const completed = await ctx.jobs.transition(jobId, ["working"], "completed", { result });
    if (completed) {
      await emit("done", {
        answer: result.answer,
        citations: result.citations,
        abstained: result.abstained,
        timings,
        backends: result.backends,
        unsupportedSentences: result.unsupportedSentences,
        usage: generated.usage,
      });
      await enqueueWebhook(ctx, completed);
      metrics.addMetric("JobsCompleted", MetricUnit.Count, 1);
      if (result.abstained) metrics.addMetric("JobsAbstained", MetricUnit.Count, 1);
      for (const [stageName, ms] of Object.entries(timings)) metrics.addMetric(`Stage_${stageName}_ms`, MetricUnit.Milliseconds, ms);
    }
    return "completed";
  } catch (err) {
    if (err instanceof Cancelled) return "skipped"; // cancelled by request: the cancel already logged its event
    const permanent = err instanceof RaglineError && !err.retryable;
    const message = err instanceof Error ? err.message : String(err);
    if (!permanent && attempt < maxAttempts) {
      // The queue redelivers; checkpoints keep finished stages. Followers learn why nothing comes.
      const note: WaitingNote = {
        cause: "attempt-failed",
        attempt,
        maxAttempts,
        reason: `waiting to retry: attempt ${attempt} of ${maxAttempts} failed (${message})`,
      };
      await ctx.jobs.saveCheckpoint(jobId, "attemptEnded", { attempt, at: nowIso(), error: message });
      if ((await ctx.jobs.get(jobId))?.status === "working") {
        await ctx.jobs.saveCheckpoint(jobId, "waiting", note);
        await emit("stage", { stage: "waiting", status: "waiting", ...note });
      }
      throw err;
    }
    logger.error("query job failed", { jobId, attempt, error: message });
    const failed = await ctx.jobs.transition(jobId, ["pending", "working"], "failed", { error: message });
    if (failed) {
      await emit("failed", { error: message, attempt });
      metrics.addMetric("JobsFailed", MetricUnit.Count, 1);
      await enqueueWebhook(ctx, failed);
    }
    // Out of attempts on a transient error: the message goes on to the dead-letter queue.
    if (!permanent) throw new JobAttemptsExhausted(jobId, err);
    return "failed";
  }
}
