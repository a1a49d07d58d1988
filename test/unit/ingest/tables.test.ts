import ExcelJS from "exceljs";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chunkDocument, tableChunks } from "../../../shared/ingest/chunk";
import { parseDocument } from "../../../shared/ingest/parse";
import { DATASETS } from "../../helpers/datasets";
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

  it("shows cells as the sheet does: dates, percent and thousands formats, formula errors, rich text", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("S");
    ws.addRow(["Item", "Date", "Share", "Amount"]);
    ws.addRow(["A", new Date("2025-03-31T00:00:00Z"), 0.153, 1234567.891]);
    ws.getCell("C2").numFmt = "0.0%";
    ws.getCell("D2").numFmt = "#,##0.00";
    ws.addRow(["B", new Date("2025-06-30T00:00:00Z"), { formula: "1/0", result: { error: "#DIV/0!" } }, { richText: [{ text: "rich " }, { text: "text" }] }]);
    ws.addRow(["C", "", 0.1 + 0.2, ""]);
    const doc = await parseDocument({ key: "s.xlsx", body: Buffer.from(await wb.xlsx.writeBuffer()) });
    expect(doc.blocks[1].table!.rows).toEqual([
      ["A", "2025-03-31", "15.3%", "1,234,567.89"],
      ["B", "2025-06-30", "#DIV/0!", "rich text"],
      ["C", "", "0.3", ""],
    ]);
  });

  it("fails a zip bomb before inflating it", async () => {
    const bomb = zipSync({ "[Content_Types].xml": "<Types/>", "xl/workbook.xml": Buffer.alloc(40 * 1024 * 1024, 0x20) });
    expect(bomb.length).toBeLessThan(100_000);
    const limits = { maxUncompressedBytes: 8 * 1024 * 1024 };
    await expect(parseDocument({ key: "bomb.xlsx", body: bomb }, limits)).rejects.toMatchObject({ code: "zip_bomb" });
  });
});

describe("csv", () => {
  it("keeps quoted delimiters and line breaks, sniffs semicolons and keeps the header in every split part of the table", async () => {
    const lines = ['name;"city; state";amount', '"Smith, J.";"Austin; TX";"1,200"', 'Doe;"New\nYork";300'];
    for (let i = 0; i < 200; i++) lines.push(`row ${i};Town ${i};${i * 10}`);
    const doc = await parseDocument({ key: "people.csv", body: Buffer.from(lines.join("\r\n")) });
    const table = doc.blocks[0].table!;
    expect(table.header).toEqual([["name", "city; state", "amount"]]);
    expect(table.rows[0]).toEqual(["Smith, J.", "Austin; TX", "1,200"]);
    expect(table.rows[1][1]).toBe("New\nYork");
    const parts = tableChunks(table, 100);
    const tableParts = parts.filter((p) => p.includes("| --- |"));
    expect(tableParts.length).toBeGreaterThan(3);
    for (const p of tableParts) expect(p.split("\n").slice(0, 2)).toEqual(["people.csv", "| name | city; state | amount |"]);
    // A long numeric table's value lines come in parts of their own under the table's title, a row's lines never split.
    const valueParts = parts.filter((p) => !p.includes("| --- |"));
    for (const p of valueParts) expect(p.split("\n")[0]).toBe("people.csv");
    expect(valueParts.length).toBeGreaterThan(3);
    expect(valueParts.filter((p) => p.includes("row 150 / Town 150 — amount: 1500"))).toHaveLength(1);
  });

  it("does not add value lines to a text table", () => {
    const [part] = tableChunks({ header: [["Term", "Meaning"]], rows: [["RAG", "retrieval augmented generation"]] }, 100);
    expect(part).not.toContain("—");
  });
});

describe("tables from real annual reports (TAT-QA)", () => {
  const dir = join(DATASETS, "tatqa");
  it.skipIf(!existsSync(join(dir, "corpus.jsonl")))("every numeric table answer sits on one line with its row label and column header", async () => {
    // Prepare: each TAT-QA table as an HTML table without <thead> (the shape PDF-converted HTML has).
    const corpus = new Map<string, { table: string[][] }>(
      readFileSync(join(dir, "corpus.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => {
          const d = JSON.parse(l);
          return [d.id, d];
        }),
    );
    const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    const lines = new Map<string, string[]>();
    for (const [id, d] of corpus) {
      const html = `<table>${d.table.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("")}</table>`;
      const doc = await parseDocument({ key: `${id}.html`, body: Buffer.from(`<html><body>${html}</body></html>`) });
      lines.set(
        id,
        chunkDocument(doc, ref, { maxWords: 120, overlapWords: 0 }).flatMap((c) => c.text.split("\n")),
      );
    }
    // Act: for each question answered by one numeric cell, find the value line in the chunks.
    let asked = 0;
    const missed: string[] = [];
    for (const l of readFileSync(join(dir, "questions.jsonl"), "utf8").trim().split("\n")) {
      const q = JSON.parse(l);
      const answer = String(q.answer_spans[0]).trim();
      if (q.answer_from !== "table" || q.answer_type !== "span" || !/\d/.test(answer) || /^(19|20)\d\d$/.test(answer)) continue;
      const table = corpus.get(q.relevant_doc_ids[0])!.table;
      const r = table.findIndex((row) => row.slice(1).some((c) => c.trim() === answer));
      if (r < 0) continue;
      const c = table[r].findIndex((cell, j) => j > 0 && cell.trim() === answer);
      const label = table[r][0].trim();
      const year = table
        .slice(0, r)
        .map((row) => row[c].trim())
        .find((h) => /^(19|20)\d\d$/.test(h));
      asked++;
      const hit = lines
        .get(q.relevant_doc_ids[0])!
        .some((x) => x.includes(" — ") && x.endsWith(`: ${answer.replace(/\s+/g, " ")}`) && x.includes(label) && (!year || x.includes(year)));
      if (!hit) missed.push(`${q.question} → ${answer}`);
    }
    // Assess
    console.log(`TAT-QA: ${asked - missed.length}/${asked} numeric table answers on a 'row — column: value' line`);
    expect(asked).toBeGreaterThan(40);
    expect(missed).toEqual([]);
  });
});

describe("financial statements: the whole table, then its value lines", () => {
  const statement = {
    header: [["(in millions)", "2023", "2022"]],
    rows: Array.from({ length: 40 }, (_, i) => [`Line item number ${i + 1} of the statement`, `${1000 + i}`, `${900 + i}`]),
  };

  it("a statement is one passage with its caption and unit, and its value lines follow under the same caption", () => {
    const parts = tableChunks(statement, 180, "Consolidated Statements of Cash Flows");
    expect(parts[0].split("\n").slice(0, 3)).toEqual([
      "Consolidated Statements of Cash Flows, in millions",
      "| (in millions) | 2023 | 2022 |",
      "| --- | --- | --- |",
    ]);
    expect(parts[0]).toContain("| Line item number 40 of the statement | 1039 | 939 |");
    const values = parts.slice(1);
    expect(values.length).toBeGreaterThan(1);
    for (const p of values) expect(p.split("\n")[0]).toBe("Consolidated Statements of Cash Flows, in millions");
    expect(values.join("\n")).toContain("Line item number 12 of the statement — 2022: 911");
  });

  it("a statement past three chunks' worth of words is cut into even parts, each with the header", () => {
    const long = { ...statement, rows: [...statement.rows, ...statement.rows] }; // 720 words of cells
    const tables = tableChunks(long, 180).filter((p) => p.includes("| --- |"));
    expect(tables).toHaveLength(2);
    const rows = tables.map((p) => p.split("\n").filter((l) => l.startsWith("| Line")).length);
    expect(Math.abs(rows[0] - rows[1])).toBeLessThanOrEqual(1);
  });

  it("a PDF statement is captioned by the heading above it and keeps its page", () => {
    const doc = {
      contentType: "application/pdf",
      blocks: [
        { kind: "heading" as const, text: "Consolidated Statements of Cash Flows", page: 60, level: 2 },
        { kind: "table" as const, text: "", page: 60, table: statement },
      ],
    };
    const chunks = chunkDocument(doc, ref, { maxWords: 180, overlapWords: 0 });
    expect(chunks.every((c) => c.page === 60 && c.kind === "table")).toBe(true);
    expect(chunks[0].text.split("\n")[0]).toBe("Consolidated Statements of Cash Flows, in millions");
  });
});

describe("table header rows", () => {
  it("takes unmarked year and unit rows as headers of a numeric table, and a section row's total as its total", () => {
    const [part] = tableChunks(
      {
        header: [["", "Years ended June 30,", ""]],
        rows: [
          ["($ in millions)", "2019", "2018"],
          ["Basic earnings per share", "", ""],
          ["Continuing", "114.3", "123.4"],
          ["", "206.2", "132.6"],
        ],
      },
      200,
    );
    expect(part).toContain("| ($ in millions) | 2019 | 2018 |\n| --- | --- | --- |");
    expect(part).toContain("Basic earnings per share / Continuing — Years ended June 30, / 2019: 114.3");
    expect(part).toContain("Basic earnings per share / total — 2018: 132.6");
  });

  it("keeps every row of a text table in the body", () => {
    const [part] = tableChunks(
      {
        header: [["Term", "Meaning"]],
        rows: [
          ["RAG", "retrieval"],
          ["BM25", "ranking"],
        ],
      },
      100,
    );
    expect(part.split("\n")).toEqual(["| Term | Meaning |", "| --- | --- |", "| RAG | retrieval |", "| BM25 | ranking |"]);
  });
});
