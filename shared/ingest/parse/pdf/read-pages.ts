import { type Deadline, withTimeout } from "../limits";
import type { PdfDocument } from "./document";
import { type FontBook, pageText } from "./items";
import { groupLines } from "./lines";
import type { PageLines } from "./running";

// A range of an open PDF's pages read as lines, in order, noting the scanned pages (for OCR).

/** Fewer visible characters than this on a page with an image: treat the page as scanned. */
const SCANNED_PAGE_CHARS = 20;

export interface PagesRead {
  pages: PageLines[];
  scanned: { page: number; width: number }[];
}

/** Pages `first` to `last` (1-based, inclusive). */
export async function readPages(pdf: PdfDocument, first: number, last: number, deadline: Deadline): Promise<PagesRead> {
  const out: PagesRead = { pages: [], scanned: [] };
  // Font ids belong to the open document: a second opening of the PDF (another range) learns its fonts anew.
  const fonts: FontBook = new Map();
  for (let n = first; n <= last; n++) {
    deadline.check("reading the PDF");
    const page = await withTimeout(pdf.getPage(n), deadline, "reading the PDF");
    const text = await withTimeout(pageText(page, n, fonts), deadline, "reading the PDF");
    page.cleanup();
    const chars = text.runs.reduce((s, r) => s + r.text.replace(/\s/g, "").length, 0);
    if (chars < SCANNED_PAGE_CHARS && text.hasImages) out.scanned.push({ page: n, width: text.width });
    out.pages.push({ page: n, height: text.height, lines: chars ? groupLines(text.runs) : [] });
  }
  return out;
}
