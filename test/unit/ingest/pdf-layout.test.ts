import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openPdf } from "../../../shared/ingest/parse/pdf/document";
import { pageText } from "../../../shared/ingest/parse/pdf/items";
import { isSingleColumn, readingOrder, type Region } from "../../../shared/ingest/parse/pdf/layout";
import { groupLines, type Line } from "../../../shared/ingest/parse/pdf/lines";
import { dropRunningLines, type PageLines } from "../../../shared/ingest/parse/pdf/running";
import { paragraphs } from "../../../shared/ingest/parse/pdf/paragraphs";
import { findTables } from "../../../shared/ingest/parse/pdf/tables";
import { DATASETS } from "../../helpers/datasets";
import { pdfBuffer, reportPdf, sentences, TWO_COLUMN_TEXT } from "./pdf-fixtures";

// Reading order's fast path: a region where no gutter can be found is cut at its gaps in one pass instead
// of searched for columns region by region. It must read exactly as the full search does.

/** Each page's lines as the parser lays them out: running headers and footers dropped. */
async function pageLines(body: Buffer): Promise<Line[][]> {
  const pdf = await openPdf(body);
  try {
    const pages: PageLines[] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const { runs, height } = await pageText(page, n);
      pages.push({ page: n, height, lines: groupLines(runs) });
      page.cleanup();
    }
    return dropRunningLines(pages).map((p) => p.lines);
  } finally {
    await pdf.destroy();
  }
}

/** The page read as the parser reads it (tables out of the lines), fast or with the full gutter search. */
function read(lines: Line[], full: boolean): Region[] {
  const tables = findTables(lines);
  const inTable = new Set(tables.flatMap((t) => t.lineIndices));
  return readingOrder(
    lines.filter((_, i) => !inTable.has(i)),
    tables,
    { full },
  );
}

const text = (regions: Region[]) =>
  regions.map((r) => (r.kind === "lines" ? r.lines.map((l) => l.segments.map((s) => s.text).join(" ")).join(" ") : "[table]")).join(" | ");

/** One column of prose: a title, a heading, paragraphs with gaps between them, an indented quote. */
const simplePdf = () =>
  pdfBuffer((doc) => {
    doc.addPage();
    doc.font("Helvetica-Bold").fontSize(18).text("Liquidity and Capital Resources", 54, 60);
    doc.font("Helvetica").fontSize(10).text(sentences("east", 6).join(" "), 54, 100, { width: 504 });
    doc.font("Helvetica-Bold").fontSize(12).text("Outlook", 54, 220);
    doc.font("Helvetica").fontSize(10).text(sentences("west", 5).join(" "), 54, 245, { width: 504 });
    // A narrow gap (about two thirds of a line) still parts two paragraphs.
    doc.text(sentences("south", 2).join(" "), 54, doc.y + 5, { width: 504 });
    doc.text(sentences("quote", 2).join(" "), 90, doc.y + 30, { width: 430 });
  });

describe("PDF reading order: the single-column fast path", () => {
  it("a page of one column takes the fast path and reads exactly as the full column search", async () => {
    const [lines] = await pageLines(await simplePdf());
    expect(isSingleColumn(lines)).toBe(true);
    const fast = read(lines, false);
    expect(fast).toEqual(read(lines, true));
    // The cuts fall between the paragraphs: title, body, heading, body, body, quote.
    expect(fast.map((r) => r.kind)).toEqual(["lines", "lines", "lines", "lines", "lines", "lines"]);
    expect(text(fast).replace(/\s+/g, " ")).toContain(sentences("west", 5).join(" "));
  });

  it("a two-column page and a page with a table do not: their columns are found and read in order", async () => {
    const [columns, table] = await pageLines(await reportPdf());
    expect(isSingleColumn(columns)).toBe(false);
    expect(text(read(columns, false))).toContain(TWO_COLUMN_TEXT.split(" ").slice(0, 12).join(" "));
    expect(read(columns, false)).toEqual(read(columns, true));
    expect(isSingleColumn(table)).toBe(false);
    const regions = read(table, false);
    expect(regions.filter((r) => r.kind === "table")).toHaveLength(1);
    expect(regions).toEqual(read(table, true));
  });

  const adobe = join(DATASETS, "financebench", "docs", "ADOBE_2022_10K.pdf");
  it.skipIf(!existsSync(adobe))(
    "a real 10-K (Adobe 2022, 99 pages): every page reads the same with and without the fast path",
    async () => {
      const pages = await pageLines(readFileSync(adobe));
      expect(pages.filter(isSingleColumn).length).toBeGreaterThan(10);
      for (const lines of pages) expect(read(lines, false)).toEqual(read(lines, true));
    },
    60_000,
  );
});

describe("PDF paragraphs: line joins see whole words", () => {
  const line = (text: string, y: number): Line => {
    const seg = { text, x0: 54, x1: 54 + 5 * text.length, y, size: 10, bold: false };
    return { y, x0: seg.x0, x1: seg.x1, size: 10, segments: [seg] };
  };
  it("a word broken over three lines is one word, and a known compound keeps its hyphen after it", () => {
    const known = new Set(["infrastructure-based"]);
    const lines = ["The company runs an infra-", "structure-", "based service and a well-", "run network across all regions."].map((t, i) =>
      line(t, 100 + 12 * i),
    );
    const [para] = paragraphs(lines, (w) => known.has(w));
    expect(para.text).toBe("The company runs an infrastructure-based service and a wellrun network across all regions.");
  });
});
