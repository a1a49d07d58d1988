import type { EmbedMessage } from "../../events/messages";
import type { Chunk } from "../domain/chunk";
import { logger } from "../observability/logger";
import type { Uses } from "../runtime/context";
import { QUEUES } from "../topology";
import { allDocuments } from "./all-documents";
import { tuneRetrieval } from "../query/retrieval-tuning";

// Embedding model rollout. When the configured model differs from the one the index is served with,
// every live chunk is re-embedded with the new model in the background (vectors of unchanged text
// are never recomputed); queries keep the serving model until every live chunk has a new vector,
// then the index switches in one step and drops the old vectors.

export interface RolloutStatus {
  state: "empty" | "current" | "rolling" | "switched";
  serving?: string;
  target: string;
  chunks: number;
  covered: number;
  /** Documents whose re-embedding was queued by this tick. */
  queued: number;
}

/** Re-requests a document's re-embedding if its messages have not landed after this long. */
const REQUEST_TTL_MS = 10 * 60_000;
const BATCH = 16;

export async function rolloutStatus(ctx: Uses<"embedder" | "index">): Promise<RolloutStatus> {
  const serving = await ctx.index.servingModel();
  const target = ctx.embedder.model;
  const { chunks, covered } = await ctx.index.modelCoverage(target);
  return { state: !serving ? "empty" : serving === target ? "current" : "rolling", serving, target, chunks, covered, queued: 0 };
}

/** One step: queue re-embeds for documents missing new vectors, or switch once nothing is missing. */
export async function rolloutTick(
  ctx: Uses<"catalog" | "embedder" | "index" | "objects" | "previousEmbedder" | "queue", "query">,
  now = Date.now(),
): Promise<RolloutStatus> {
  const status = await rolloutStatus(ctx);
  if (status.state === "current") await tuneQuietly(ctx);
  if (status.state !== "rolling") return status;
  const target = status.target;
  if (status.covered >= status.chunks) {
    await ctx.index.switchServingModel(target);
    for (const doc of await allDocuments(ctx, "indexed")) {
      if (doc.version) await ctx.catalog.putIfVersion(doc.key, doc.version, { embeddingModel: target, rollout: undefined });
    }
    logger.info("embedding model switched", { from: status.serving, to: target, chunks: status.chunks });
    await tuneQuietly(ctx); // a new generation: its fusion weights are measured again
    return { ...status, state: "switched", serving: target };
  }
  let queued = 0;
  for (const doc of await allDocuments(ctx, "indexed")) {
    if (!doc.version || (doc.rollout?.target === target && now - Date.parse(doc.rollout.requestedAt) < REQUEST_TTL_MS)) continue;
    const live = await ctx.index.chunksOf(doc.key);
    const have = await ctx.index.vectorsFor(
      live.map((c) => c.id),
      target,
    );
    const missing: Chunk[] = live.filter((c) => !have.has(c.id)).map(({ vector: _v, embeddingModel: _m, ...c }) => c);
    if (!missing.length) continue;
    const messages: EmbedMessage[] = [];
    for (let i = 0; i < missing.length; i += BATCH) {
      messages.push({
        type: "chunks.embed",
        documentKey: doc.key,
        version: doc.version,
        total: live.length,
        chunks: missing.slice(i, i + BATCH),
        models: [target],
      });
    }
    await ctx.queue.sendBatch(
      QUEUES.embed,
      messages.map((m) => JSON.stringify(m)),
    );
    await ctx.catalog.putIfVersion(doc.key, doc.version, { rollout: { target, requestedAt: new Date(now).toISOString() } });
    queued++;
  }
  return { ...status, queued };
}

/** Fusion weights are (re)chosen on the serving generation; a bad eval set is logged, never stops a rollout. */
async function tuneQuietly(ctx: Uses<"embedder" | "index" | "objects" | "previousEmbedder", "query">): Promise<void> {
  await tuneRetrieval(ctx).catch((err) => logger.warn("retrieval tuning failed", { error: err instanceof Error ? err.message : String(err) }));
}
