import { servingEmbedder } from "../ingest/generations";
import { readAccess } from "../auth/policy";
import type { ScoredChunk } from "../domain/chunk";
import type { QueryRequest } from "../domain/job";
import type { QuotedUnit, Reranker } from "../ports/models";
import type { Uses } from "../runtime/context";
import { assemble as assemblePassages, type AssembleOutput } from "./assemble";
import { asChatModel } from "../text/chat-model";
import { reciprocalRankFusion } from "../text/fusion";
import { retrievalChoice } from "./retrieval-tuning";
import { EVIDENCE_CHECK, planAnswer, questionCore } from "./evidence";
import { fieldAsked, holdsField } from "./form-fields";
import { preferNamedDocuments, statementNameQuery, statementQuery } from "./named-documents";
import { lexicalCoverage } from "./relevance";
import { transformQuery, type TransformOutput } from "./transform";

// The query stages as functions over ports. Each returns JSON-serialisable output, which the job
// runner persists as the stage's checkpoint.

export { citationsFor } from "./citations";
export type { AssembleOutput } from "./assemble";

export interface RetrieveOutput {
  chunks: ScoredChunk[];
  /** The model the query was embedded with. */
  embeddingModel?: string;
  /** The fusion weights used, and what chose them (configuration, the index's eval set, the default). */
  fusion?: { bm25Weight: number; vectorWeight: number; by: string };
}
export interface RankedChunk extends ScoredChunk {
  relevance: number;
}
export interface RerankOutput {
  chunks: RankedChunk[];
  /** What `relevance` means: a cross-encoder's score, or the question's term coverage. */
  relevanceBy: "cross-encoder" | "lexical-coverage";
  /** True when no passage is relevant enough to answer from: the job abstains. */
  abstain: boolean;
}

const topKOf = (ctx: Uses<never, "query">, req: QueryRequest) => req.topK ?? ctx.settings.query.topK;

export function transformEnabled(ctx: Uses<"generator", "query">): boolean {
  return ctx.settings.query.transform !== "off" && asChatModel(ctx.generator) !== undefined;
}

export async function transform(ctx: Uses<"generator", "query">, req: QueryRequest): Promise<TransformOutput> {
  return transformQuery(transformEnabled(ctx) ? asChatModel(ctx.generator) : undefined, req.question, ctx.settings.query.expansions);
}

/**
 * Hybrid retrieval (BM25 + vector, fused by the index) for each query; several queries are fused
 * again by reciprocal rank fusion. Filters and the principal's tenant and groups go into the index
 * query. No principal means the anonymous one: the default tenant, documents without an ACL.
 */
export async function retrieve(
  ctx: Uses<"embedder" | "index" | "objects" | "previousEmbedder", "query">,
  req: QueryRequest,
  queries: string[] = [req.question],
): Promise<RetrieveOutput> {
  const c = ctx.settings.query;
  const candidates = topKOf(ctx, req) * c.candidatesPerSource;
  // A question that names a financial statement also searches for that statement by its heading.
  const core = questionCore(req.question);
  for (const statement of [statementQuery(req.question, core), statementNameQuery(req.question, core)])
    if (statement && !queries.includes(statement)) queries = [...queries, statement];
  // A form's field asked by its label is also searched by the label alone ("TO", "FROM": function words only,
  // which the search keeps when a query has nothing else).
  const field = fieldAsked(req.question);
  if (field && !queries.includes(field)) queries = [...queries, field];
  // Queries use the serving model's vectors (the previous model until a rollout switches).
  const embedder = await servingEmbedder(ctx);
  const vectors = await embedder.embed(queries, "query");
  const access = readAccess(req.principal);
  // Fusion weights of this index generation: configured, chosen on its eval set, or the measured default.
  const choice = await retrievalChoice(ctx, embedder);
  const fusion = { bm25Weight: choice.bm25Weight, vectorWeight: choice.vectorWeight, k: c.fusion.k };
  const lists = await Promise.all(
    queries.map((text, i) =>
      ctx.index.search({
        text,
        vector: vectors[i],
        embeddingModel: embedder.model,
        topK: candidates,
        filters: req.filters,
        access,
        fusion,
      }),
    ),
  );
  const used = { bm25Weight: fusion.bm25Weight, vectorWeight: fusion.vectorWeight, by: choice.chosenBy };
  if (lists.length === 1) return { chunks: lists[0], embeddingModel: embedder.model, fusion: used };
  const fused = reciprocalRankFusion(
    lists.map((items) => ({ items, weight: 1 })),
    (ch) => `${ch.documentKey}\u0000${ch.id}`,
    c.fusion.k,
  );
  return { chunks: fused.slice(0, candidates).map((f) => ({ ...f.item, score: f.score })), embeddingModel: embedder.model, fusion: used };
}

/** The ports say what they can do; the core never asks which adapter it holds. */
export const isCrossEncoder = (r: Reranker) => !r.passThrough;

/** Reranks (cross-encoder when configured), scores relevance and decides whether to abstain. */
export async function rerank(ctx: Uses<"generator" | "reranker", "query">, req: QueryRequest, input: RetrieveOutput): Promise<RerankOutput> {
  const c = ctx.settings.query;
  if (isCrossEncoder(ctx.reranker)) {
    const ranked = await ctx.reranker.rerank(req.question, input.chunks, topKOf(ctx, req));
    const chunks = ranked.filter((ch) => ch.score >= c.minRerankScore).map((ch) => ({ ...ch, relevance: ch.score }));
    return { chunks, relevanceBy: "cross-encoder", abstain: !chunks.length };
  }
  // No cross-encoder: documents the question names come first, then lexical relevance and the evidence check.
  const ranked = await ctx.reranker.rerank(req.question, preferNamedDocuments(req.question, input.chunks), topKOf(ctx, req));
  const field = fieldAsked(req.question);
  const core = questionCore(req.question);
  const chunks = ranked.map((ch) => ({ ...ch, relevance: field && holdsField(ch.text, field) ? 1 : lexicalCoverage(core, ch) }));
  if (!chunks.some((ch) => ch.relevance >= c.minRelevance)) return { chunks, relevanceBy: "lexical-coverage", abstain: true };
  // The extractive generator abstains unless one unit (sentence, table value or row) answers the question's
  // focus with the kind of thing asked; the chunks that hold the answer move first, so its citations start
  // at [1]. An LLM is not held to this lexical check (it reads paraphrase); its sources keep their rank.
  const plan = planAnswer(
    req.question,
    chunks.map((ch, i) => ({ n: i, text: ch.text, sectionPath: ch.sectionPath, documentKey: ch.documentKey })),
  );
  if (!plan.units.length) return { chunks, relevanceBy: "lexical-coverage", abstain: ctx.generator.extractive === true };
  const first = [...new Set(plan.units.map((u) => u.n))];
  return { chunks: [...first.map((i) => chunks[i]), ...chunks.filter((_, i) => !first.includes(i))], relevanceBy: "lexical-coverage", abstain: false };
}

export async function assemble(ctx: Uses<"generator" | "index", "query">, input: RerankOutput, question?: string): Promise<AssembleOutput> {
  if (input.abstain) return { sources: [], tokens: 0 };
  const out = await assemblePassages(input.chunks, { budgetTokens: ctx.settings.query.contextTokens, chunksOf: (key) => ctx.index.chunksOf(key) });
  return ctx.generator.extractive === true && question !== undefined ? numberedByUse(out, question) : out;
}

/**
 * For the extractive answer: the sources it will cite are numbered [1], [2], ... in the order it uses
 * them, the others after; the list keeps its order (the answer plan depends on the order, not on the
 * numbers), so the generator, planning again, picks the same units and cites them from [1]. Joining
 * neighbouring chunks in assembly used to leave answers that began at [2] or [3].
 */
function numberedByUse(out: AssembleOutput, question: string): AssembleOutput {
  const plan = planAnswer(question, out.sources);
  const used = [...new Set(plan.units.map((u) => u.n))];
  if (!used.length) return { ...out, quote: [] };
  const order = [...used, ...out.sources.map((s) => s.n).filter((n) => !used.includes(n))];
  const label = new Map(order.map((n, i) => [n, i + 1]));
  return { ...out, sources: out.sources.map((s) => ({ ...s, n: label.get(s.n)! })), quote: plan.units.map((u) => ({ n: label.get(u.n)!, text: u.text })) };
}

/** What an extractive generator quotes: the plan made at assembly (a checkpoint from before it had one: planned now). */
export function quoteFor(context: AssembleOutput, question: string): QuotedUnit[] {
  return context.quote ?? planAnswer(question, context.sources).units.map((u) => ({ n: u.n, text: u.text }));
}

/** How relevance was judged, for the result's `backends`. */
export function relevanceMethod(ctx: Uses<"generator", "query">, by: RerankOutput["relevanceBy"]): string {
  if (by === "cross-encoder") return `cross-encoder score >= ${ctx.settings.query.minRerankScore}`;
  return `lexical coverage >= ${ctx.settings.query.minRelevance}${ctx.generator.extractive === true ? `, ${EVIDENCE_CHECK}` : ""}`;
}
