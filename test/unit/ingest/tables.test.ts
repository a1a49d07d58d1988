import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { chunkDocument, tableChunks } from "../../../shared/ingest/chunk";
import { parseDocument } from "../../../shared/ingest/parse";
import { zipSync } from "./zip-helper";

const ref = { documentKey: "k", version: "v1", metadata: {} };

async function mergedHeaderWorkbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("Revenue");
  ws.addRow(["Region", "2023", "", "2024", ""]);
  ws.addRow(["", "Q1", "Q2", "Q1", "Q2"]);
  ws.addRow(["Europe", 120, 135, 150, 161]);
  ws.addRow(["Asia", 80, 95.5, 101, 117]);
  ws.mergeCells("B1:C1");
  ws.mergeCells("D1:E1");
  const notes = wb.addWorksheet("Notes");
  notes.addRow(["Owner", "Finance team"]);
  notes.addRow(["Total", { formula: "1+2", result: 3 }]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe("xlsx", () => {
  it("reads every sheet, expands merged header cells and writes row — column: value lines", async () => {
    const doc = await parseDocument({ key: "report.bin", body: await mergedHeaderWorkbook() });
    expect(doc.contentType).toContain("spreadsheetml");
    const tables = doc.blocks.filter((b) => b.kind === "table");
    expect(tables).toHaveLength(2);
    expect(tables[0].table!.header).toEqual([
      ["Region", "2023", "2023", "2024", "2024"],
      ["", "Q1", "Q2", "Q1", "Q2"],
    ]);
    expect(tables[1].table!.rows.flat()).toContain("3"); // the formula's cached result

    const chunks = chunkDocument(doc, ref, { maxWords: 200, overlapWords: 0 });
    const revenue = chunks.find((c) => c.kind === "table" && c.text.includes("Europe"))!;
    expect(revenue.sectionPath).toEqual(["Revenue"]);
    expect(revenue.text).toContain("Asia — 2023 / Q2: 95.5");
    expect(revenue.text).toContain("Europe — 2024 / Q1: 150");
    expect(revenue.text).toMatch(/^\| Region \| 2023 \| 2023 \| 2024 \| 2024 \|/m);
  });

  it("fails a zip bomb before inflating it", async () => {
    const bomb = zipSync({ "[Content_Types].xml": "<Types/>", "xl/workbook.xml": Buffer.alloc(40 * 1024 * 1024, 0x20) });
    expect(bomb.length).toBeLessThan(100_000);
    const limits = { maxUncompressedBytes: 8 * 1024 * 1024 };
    await expect(parseDocument({ key: "bomb.xlsx", body: bomb }, limits)).rejects.toMatchObject({ code: "zip_bomb" });
  });
});

describe("csv", () => {
  it("keeps quoted delimiters and line breaks, sniffs semicolons and keeps the header in every split part", async () => {
    const lines = ['name;"city; state";amount', '"Smith, J.";"Austin; TX";"1,200"', 'Doe;"New\nYork";300'];
    for (let i = 0; i < 200; i++) lines.push(`row ${i};Town ${i};${i * 10}`);
    const doc = await parseDocument({ key: "people.csv", body: Buffer.from(lines.join("\r\n")) });
    const table = doc.blocks[0].table!;
    expect(table.header).toEqual([["name", "city; state", "amount"]]);
    expect(table.rows[0]).toEqual(["Smith, J.", "Austin; TX", "1,200"]);
    expect(table.rows[1][1]).toBe("New\nYork");
    const parts = tableChunks(table, 100);
    expect(parts.length).toBeGreaterThan(3);
    for (const p of parts) expect(p.split("\n")[1]).toBe("| name | city; state | amount |");
    expect(parts.join("\n")).toContain("row 150 / Town 150 — amount: 1500");
  });

  it("does not add value lines to a text table", () => {
    const [part] = tableChunks({ header: [["Term", "Meaning"]], rows: [["RAG", "retrieval augmented generation"]] }, 100);
    expect(part).not.toContain("—");
  });
});
