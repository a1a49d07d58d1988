import { HashedNgramEmbedder } from "../adapters/local/hashed-ngram-embedder";
import { ConfigError } from "../runtime/config";
import type { Embedder } from "../ports/models";
import type { Uses } from "../runtime/context";

// Which embedding models are in play: the configured (target) one, and the serving one that queries
// use until a rollout completes. While they differ, new chunks get vectors of both.

export function embedderFor(ctx: Uses<"embedder" | "previousEmbedder">, model: string): Embedder | undefined {
  if (ctx.embedder.model === model) return ctx.embedder;
  if (ctx.previousEmbedder?.model === model) return ctx.previousEmbedder;
  return HashedNgramEmbedder.fromModelId(model);
}

/** The embedder queries must use: the serving model's (the configured one before anything is indexed). */
export async function servingEmbedder(ctx: Uses<"embedder" | "index" | "previousEmbedder">): Promise<Embedder> {
  const serving = (await ctx.index.servingModel()) ?? ctx.embedder.model;
  const embedder = embedderFor(ctx, serving);
  if (!embedder) {
    throw new ConfigError(
      `the index is served with embedding model ${serving}, which is not configured: set RAGLINE_PREVIOUS_EMBEDDER / RAGLINE_PREVIOUS_EMBED_MODEL / RAGLINE_PREVIOUS_EMBED_URL to reach it until the rollout to ${ctx.embedder.model} completes`,
    );
  }
  return embedder;
}

/** Models new chunks are embedded with: the target, and the serving model while a rollout runs. */
export async function modelsToEmbed(ctx: Uses<"embedder" | "index" | "previousEmbedder">): Promise<string[]> {
  const serving = await ctx.index.servingModel();
  return serving && serving !== ctx.embedder.model && embedderFor(ctx, serving) ? [ctx.embedder.model, serving] : [ctx.embedder.model];
}
