import { decodeVector, encodeVector, type EmbedMessage, type IndexMessage } from "../../events/messages";
import { embeddingText, type EmbeddedChunk } from "../domain/chunk";
import { metrics, MetricUnit } from "../observability/metrics";
import type { Uses } from "../runtime/context";
import { QUEUES } from "../topology";
import { embedderFor, modelsToEmbed } from "./generations";

// embed: vectors for a batch, per model in play, reusing stored vectors of unchanged chunks (same id,
// same model); one index message per model.
// index: stage the batch; when the version holds all its chunks for the serving model, activate it
// and mark it indexed.

export async function embedBatch(
  ctx: Uses<"catalog" | "embedder" | "index" | "previousEmbedder" | "queue">,
  msg: EmbedMessage,
): Promise<{ embedded: number; reused: number; stale: boolean }> {
  if (await isStale(ctx, msg.documentKey, msg.version)) return { embedded: 0, reused: 0, stale: true };
  let embedded = 0;
  let reused = 0;
  for (const model of msg.models ?? (await modelsToEmbed(ctx))) {
    const embedder = embedderFor(ctx, model);
    if (!embedder) throw new Error(`no embedder configured for model ${model}`);
    const known = await ctx.index.vectorsFor(
      msg.chunks.map((c) => c.id),
      model,
    );
    const missing = msg.chunks.filter((c) => !known.has(c.id));
    const fresh = missing.length ? await embedder.embed(missing.map(embeddingText), "document") : [];
    missing.forEach((c, i) => known.set(c.id, fresh[i]));
    embedded += missing.length;
    reused += msg.chunks.length - missing.length;
    const out: IndexMessage = {
      type: "chunks.index",
      documentKey: msg.documentKey,
      version: msg.version,
      total: msg.total,
      embeddingModel: model,
      chunks: msg.chunks.map((c) => ({ ...c, vector: encodeVector(known.get(c.id)!) })),
    };
    await ctx.queue.sendBatch(QUEUES.index, sizedBodies(out));
  }
  metrics.addMetric("ChunksEmbedded", MetricUnit.Count, embedded);
  metrics.addMetric("ChunksReused", MetricUnit.Count, reused);
  return { embedded, reused, stale: false };
}

/**
 * SQS (and ElasticMQ) refuse a message over 256 KiB. Vectors make an index message grow with the
 * embedder's dimension (16 chunks of 3072 floats ≈ 300 KB), so a message over the budget is split in
 * halves until every part fits; the index stage counts chunks, not messages.
 */
export const MAX_MESSAGE_BYTES = 200 * 1024;

export function sizedBodies(msg: IndexMessage, maxBytes = MAX_MESSAGE_BYTES): string[] {
  const body = JSON.stringify(msg);
  if (Buffer.byteLength(body) <= maxBytes || msg.chunks.length <= 1) return [body];
  const half = Math.ceil(msg.chunks.length / 2);
  return [...sizedBodies({ ...msg, chunks: msg.chunks.slice(0, half) }, maxBytes), ...sizedBodies({ ...msg, chunks: msg.chunks.slice(half) }, maxBytes)];
}

export async function indexBatch(ctx: Uses<"catalog" | "index">, msg: IndexMessage): Promise<{ activated: boolean; stale: boolean }> {
  if (await isStale(ctx, msg.documentKey, msg.version)) return { activated: false, stale: true };
  const chunks: EmbeddedChunk[] = msg.chunks.map(({ vector, ...c }) => ({ ...c, vector: decodeVector(vector), embeddingModel: msg.embeddingModel }));
  await ctx.index.stage(chunks);
  // The first model ever indexed becomes the serving one; other models' vectors (a rollout's) only wait for the switch.
  const serving = (await ctx.index.servingModel()) ?? (await ctx.index.switchServingModel(msg.embeddingModel), msg.embeddingModel);
  if (msg.embeddingModel !== serving) return { activated: false, stale: false };
  if ((await ctx.index.countChunks(msg.documentKey, msg.version, serving)) < msg.total) return { activated: false, stale: false };
  // Re-check right before the switch: a newer version may have arrived while we staged.
  if (await isStale(ctx, msg.documentKey, msg.version)) return { activated: false, stale: true };
  await ctx.index.activate(msg.documentKey, msg.version);
  await ctx.catalog.putIfVersion(msg.documentKey, msg.version, {
    status: "indexed",
    indexedVersion: msg.version,
    chunks: msg.total,
    embeddingModel: msg.embeddingModel,
  });
  metrics.addMetric("DocumentsIndexed", MetricUnit.Count, 1);
  return { activated: true, stale: false };
}

/** A message for a version that is no longer the document's current one is dropped. */
async function isStale(ctx: Uses<"catalog">, key: string, version: string): Promise<boolean> {
  const rec = await ctx.catalog.get(key);
  return !rec || rec.version !== version || rec.status === "failed" || rec.status === "duplicate";
}
