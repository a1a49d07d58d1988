import { PassThroughReranker } from "../adapters/local/pass-through-reranker";
import { servingEmbedder } from "../ingest/generations";
import { readerGroups } from "../auth/principal";
import type { ScoredChunk } from "../domain/chunk";
import type { QueryRequest } from "../domain/job";
import type { Reranker } from "../ports/models";
import type { Context } from "../runtime/context";
import { assemble as assemblePassages, type AssembleOutput } from "./assemble";
import { asChatModel } from "./chat-model";
import { reciprocalRankFusion } from "./fusion";
import { lexicalCoverage } from "./relevance";
import { transformQuery, type TransformOutput } from "./transform";

// The query stages as functions over ports. Each returns JSON-serialisable output, which the job
// runner persists as the stage's checkpoint.

export { citationsFor } from "./citations";
export type { AssembleOutput } from "./assemble";

export interface RetrieveOutput { chunks: ScoredChunk[]; /** The model the query was embedded with. */ embeddingModel?: string }
export interface RankedChunk extends ScoredChunk { relevance: number }
export interface RerankOutput {
  chunks: RankedChunk[];
  /** What `relevance` means: a cross-encoder's score, or the question's term coverage. */
  relevanceBy: "cross-encoder" | "lexical-coverage";
  /** True when no passage is relevant enough to answer from: the job abstains. */
  abstain: boolean;
}

const topKOf = (ctx: Context, req: QueryRequest) => req.topK ?? ctx.config.RAGLINE_TOP_K;

export function transformEnabled(ctx: Context): boolean {
  return ctx.config.RAGLINE_QUERY_TRANSFORM !== "off" && asChatModel(ctx.generator) !== undefined;
}

export async function transform(ctx: Context, req: QueryRequest): Promise<TransformOutput> {
  return transformQuery(transformEnabled(ctx) ? asChatModel(ctx.generator) : undefined, req.question, ctx.config.RAGLINE_QUERY_EXPANSIONS);
}

/**
 * Hybrid retrieval (BM25 + vector, fused by the index) for each query; several queries are fused
 * again by reciprocal rank fusion. Filters and the principal's groups go into the index query.
 * No principal means no groups: only documents without an ACL.
 */
export async function retrieve(ctx: Context, req: QueryRequest, queries: string[] = [req.question]): Promise<RetrieveOutput> {
  const c = ctx.config;
  const candidates = topKOf(ctx, req) * c.RAGLINE_CANDIDATES_PER_SOURCE;
  // Queries use the serving model's vectors (the previous model until a rollout switches).
  const embedder = await servingEmbedder(ctx);
  const vectors = await embedder.embed(queries, "query");
  const groups = readerGroups(req.principal);
  const fusion = { bm25Weight: c.RAGLINE_FUSION_BM25_WEIGHT, vectorWeight: c.RAGLINE_FUSION_VECTOR_WEIGHT, k: c.RAGLINE_FUSION_K };
  const lists = await Promise.all(queries.map((text, i) => ctx.index.search({
    text, vector: vectors[i], embeddingModel: embedder.model, topK: candidates, filters: req.filters, groups, fusion,
  })));
  if (lists.length === 1) return { chunks: lists[0], embeddingModel: embedder.model };
  const fused = reciprocalRankFusion(lists.map((items) => ({ items, weight: 1 })), (ch) => `${ch.documentKey}\u0000${ch.id}`, c.RAGLINE_FUSION_K);
  return { chunks: fused.slice(0, candidates).map((f) => ({ ...f.item, score: f.score })), embeddingModel: embedder.model };
}

export const isCrossEncoder = (r: Reranker) => !(r instanceof PassThroughReranker);

/** Reranks (cross-encoder when configured), scores relevance and decides whether to abstain. */
export async function rerank(ctx: Context, req: QueryRequest, input: RetrieveOutput): Promise<RerankOutput> {
  const c = ctx.config;
  const ranked = await ctx.reranker.rerank(req.question, input.chunks, topKOf(ctx, req));
  if (isCrossEncoder(ctx.reranker)) {
    const chunks = ranked.filter((ch) => ch.score >= c.RAGLINE_MIN_RERANK_SCORE).map((ch) => ({ ...ch, relevance: ch.score }));
    return { chunks, relevanceBy: "cross-encoder", abstain: !chunks.length };
  }
  const chunks = ranked.map((ch) => ({ ...ch, relevance: lexicalCoverage(req.question, ch) }));
  return { chunks, relevanceBy: "lexical-coverage", abstain: !chunks.some((ch) => ch.relevance >= c.RAGLINE_MIN_RELEVANCE) };
}

export async function assemble(ctx: Context, input: RerankOutput): Promise<AssembleOutput> {
  if (input.abstain) return { sources: [], tokens: 0 };
  return assemblePassages(input.chunks, { budgetTokens: ctx.config.RAGLINE_CONTEXT_TOKENS, chunksOf: (key) => ctx.index.chunksOf(key) });
}

/** How relevance was judged, for the result's `backends`. */
export function relevanceMethod(ctx: Context, by: RerankOutput["relevanceBy"]): string {
  return by === "cross-encoder" ? `cross-encoder score >= ${ctx.config.RAGLINE_MIN_RERANK_SCORE}` : `lexical coverage >= ${ctx.config.RAGLINE_MIN_RELEVANCE}`;
}
