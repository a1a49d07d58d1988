import { beforeAll, describe, expect, it } from "vitest";
import type { Chunk, ScoredChunk } from "../../../shared/domain/chunk";
import { assemble, type AssembledSource } from "../../../shared/query/assemble";
import { citationsFor } from "../../../shared/query/citations";

// A passage joined from neighbouring chunks starts on its first chunk's page; the answer's quote may sit on the
// next page (a press release's page 1 lead-in, the SG&A paragraph on page 2), and the citation says where.

const chunk = (ordinal: number, text: string, page: number): Chunk => ({
  id: `pr.pdf#${ordinal}`,
  documentKey: "pr.pdf",
  version: "v1",
  ordinal,
  text,
  sectionPath: ["Results"],
  page,
  kind: "text",
  metadata: {},
});
const DOC = [
  chunk(0, "The company reported record sales for the year and raised its outlook for the coming", 1),
  chunk(1, "year. SG&A expenses increased 16.2% to $2.4 billion, and wages as a percent of net sales increased.", 2),
];

describe("citations of a joined passage", () => {
  let sources: AssembledSource[] = [];
  beforeAll(async () => {
    ({ sources } = await assemble([{ ...DOC[0], score: 0.9 } as ScoredChunk], { budgetTokens: 1000, chunksOf: async () => DOC }));
  });

  it("joins the neighbour, keeping where each chunk's text begins", () => {
    expect(sources).toHaveLength(1);
    expect(sources[0].page).toBe(1);
    expect(sources[0].spans?.map((s) => [s.chunkId, s.page])).toEqual([
      ["pr.pdf#0", 1],
      ["pr.pdf#1", 2],
    ]);
  });

  it("cites the page and chunk of the sentence quoted, not the passage's first page", () => {
    const [c] = citationsFor("SG&A expenses increased 16.2% to $2.4 billion, and wages as a percent of net sales increased. [1]", sources);
    expect(c).toMatchObject({ n: 1, page: 2, chunkId: "pr.pdf#1" });
    const [first] = citationsFor("The company reported record sales for the year and raised its outlook for the coming year. [1]", sources);
    expect(first).toMatchObject({ page: 1, chunkId: "pr.pdf#0" });
  });

  it("keeps the passage's page when the answer does not quote it (an LLM's paraphrase)", () => {
    const [c] = citationsFor("Costs grew faster than sales. [1]", sources);
    expect(c).toMatchObject({ page: 1, chunkId: "pr.pdf#0" });
  });
});
