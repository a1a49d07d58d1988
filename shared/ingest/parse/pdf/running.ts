import type { Line } from "./lines";

// Running headers and footers: lines near the top or bottom edge whose text (digits aside) repeats on many
// pages or on consecutive pages, bare page numbers, and edge lines that end (or start) with the page's printed number ("Financial
// Statements  4", where the printed number runs in step with the page index). They are layout, not content,
// and would repeat in every chunk.

export interface PageLines {
  page: number;
  height: number;
  lines: Line[];
}

const BAND = 0.12; // top and bottom 12% of the page
const PAGE_NUMBER = /^(page\s*)?[-–—]?\s*(\d{1,4}|[ivxlc]{1,6})\s*[-–—]?(\s*(of|\/)\s*\d{1,4})?$/i;
const EDGE_NUMBER = /^(\d{1,4})\s+\S|\S\s+(\d{1,4})$/;

const lineText = (l: Line) =>
  l.segments
    .map((s) => s.text)
    .join(" ")
    .trim();
const looseShape = (t: string) => t.toLowerCase().replace(/\d+/g, "#").replace(/\s+/g, " ").trim();

function inBand(l: Line, p: PageLines): boolean {
  return l.y < p.height * BAND || l.y > p.height * (1 - BAND);
}

/** In the edge bands, or among the first/last two lines (short pages end well above the bottom band); i: l's index. */
function atEdge(l: Line, i: number, p: PageLines): boolean {
  return inBand(l, p) || i < 2 || i >= p.lines.length - 2;
}

/** Returns each page's lines without its running headers, footers and page numbers. */
export function dropRunningLines(pages: PageLines[]): PageLines[] {
  // Short documents: only exact repeats count ("Chapter 1" / "Chapter 2" at the top are not running heads).
  const shape = pages.length < 4 ? (t: string) => t.toLowerCase().replace(/\s+/g, " ").trim() : looseShape;
  const counts = new Map<string, number>();
  const offsets = new Map<number, number>();
  // Section-level running heads ("NOTES TO FINANCIAL STATEMENTS (Continued)") repeat on consecutive pages.
  const runs = new Map<string, { last: number; run: number; best: number }>();
  for (const p of pages) {
    const seen = new Set<string>();
    const offs = new Set<number>();
    for (const [i, l] of p.lines.entries()) {
      if (!atEdge(l, i, p)) continue;
      const k = shape(lineText(l));
      seen.add(k);
      if (inBand(l, p)) {
        const r = runs.get(k) ?? { last: -1, run: 0, best: 0 };
        if (r.last !== p.page) r.run = r.last === p.page - 1 ? r.run + 1 : 1;
        r.last = p.page;
        r.best = Math.max(r.best, r.run);
        runs.set(k, r);
      }
      const n = printedNumber(lineText(l));
      if (n !== undefined) offs.add(p.page - n);
    }
    for (const k of seen) counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const o of offs) offsets.set(o, (offsets.get(o) ?? 0) + 1);
  }
  // Repeated on at least 40% of the pages (and on at least 3, or on both pages of a 2-3 page document),
  // or at the top/bottom of three pages in a row.
  const min = pages.length < 4 ? 2 : Math.max(3, Math.ceil(pages.length * 0.4));
  const running = (l: Line) => {
    const k = shape(lineText(l));
    return (counts.get(k) ?? 0) >= min || (pages.length >= 4 && (runs.get(k)?.best ?? 0) >= 3);
  };
  // The printed page number runs at a fixed offset from the page index on many pages.
  const numbered = (l: Line, p: PageLines) => {
    const n = printedNumber(lineText(l));
    return pages.length >= 4 && n !== undefined && (offsets.get(p.page - n) ?? 0) >= min;
  };
  return pages.map((p) => ({
    ...p,
    lines: p.lines.filter(
      (l, i) =>
        !((inBand(l, p) && (running(l) || PAGE_NUMBER.test(lineText(l)))) || (atEdge(l, i, p) && (numbered(l, p) || (running(l) && pages.length >= 4)))),
    ),
  }));
}

function printedNumber(text: string): number | undefined {
  const m = EDGE_NUMBER.exec(text);
  const n = m ? Number(m[1] ?? m[2]) : PAGE_NUMBER.test(text) ? Number(/\d+/.exec(text)?.[0]) : undefined;
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}
