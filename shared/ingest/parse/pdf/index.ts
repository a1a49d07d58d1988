import type { Block, ParsedDocument } from "../../../domain/document";
import { DocumentError } from "../../../domain/errors";
import { TYPES } from "../detect";
import { withTimeout } from "../limits";
import { ocrAvailable, ocrPdfPages } from "../ocr";
import type { ParseEnv, ParseInput, Parser } from "../types";
import { openPdf, pdfError } from "./document";
import { assignHeadings, type StyledBlock } from "./headings";
import { type FontBook, pageText } from "./items";
import { groupLines } from "./lines";
import { paragraphs } from "./paragraphs";
import { readingOrder } from "./layout";
import { dropRunningLines, type PageLines } from "./running";
import { findTables, inheritHeader, type PdfTable } from "./tables";

// PDF: the text layer page by page, in reading order (columns, tables, headings), without running
// headers and footers. Pages with no text layer but an image (scans) go to OCR, page by page, so
// mixed documents keep their text pages as they are.

/** Fewer visible characters than this on a page with an image: treat the page as scanned. */
const SCANNED_PAGE_CHARS = 20;

export const pdfParser: Parser = {
  types: [TYPES.pdf],
  async parse({ body }: ParseInput, env: ParseEnv): Promise<ParsedDocument> {
    const { limits, deadline } = env;
    const pdf = await withTimeout(openPdf(body), deadline, "opening the PDF");
    try {
      if (pdf.numPages > limits.maxPages) throw new DocumentError("too_many_pages", `the PDF has ${pdf.numPages} pages (limit ${limits.maxPages})`);
      const pages: (PageLines & { hasImages: boolean })[] = [];
      const scanned: { page: number; width: number }[] = [];
      const fonts: FontBook = new Map();
      for (let n = 1; n <= pdf.numPages; n++) {
        deadline.check("reading the PDF");
        const page = await withTimeout(pdf.getPage(n), deadline, "reading the PDF");
        const text = await withTimeout(pageText(page, n, fonts), deadline, "reading the PDF");
        page.cleanup();
        const chars = text.runs.reduce((s, r) => s + r.text.replace(/\s/g, "").length, 0);
        if (chars < SCANNED_PAGE_CHARS && text.hasImages) scanned.push({ page: n, width: text.width });
        pages.push({ page: n, height: text.height, lines: chars ? groupLines(text.runs) : [], hasImages: text.hasImages });
      }
      const warnings: string[] = [];
      const blocks = assignHeadings(joinContinuations(layoutPages(dropRunningLines(pages))));
      const ocrBlocks = await ocrPages(body, scanned, env, warnings);
      const merged = insertByPage(blocks, ocrBlocks);
      const title = (await metaTitle(pdf)) ?? merged.find((b) => b.kind === "heading")?.text;
      return { contentType: TYPES.pdf, title, blocks: merged, pages: pdf.numPages, ...(warnings.length ? { warnings } : {}) };
    } catch (err) {
      throw pdfError(err);
    } finally {
      void pdf.destroy();
    }
  },
};

function layoutPages(pages: PageLines[]): StyledBlock[] {
  // Hyphenated words seen within lines tell "well-known" (keep the hyphen at a line break) from "exam-ple".
  const hyphenated = new Set<string>();
  for (const p of pages)
    for (const l of p.lines) for (const s of l.segments) for (const m of s.text.matchAll(/[A-Za-z]+-[A-Za-z]+/g)) hyphenated.add(m[0].toLowerCase());
  const keepHyphen = (w: string) => hyphenated.has(w);

  const out: StyledBlock[] = [];
  let lastTable: PdfTable | undefined;
  for (const p of pages) {
    const tables = findTables(p.lines);
    // A table carried over from the previous page without its header takes that table's header.
    if (tables[0]) inheritHeader(lastTable, tables[0]);
    lastTable = tables.filter((t) => t.columns).at(-1) ?? lastTable;
    const inTable = new Set(tables.flatMap((t) => t.lineIndices));
    const rest = p.lines.filter((_, i) => !inTable.has(i));
    for (const region of readingOrder(rest, tables)) {
      if (region.kind === "table") {
        out.push({ kind: "table", text: tableText(region.table.header, region.table.rows), table: region.table, page: p.page });
        continue;
      }
      for (const para of paragraphs(region.lines, keepHyphen)) {
        out.push({ kind: para.list ? "list" : "paragraph", text: para.text, page: p.page, size: para.size, bold: para.bold });
      }
    }
  }
  return out;
}

async function ocrPages(body: Buffer, scanned: { page: number; width: number }[], env: ParseEnv, warnings: string[]): Promise<Block[]> {
  if (!scanned.length) return [];
  const { limits, deadline } = env;
  if (limits.maxOcrPages <= 0) {
    warnings.push(`${scanned.length} scanned page(s) not read: OCR is disabled`);
    return [];
  }
  if (!(await ocrAvailable(limits.ocrHost))) {
    warnings.push(
      `${scanned.length} scanned page(s) not read: ${limits.ocrHost ? `the OCR host ${limits.ocrHost.url} is not available` : "OCR tools are not installed"}`,
    );
    return [];
  }
  const todo = scanned.slice(0, limits.maxOcrPages);
  if (todo.length < scanned.length) warnings.push(`only the first ${todo.length} of ${scanned.length} scanned pages were read (OCR page limit)`);
  // Tesseract reads best at about a letter page's width at 300 dpi: narrower pages are rendered finer
  // (FUNSD's 7.85 in faxes: word recall 0.76 at 300 dpi, 0.81 at 325), up to twice the set resolution.
  const dpi = (widthPt: number) => Math.min(2 * limits.ocrDpi, Math.max(limits.ocrDpi, (limits.ocrDpi * 612) / widthPt));
  const results = await ocrPdfPages(
    body,
    todo.map((p) => ({ page: p.page, dpi: dpi(p.width) })),
    deadline,
    limits.ocrHost,
  );
  for (const r of results) {
    if (r.words && r.confidence < limits.lowOcrConfidence) warnings.push(`page ${r.page}: low OCR confidence ${r.confidence.toFixed(2)}`);
  }
  return results.flatMap((r) => r.blocks);
}

function insertByPage(text: Block[], ocr: Block[]): Block[] {
  if (!ocr.length) return text;
  return [...text, ...ocr]
    .map((b, i) => ({ b, i }))
    .sort((x, y) => (x.b.page ?? 0) - (y.b.page ?? 0) || x.i - y.i)
    .map((x) => x.b);
}

/**
 * A paragraph cut by a column or page break (no sentence end, the next part starts in lower case, same
 * font size) is one paragraph again, so its sentences stay whole.
 */
function joinContinuations(blocks: StyledBlock[]): StyledBlock[] {
  const out: StyledBlock[] = [];
  for (const b of blocks) {
    const prev = out[out.length - 1];
    if (prev && prev.kind === "paragraph" && b.kind === "paragraph" && prev.size === b.size && !/[.!?:;]["'”’)]?$/.test(prev.text) && /^[a-z]/.test(b.text)) {
      out[out.length - 1] = { ...prev, text: /[A-Za-z]-$/.test(prev.text) ? prev.text.slice(0, -1) + b.text : `${prev.text} ${b.text}` };
    } else out.push(b);
  }
  return out;
}

async function metaTitle(pdf: Awaited<ReturnType<typeof openPdf>>): Promise<string | undefined> {
  try {
    const meta = await pdf.getMetadata();
    const t = (meta.info as { Title?: unknown })?.Title;
    return typeof t === "string" && t.trim() && !/^(untitled|microsoft word)/i.test(t.trim()) ? t.trim() : undefined;
  } catch {
    return undefined;
  }
}

function tableText(header: string[][], rows: string[][]): string {
  return [...header, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}
