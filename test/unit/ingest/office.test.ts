import { describe, expect, it } from "vitest";
import { chunkDocument } from "../../../shared/ingest/chunk";
import { parseDocument } from "../../../shared/ingest/parse";
import { makeDocx } from "./docx-fixture";
import { zipSync } from "./zip-helper";

const ref = { documentKey: "k", version: "v1", metadata: {} };

describe("docx", () => {
  const body = makeDocx([
    { heading: 1, text: "Travel policy" },
    { p: "Employees book travel through the portal." },
    { heading: 2, text: "Per diem" },
    { item: "Meals are reimbursed daily." },
    { item: "Hotels need a receipt." },
    {
      table: [
        ["City", "Daily rate (USD)"],
        ["Paris", "240"],
        ["Austin", "180"],
      ],
    },
  ]);

  it("keeps headings, list items and tables, detected by the zip's inner paths (not the extension)", async () => {
    const doc = await parseDocument({ key: "policy.bin", body });
    expect(doc.contentType).toContain("wordprocessingml");
    expect(doc.title).toBe("Travel policy");
    expect(doc.blocks.filter((b) => b.kind === "heading").map((b) => [b.level, b.text])).toEqual([
      [1, "Travel policy"],
      [2, "Per diem"],
    ]);
    expect(doc.blocks.filter((b) => b.kind === "list").map((b) => b.text)).toEqual(["Meals are reimbursed daily.", "Hotels need a receipt."]);
    const table = doc.blocks.find((b) => b.kind === "table")!.table!;
    expect(table.header).toEqual([["City", "Daily rate (USD)"]]);
    expect(table.rows).toEqual([
      ["Paris", "240"],
      ["Austin", "180"],
    ]);

    const chunks = chunkDocument(doc, ref, { maxWords: 100, overlapWords: 0 });
    const tableChunk = chunks.find((c) => c.kind === "table")!;
    expect(tableChunk.sectionPath).toEqual(["Travel policy", "Per diem"]);
    expect(tableChunk.text).toContain("Paris — Daily rate (USD): 240");
  });

  it("expands merged cells (column and row spans) so every value keeps its headers", async () => {
    const merged = makeDocx([
      {
        table: [
          ["Region", "Revenue>2"],
          ["^", "2023", "2024"],
          ["EU", "120", "150"],
        ],
      },
    ]);
    const table = (await parseDocument({ key: "m.docx", body: merged })).blocks.find((b) => b.kind === "table")!.table!;
    expect([...table.header, ...table.rows]).toEqual([
      ["Region", "Revenue", "Revenue"],
      ["Region", "2023", "2024"],
      ["EU", "120", "150"],
    ]);
    const [chunk] = chunkDocument({ contentType: "x", blocks: [{ kind: "table", text: "", table }] }, ref, { maxWords: 100, overlapWords: 0 });
    expect(chunk.text).toContain("EU — Revenue / 2024: 150");
  });

  it("fails a truncated docx as corrupt and a bomb as zip_bomb", async () => {
    await expect(parseDocument({ key: "cut.docx", body: body.subarray(0, body.length - 40) })).rejects.toMatchObject({ code: "corrupt_document" });
    const bomb = zipSync({ "word/document.xml": Buffer.alloc(40 * 1024 * 1024, 0x41) });
    await expect(parseDocument({ key: "bomb.docx", body: bomb }, { maxUncompressedBytes: 8 * 1024 * 1024 })).rejects.toMatchObject({ code: "zip_bomb" });
  });
});
