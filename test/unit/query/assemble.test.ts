import { describe, expect, it } from "vitest";
import { estimateTokens } from "../../../shared/text/tokens";
import type { Chunk, ScoredChunk } from "../../../shared/domain/chunk";
import { assemble, joinOverlapping, truncateToTokens } from "../../../shared/query/assemble";

const chunk = (documentKey: string, ordinal: number, text: string, page?: number): Chunk => ({
  id: `${documentKey}#${ordinal}`,
  documentKey,
  version: "v1",
  ordinal,
  text,
  sectionPath: ["Policy"],
  page,
  kind: "text",
  metadata: {},
});
const scored = (c: Chunk, score: number): ScoredChunk => ({ ...c, score });

const DOC = [
  chunk("hr/leave.md", 0, "Parental leave lasts sixteen weeks at full pay.", 1),
  chunk("hr/leave.md", 1, "Employees apply through the HR portal and their manager", 1),
  chunk("hr/leave.md", 2, "approves the request within five days.", 2),
  chunk("hr/leave.md", 3, "Unused leave does not carry over.", 2),
  chunk("hr/leave.md", 4, "Questions go to the HR helpdesk.", 3),
];
const chunksOf = async (key: string) => (key === "hr/leave.md" ? DOC : []);

describe("context assembly", () => {
  it("merges near-duplicate chunks, keeping the better-ranked copy", async () => {
    const a = scored(chunk("a.md", 0, "The office opens at nine and closes at six every weekday."), 0.9);
    const b = scored(chunk("b.md", 0, "The office opens at nine and closes at six every weekday!"), 0.8);
    const c = scored(chunk("c.md", 0, "The canteen serves lunch from noon."), 0.7);
    const out = await assemble([a, b, c], { budgetTokens: 1000 });
    expect(out.sources.map((s) => s.documentKey)).toEqual(["a.md", "c.md"]);
  });

  it("adds the neighbour that completes a passage cut mid-sentence, and joins them into one source", async () => {
    const out = await assemble([scored(DOC[1], 0.9)], { budgetTokens: 1000, chunksOf });
    expect(out.sources).toHaveLength(1);
    expect(out.sources[0].text).toBe("Employees apply through the HR portal and their manager\napproves the request within five days.");
    expect(out.sources[0].chunkIds).toEqual(["hr/leave.md#1", "hr/leave.md#2"]);
    expect(out.sources[0].chunkId).toBe("hr/leave.md#1"); // the chunk that was retrieved
    expect(out.sources[0].page).toBe(1);
  });

  it("a table chunk is a source of its own, with its own page and section, beside the retrieved prose before it", async () => {
    const prose = { ...chunk("10k.pdf", 7, "Cash from operations funded the dividend.", 40), sectionPath: ["Item 7"] };
    const table = {
      ...chunk("10k.pdf", 8, "Consolidated Statements of Cash Flows, in millions\nDividends paid — 2023: (2,507)", 42),
      sectionPath: ["Item 8", "Consolidated Statements of Cash Flows"],
      kind: "table" as const,
    };
    const out = await assemble([scored(table, 0.9), scored(prose, 0.8)], { budgetTokens: 1000 });
    expect(out.sources.map((s) => [s.chunkIds, s.page, s.sectionPath?.at(-1)])).toEqual([
      [["10k.pdf#8"], 42, "Consolidated Statements of Cash Flows"],
      [["10k.pdf#7"], 40, "Item 7"],
    ]);
  });

  it("fills the gap between two retrieved chunks of a document; complete chunks get no neighbours", async () => {
    const out = await assemble([scored(DOC[0], 0.9), scored(DOC[4], 0.5)], { budgetTokens: 1000, chunksOf });
    expect(out.sources.map((s) => s.chunkIds)).toEqual([["hr/leave.md#0"], ["hr/leave.md#4"]]);
    const bridged = await assemble([scored(DOC[2], 0.9), scored(DOC[4], 0.5)], { budgetTokens: 1000, chunksOf });
    expect(bridged.sources.map((s) => s.chunkIds)).toEqual([["hr/leave.md#1", "hr/leave.md#2", "hr/leave.md#3", "hr/leave.md#4"]]);
  });

  it("numbers sources in rank order and keeps to the token budget", async () => {
    const long = scored(chunk("long.md", 0, "Word ".repeat(300).trim() + "."), 0.8);
    const short = scored(chunk("short.md", 0, "A short and complete passage."), 0.7);
    const top = scored(chunk("top.md", 0, "The most relevant passage comes first."), 0.9);
    const out = await assemble([top, long, short], { budgetTokens: 60 });
    expect(out.sources.map((s) => [s.n, s.documentKey])).toEqual([
      [1, "top.md"],
      [2, "short.md"],
    ]); // long skipped, short still fits
    expect(out.tokens).toBeLessThanOrEqual(60);
    const truncated = await assemble([long], { budgetTokens: 20 });
    expect(estimateTokens(truncated.sources[0].text)).toBeLessThanOrEqual(20);
  });

  it("joins overlapping chunks without repeating the overlap", () => {
    expect(joinOverlapping("one two three four five six", "four five six seven eight")).toBe("one two three four five six seven eight");
    expect(joinOverlapping("alpha beta.", "gamma delta.")).toBe("alpha beta.\ngamma delta.");
    const text = "First sentence here. Second sentence there. Third one.";
    expect(truncateToTokens(text, estimateTokens("First sentence here. Second sentence there.") + 1)).toBe("First sentence here. Second sentence there.");
    expect(truncateToTokens(text, 1000)).toBe(text);
  });
});
