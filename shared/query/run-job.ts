import type { JobEventType, QueryResult } from "../domain/job";
import { RaglineError } from "../domain/errors";
import { NO_ANSWER } from "../adapters/local/extractive-generator";
import { logger } from "../observability/logger";
import type { Context } from "../runtime/context";
import { assemble, citationsFor, rerank, retrieve, type AssembleOutput, type RetrieveOutput } from "./stages";

// Runs one query job. Every event goes to the job's log (gap-free seq) and then to subscribers.
// Each finished stage is checkpointed on the job, so a redelivered job resumes after it.

const DELTA_FLUSH_MS = 40;

export async function runQueryJob(ctx: Context, jobId: string, opts: { maxAttempts?: number } = {}): Promise<"completed" | "failed" | "skipped"> {
  let job = await ctx.jobs.get(jobId);
  if (!job || job.status === "completed" || job.status === "failed" || job.status === "cancelled") return "skipped";
  const attempt = await ctx.jobs.recordAttempt(jobId);
  job = (await ctx.jobs.transition(jobId, ["pending", "working"], "working")) ?? job;
  const req = job.request;
  const cp = job.checkpoints as { retrieve?: RetrieveOutput; rerank?: RetrieveOutput; assemble?: AssembleOutput; generate?: { answer: string }; timings?: Record<string, number> };
  const timings: Record<string, number> = { ...(cp.timings ?? {}) };

  const emit = async (type: JobEventType, data: Record<string, unknown>) => {
    const event = await ctx.jobs.appendEvent(jobId, type, data);
    await ctx.notifier.publish(event).catch((err) => logger.warn("notify failed", { jobId, err: String(err) }));
  };
  async function stage<T>(name: string, done: T | undefined, run: () => Promise<T>): Promise<T> {
    if (done !== undefined) return done;
    await emit("stage", { stage: name, status: "started", attempt });
    const t0 = performance.now();
    const out = await run();
    timings[name] = Math.round(performance.now() - t0);
    await ctx.jobs.saveCheckpoint(jobId, name, out);
    await ctx.jobs.saveCheckpoint(jobId, "timings", timings);
    await emit("stage", { stage: name, status: "finished", ms: timings[name] });
    return out;
  }

  try {
    const retrieved = await stage("retrieve", cp.retrieve, async () => {
      const out = await retrieve(ctx, req);
      await emit("retrieved", {
        chunks: out.chunks.map((c) => ({ chunkId: c.id, documentKey: c.documentKey, page: c.page, sectionPath: c.sectionPath, score: c.score })),
      });
      return out;
    });
    const reranked = await stage("rerank", cp.rerank, () => rerank(ctx, req, retrieved));
    const context = await stage("assemble", cp.assemble, async () => assemble(reranked));
    const generated = await stage("generate", cp.generate, async () => {
      let answer = "";
      let buffered = "";
      let last = Date.now();
      const flush = async () => {
        if (!buffered) return;
        await emit("delta", { text: buffered, offset: answer.length - buffered.length });
        buffered = "";
        last = Date.now();
      };
      for await (const delta of ctx.generator.generate({ question: req.question, sources: context.sources })) {
        answer += delta;
        buffered += delta;
        if (Date.now() - last >= DELTA_FLUSH_MS) await flush();
      }
      await flush();
      return { answer };
    });

    const result: QueryResult = {
      answer: generated.answer,
      citations: citationsFor(generated.answer, context.sources),
      abstained: generated.answer.trim() === NO_ANSWER || !context.sources.length,
      backends: {
        index: ctx.index.name, embedder: `${ctx.embedder.backend}:${ctx.embedder.model}`,
        reranker: `${ctx.reranker.backend}:${ctx.reranker.model}`, generator: `${ctx.generator.backend}:${ctx.generator.model}`,
      },
      timings,
    };
    const completed = await ctx.jobs.transition(jobId, ["working"], "completed", { result });
    if (completed) await emit("done", { answer: result.answer, citations: result.citations, abstained: result.abstained, timings, backends: result.backends });
    return "completed";
  } catch (err) {
    const permanent = err instanceof RaglineError && !err.retryable;
    if (!permanent && attempt < (opts.maxAttempts ?? 3)) throw err; // the queue redelivers; checkpoints keep finished stages
    const message = err instanceof Error ? err.message : String(err);
    logger.error("query job failed", { jobId, attempt, error: message });
    const failed = await ctx.jobs.transition(jobId, ["pending", "working"], "failed", { error: message });
    if (failed) await emit("failed", { error: message, attempt });
    return "failed";
  }
}
