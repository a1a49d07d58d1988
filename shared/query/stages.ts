import type { ScoredChunk } from "../domain/chunk";
import type { Citation, QueryRequest } from "../domain/job";
import type { GenerationSource } from "../ports/models";
import type { Context } from "../runtime/context";

// The query stages as plain functions over ports. Each returns JSON-serialisable output, which the
// job runner persists as the stage's checkpoint.

export interface RetrieveOutput { chunks: ScoredChunk[] }
export interface AssembleOutput { sources: (GenerationSource & { chunkId: string; score: number })[] }

export async function retrieve(ctx: Context, req: QueryRequest): Promise<RetrieveOutput> {
  const [vector] = await ctx.embedder.embed([req.question], "query");
  const topK = req.topK ?? ctx.config.RAGLINE_TOP_K;
  const chunks = await ctx.index.search({
    text: req.question, vector, embeddingModel: ctx.embedder.model, topK: topK * 3, filters: req.filters, groups: req.principal?.groups,
  });
  return { chunks };
}

export async function rerank(ctx: Context, req: QueryRequest, input: RetrieveOutput): Promise<RetrieveOutput> {
  return { chunks: await ctx.reranker.rerank(req.question, input.chunks, req.topK ?? ctx.config.RAGLINE_TOP_K) };
}

export function assemble(input: RetrieveOutput): AssembleOutput {
  return {
    sources: input.chunks.map((c, i) => ({
      n: i + 1, chunkId: c.id, documentKey: c.documentKey, page: c.page, sectionPath: c.sectionPath, text: c.text, score: c.score,
    })),
  };
}

/** Citations actually used by the answer ([n] markers), in order of first use. */
export function citationsFor(answer: string, sources: AssembleOutput["sources"]): Citation[] {
  const used = [...new Set([...answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])))];
  return used.flatMap((n) => {
    const s = sources.find((x) => x.n === n);
    return s ? [{ n, documentKey: s.documentKey, chunkId: s.chunkId, page: s.page, sectionPath: s.sectionPath, text: s.text, score: s.score }] : [];
  });
}
