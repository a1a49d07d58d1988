import { describe, expect, it } from "vitest";
import { PassThroughReranker } from "../../../shared/adapters/local/pass-through-reranker";
import type { ScoredChunk } from "../../../shared/domain/chunk";
import type { Reranker } from "../../../shared/ports/models";
import { lexicalCoverage } from "../../../shared/query/relevance";
import { rerank } from "../../../shared/query/stages";
import { loadConfig } from "../../../shared/runtime/config";
import { settingsFrom } from "../../../shared/runtime/settings";

const chunk = (id: string, text: string, score = 0.5): ScoredChunk => ({
  id,
  documentKey: `${id}.md`,
  version: "v",
  ordinal: 0,
  text,
  sectionPath: [],
  kind: "text",
  metadata: {},
  score,
});
const ctxWith = (reranker: Reranker, env: Record<string, string> = {}) =>
  ({ reranker, settings: settingsFrom(loadConfig(env)) }) as unknown as Parameters<typeof rerank>[0];
const chunks = [chunk("a", "The canteen serves lunch from noon."), chunk("b", "Parental leave lasts sixteen weeks.")];

describe("relevance gate (abstain rather than guess)", () => {
  it("lexical coverage: share of the question's content terms in the passage or its headings", () => {
    expect(lexicalCoverage("How long is parental leave?", { text: "Parental leave lasts sixteen weeks.", sectionPath: [] })).toBeCloseTo(2 / 3);
    expect(lexicalCoverage("How long is parental leave?", { text: "It lasts sixteen weeks.", sectionPath: ["Parental leave"] })).toBeCloseTo(2 / 3);
    expect(lexicalCoverage("the of and", { text: "anything", sectionPath: [] })).toBe(0);
  });

  it("without a cross-encoder, abstains when no passage covers enough of the question", async () => {
    const pass = new PassThroughReranker();
    expect((await rerank(ctxWith(pass), { question: "How long is parental leave?" }, { chunks })).abstain).toBe(false);
    const off = await rerank(ctxWith(pass), { question: "What is the boiling point of mercury?" }, { chunks });
    expect(off).toMatchObject({ abstain: true, relevanceBy: "lexical-coverage" });
  });

  it("with a cross-encoder, drops passages under the minimum score and abstains when none is left", async () => {
    const scores: Record<string, number> = { a: 0.01, b: 0.8 };
    const ce: Reranker = {
      model: "ce",
      backend: "tei http://x",
      rerank: async (_q, cs, k) =>
        cs
          .map((c) => ({ ...c, score: scores[c.id] }))
          .sort((x, y) => y.score - x.score)
          .slice(0, k),
    };
    const out = await rerank(ctxWith(ce, { RAGLINE_MIN_RERANK_SCORE: "0.1" }), { question: "anything" }, { chunks });
    expect(out.chunks.map((c) => [c.id, c.relevance])).toEqual([["b", 0.8]]);
    expect(out.abstain).toBe(false);
    const none = await rerank(ctxWith(ce, { RAGLINE_MIN_RERANK_SCORE: "0.9" }), { question: "anything" }, { chunks });
    expect(none).toMatchObject({ abstain: true, relevanceBy: "cross-encoder", chunks: [] });
  });
});
