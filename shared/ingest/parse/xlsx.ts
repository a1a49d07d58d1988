import ExcelJS from "exceljs";
import type { Block, ParsedDocument } from "../../domain/document";
import { DocumentError } from "../../domain/errors";
import { isNumericCell } from "../chunk/table-facts";
import type { ParseEnv, ParseInput, Parser } from "./types";
import { checkZipBomb } from "./zip";

// xlsx: every sheet becomes a heading (the sheet name) and a table. Merged cells are expanded (every cell of
// the range holds the master's text) so a merged header "2023" labels each of its columns. Formulas give
// their cached results (cell.text).

export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export const xlsxParser: Parser = {
  types: [XLSX_TYPE],
  async parse({ body }: ParseInput, { limits, deadline }: ParseEnv): Promise<ParsedDocument> {
    // Inflating an untrusted container is only safe after the bomb check.
    checkZipBomb(body, limits);
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(body as unknown as ArrayBuffer);
    } catch (err) {
      throw new DocumentError("corrupt_document", `the spreadsheet could not be read: ${(err as Error).message}`, err);
    }
    const blocks: Block[] = [];
    let cells = 0;
    wb.worksheets.forEach((sheet, i) => {
      if (sheet.state && sheet.state !== "visible") return;
      deadline.check("reading the spreadsheet");
      cells += sheet.rowCount * sheet.columnCount;
      if (cells > limits.maxCells) throw new DocumentError("too_large", `the workbook has more than ${limits.maxCells} cells`);
      const grid = trimGrid(sheetGrid(sheet));
      if (!grid.length) return;
      const page = i + 1;
      blocks.push({ kind: "heading", level: 1, text: sheet.name, page });
      const headerRows = countHeaderRows(grid);
      blocks.push({
        kind: "table",
        page,
        text: grid.map((r) => r.join(" | ")).join("\n"),
        table: { title: sheet.name, header: grid.slice(0, headerRows), rows: grid.slice(headerRows) },
      });
    });
    if (!blocks.length) throw new DocumentError("no_text", "the workbook has no cells with values");
    const title = wb.title || blocks[0].text;
    return { contentType: XLSX_TYPE, title, blocks, pages: wb.worksheets.length, metadata: wb.creator ? { author: wb.creator } : undefined };
  },
};

function sheetGrid(sheet: ExcelJS.Worksheet): string[][] {
  const grid: string[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, r) => {
    const out: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, c) => {
      const source = cell.isMerged ? cell.master : cell;
      out[c - 1] = cellText(source);
    });
    grid[r - 1] = out;
  });
  const width = Math.max(0, ...grid.map((r) => r?.length ?? 0));
  return Array.from(grid, (r) => Array.from({ length: width }, (_, c) => r?.[c] ?? ""));
}

function cellText(cell: ExcelJS.Cell): string {
  try {
    return (cell.text ?? "").replace(/\s+/g, " ").trim();
  } catch {
    // exceljs throws on some odd values (e.g. broken rich text); the raw value is better than nothing.
    return String(cell.value ?? "").trim();
  }
}

/** Drops empty rows and fully empty columns (sheets often start at B3 or carry formatting far to the right). */
function trimGrid(grid: string[][]): string[][] {
  const rows = grid.filter((r) => r.some(Boolean));
  if (!rows.length) return [];
  const keep = rows[0].map((_, c) => rows.some((r) => r[c]));
  return rows.map((r) => r.filter((_, c) => keep[c]));
}

/**
 * Header rows: the first row, plus the rows under it that continue it: no numbers, and either an empty label
 * cell or a row above with a merged (expanded, so repeated) cell, as in "2023 | 2023" over "Q1 | Q2".
 */
function countHeaderRows(grid: string[][]): number {
  const merged = (r: string[]) => r.some((c, i) => i > 0 && c && c === r[i - 1]);
  let n = 1;
  while (n < Math.min(3, grid.length - 1) && !grid[n].slice(1).some(isNumericCell) && (!grid[n][0] || merged(grid[n - 1]))) n++;
  return n;
}
