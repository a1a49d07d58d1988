import type ExcelJS from "exceljs";
import type { Block, ParsedDocument } from "../../domain/document";
import { DocumentError } from "../../domain/errors";
import { isNumericCell } from "../chunk/table-facts";
import type { ParseEnv, ParseInput, Parser } from "./types";
import { checkZipBomb } from "./zip";

// xlsx: every sheet becomes a heading (the sheet name) and a table. Merged cells are expanded (every cell of
// the range holds the master's text) so a merged header "2023" labels each of its columns. Formulas give
// their cached results, dates read as ISO dates, and percent/thousands number formats are applied.

const MAX_SHEET_XML_BYTES = 150 * 2 ** 20;

export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export const xlsxParser: Parser = {
  types: [XLSX_TYPE],
  async parse({ body }: ParseInput, { limits, deadline }: ParseEnv): Promise<ParsedDocument> {
    // Inflating an untrusted container is only safe after the bomb check.
    const entries = await checkZipBomb(body, limits);
    // exceljs holds the whole workbook as objects (~10-20x its XML): refuse what would exhaust a worker.
    const xml = entries.filter((e) => /^xl\/(worksheets\/|sharedStrings)/.test(e.name)).reduce((n, e) => n + e.uncompressedSize, 0);
    if (xml > MAX_SHEET_XML_BYTES)
      throw new DocumentError("too_large", `the workbook's sheets hold ${Math.round(xml / 2 ** 20)} MiB of XML (limit ${MAX_SHEET_XML_BYTES / 2 ** 20} MiB)`);
    // Loaded on first use: exceljs takes ~0.4 s to load, paid by every host, worker thread and parse Lambda at start.
    const { default: Excel } = await import("exceljs");
    const wb = new Excel.Workbook();
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
    return formatValue(cell.value, cell.numFmt).replace(/\s+/g, " ").trim();
  } catch {
    // exceljs values can be odd (broken rich text); its own rendering is better than nothing.
    return String(cell.text ?? "").trim();
  }
}

/** What the sheet shows: formula results, dates as ISO dates, percent and thousands formats applied. */
function formatValue(v: ExcelJS.CellValue, numFmt: string | undefined): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Date)
    return v
      .toISOString()
      .replace(/T00:00:00\.000Z$/, "")
      .replace(/\.000Z$/, "Z");
  if (typeof v === "number") return formatNumber(v, numFmt ?? "");
  if (typeof v !== "object") return String(v);
  if ("error" in v) return String(v.error);
  if ("richText" in v) return v.richText.map((r) => r.text).join("");
  if ("formula" in v || "sharedFormula" in v) return formatValue((v as { result?: ExcelJS.CellValue }).result ?? null, numFmt);
  if ("text" in v) return String((v as { text: unknown }).text ?? "");
  return "";
}

function formatNumber(n: number, fmt: string): string {
  const decimals = /\.(0+)/.exec(fmt)?.[1].length ?? 0;
  if (fmt.includes("%")) return `${(n * 100).toFixed(decimals)}%`;
  if (/#,##0|0,0/.test(fmt)) return n.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  if (/^0(\.0+)?$/.test(fmt)) return n.toFixed(decimals);
  // Binary floating point noise (0.1 + 0.2) is not what the sheet shows.
  return String(Number(n.toPrecision(12)));
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
