import type { Chunk, ScoredChunk } from "../domain/chunk";
import type { Uses } from "../runtime/context";
import type { AssembleOutput } from "./assemble";
import type { RankedChunk, RerankOutput, RetrieveOutput } from "./stages";

// What a query job's checkpoints keep of its stages: chunk ids and scores, not chunk texts (a
// retrieve at top-k 6 is ~30 KB of text, the index holds it already). A resumed job reads the
// chunks back from the index by document; assembly, cheap and deterministic, is run again from the
// reranked chunks. If a chunk is gone (its document changed or was removed meanwhile) the stages
// from retrieval on run again, and the generation reconciles with what it logged (ResumableStream).

/** A chunk as a checkpoint keeps it. */
export interface ChunkRef {
  id: string;
  documentKey: string;
  score: number;
  bm25Rank?: number;
  vectorRank?: number;
  relevance?: number;
}
export interface RetrieveCheckpoint extends Omit<RetrieveOutput, "chunks"> {
  chunks: ChunkRef[];
}
export interface RerankCheckpoint extends Omit<RerankOutput, "chunks"> {
  chunks: ChunkRef[];
}
/** Assembly's record: which chunks each source joined (what the generator was given), not their text. */
export interface AssembleCheckpoint {
  sources: { chunkIds: string[] }[];
  tokens: number;
}

const ref = (c: ScoredChunk & { relevance?: number }): ChunkRef => ({
  id: c.id,
  documentKey: c.documentKey,
  score: c.score,
  bm25Rank: c.bm25Rank,
  vectorRank: c.vectorRank,
  relevance: c.relevance,
});

export const compactRetrieve = (o: RetrieveOutput): RetrieveCheckpoint => ({ ...o, chunks: o.chunks.map(ref) });
export const compactRerank = (o: RerankOutput): RerankCheckpoint => ({ ...o, chunks: o.chunks.map(ref) });
export const compactAssemble = (o: AssembleOutput): AssembleCheckpoint => ({ sources: o.sources.map((s) => ({ chunkIds: s.chunkIds })), tokens: o.tokens });

/** Checkpoints written before this format carried the chunks whole. */
const isWhole = (c: ChunkRef | ScoredChunk): c is ScoredChunk => typeof (c as ScoredChunk).text === "string";

export interface ResumedStages {
  retrieve?: RetrieveOutput;
  rerank?: RerankOutput;
}

/**
 * The retrieve and rerank outputs of a resumed job, chunks read back from the index; empty (run
 * them again) when there is nothing to resume or a chunk is no longer there.
 */
export async function resumeStages(
  ctx: Uses<"index">,
  cp: { retrieve?: RetrieveCheckpoint | RetrieveOutput; rerank?: RerankCheckpoint | RerankOutput },
): Promise<ResumedStages> {
  if (!cp.retrieve) return {};
  const refs = [...cp.retrieve.chunks, ...(cp.rerank?.chunks ?? [])];
  const chunks = new Map<string, Chunk>();
  for (const key of new Set(refs.filter((r) => !isWhole(r)).map((r) => r.documentKey))) {
    for (const { vector: _v, embeddingModel: _m, ...c } of await ctx.index.chunksOf(key)) chunks.set(`${key}\u0000${c.id}`, c);
  }
  const whole = <T extends ChunkRef>(r: T | ScoredChunk): (ScoredChunk & { relevance?: number }) | undefined => {
    if (isWhole(r)) return r;
    const c = chunks.get(`${r.documentKey}\u0000${r.id}`);
    return c && { ...c, score: r.score, bm25Rank: r.bm25Rank, vectorRank: r.vectorRank, ...(r.relevance === undefined ? {} : { relevance: r.relevance }) };
  };
  const read = <T>(list: (ChunkRef | ScoredChunk)[]) => {
    const out = list.map(whole);
    return out.every(Boolean) ? (out as T[]) : undefined;
  };
  const retrieved = read<ScoredChunk>(cp.retrieve.chunks);
  if (!retrieved) return {};
  const retrieve = { ...cp.retrieve, chunks: retrieved };
  const reranked = cp.rerank && read<RankedChunk>(cp.rerank.chunks);
  return { retrieve, rerank: cp.rerank && reranked ? { ...cp.rerank, chunks: reranked } : undefined };
}

/** True when a resumed assembly gave the generator the same chunks as the checkpoint recorded. */
export const sameAssembly = (cp: AssembleCheckpoint | AssembleOutput, out: AssembleOutput) =>
  JSON.stringify(cp.sources.map((s) => s.chunkIds)) === JSON.stringify(out.sources.map((s) => s.chunkIds));
