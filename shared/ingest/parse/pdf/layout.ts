import type { TableData } from "../../../domain/document";
import { groupLinesOfSegments } from "./paragraphs";
import type { Line, Segment } from "./lines";
import { median } from "./lines";
import type { PdfTable } from "./tables";

// Reading order on one page: a recursive cut of the page into regions. Where a vertical gutter runs down a
// region (columns), the left column is read before the right one; lines that span the gutter (a title over
// two columns, a full-width table) cut the region into bands first. Otherwise the region is cut at its
// widest horizontal gap. What cannot be cut further is a run of lines read top to bottom.
// Most pages of running text have no gutter to find: a region where no two boxes lie wholly left of two
// others (one column, tables aside) skips the search and is cut at its gaps in one pass, with the same result.

export type Region = { kind: "lines"; lines: Line[] } | { kind: "table"; table: TableData; y: number };

interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  seg?: Segment;
  table?: PdfTable;
}

interface Cut {
  em: number /** Search for gutters in every region, also where none can be (tests compare). */;
  full: boolean;
}

export function readingOrder(lines: Line[], tables: PdfTable[], opts: { full?: boolean } = {}): Region[] {
  const boxes = segmentBoxes(lines);
  for (const t of tables) boxes.push({ x0: t.x0, x1: t.x1, y0: t.y0, y1: t.y1, table: t });
  if (!boxes.length) return [];
  const em = median(boxes.filter((b) => b.seg).map((b) => b.seg!.size)) || 10;
  const out: Region[] = [];
  cut(boxes, { em, full: opts.full ?? false }, out);
  return out;
}

/** Lines (tables aside) in which no gutter can be found: read in one pass, cut at the gaps between paragraphs. */
export function isSingleColumn(lines: Line[]): boolean {
  return !gutterPossible(segmentBoxes(lines));
}

function segmentBoxes(lines: Line[]): Box[] {
  const boxes: Box[] = [];
  for (const l of lines) for (const s of l.segments) boxes.push({ x0: s.x0, x1: s.x1, y0: s.y - s.size * 0.8, y1: s.y + s.size * 0.2, seg: s });
  return boxes;
}

function cut(boxes: Box[], c: Cut, out: Region[]): void {
  if (!boxes.length) return;
  if (boxes.length === 1 && boxes[0].table) return void out.push({ kind: "table", table: boxes[0].table.table, y: boxes[0].y0 });
  if (!c.full && !boxes.some((b) => b.table) && !gutterPossible(boxes)) return cutAtGaps(boxes, c.em, out);
  const gutter = findGutter(boxes, c.em);
  if (gutter) return splitAtGutter(boxes, gutter, c, out);
  const parts = splitAtWidestGap(boxes, c.em);
  if (parts) {
    cut(parts[0], c, out);
    cut(parts[1], c, out);
    return;
  }
  const tables = boxes.filter((b) => b.table);
  if (tables.length) {
    // A table with text beside it and no gap to cut: keep top-to-bottom order by the boxes' tops.
    const sorted = [...boxes].sort((a, b) => a.y0 - b.y0);
    let run: Box[] = [];
    for (const b of sorted) {
      if (b.table) {
        cut(run, c, out);
        run = [];
        out.push({ kind: "table", table: b.table.table, y: b.y0 });
      } else run.push(b);
    }
    return cut(run, c, out);
  }
  out.push({ kind: "lines", lines: groupLinesOfSegments(boxes.map((b) => b.seg!)) });
}

interface Gutter {
  x0: number;
  x1: number;
}

/**
 * An x-range, away from the region's edges, that few boxes cross, with real columns of text on both sides.
 * Boxes crossing it may total at most a third of the region's height (titles, full-width lines, tables).
 */
function findGutter(boxes: Box[], em: number): Gutter | undefined {
  const x0 = Math.min(...boxes.map((b) => b.x0));
  const x1 = Math.max(...boxes.map((b) => b.x1));
  const width = x1 - x0;
  if (width < 10 * em) return undefined;
  const bins = Math.ceil(width);
  const cover = new Float64Array(bins);
  for (const b of boxes) {
    const h = b.y1 - b.y0;
    for (let x = Math.max(0, Math.floor(b.x0 - x0)); x < Math.min(bins, Math.ceil(b.x1 - x0)); x++) cover[x] += h;
  }
  const totalHeight = boxes.reduce((s, b) => s + (b.y1 - b.y0), 0);
  // Candidate stretches: contiguous bins at the minimum coverage, in the middle 10-90% of the region.
  const lo = Math.floor(width * 0.1);
  const hi = Math.ceil(width * 0.9);
  let best: Gutter | undefined;
  let bestScore = Infinity;
  for (let x = lo; x < hi; ) {
    const c = cover[x];
    let end = x;
    while (end + 1 < hi && cover[end + 1] === c) end++;
    const stretch = { x0: x0 + x, x1: x0 + end + 1 };
    if (stretch.x1 - stretch.x0 >= 0.6 * em && c <= totalHeight / 3 && c < bestScore && isGutter(boxes, stretch, em)) {
      best = stretch;
      bestScore = c;
    }
    x = end + 1;
  }
  return best;
}

/** Both sides hold at least two lines of text over a shared vertical stretch (a column, not a stray word). */
function isGutter(boxes: Box[], g: Gutter, em: number): boolean {
  const left = boxes.filter((b) => b.x1 <= g.x0);
  const right = boxes.filter((b) => b.x0 >= g.x1);
  const rows = (bs: Box[]) => new Set(bs.map((b) => Math.round(b.y0 / (em * 0.5)))).size;
  if (rows(left) < 2 || rows(right) < 2) return false;
  const top = Math.max(Math.min(...left.map((b) => b.y0)), Math.min(...right.map((b) => b.y0)));
  const bottom = Math.min(Math.max(...left.map((b) => b.y1)), Math.max(...right.map((b) => b.y1)));
  return bottom - top > 1.5 * em;
}

function splitAtGutter(boxes: Box[], g: Gutter, c: Cut, out: Region[]): void {
  const crossing = boxes.filter((b) => b.x0 < g.x1 && b.x1 > g.x0).sort((a, b) => a.y0 - b.y0);
  const rest = boxes.filter((b) => !crossing.includes(b));
  // Bands: the stretches between crossing boxes; each band is read left column first.
  let from = -Infinity;
  const emitBand = (until: number) => {
    const band = rest.filter((b) => (b.y0 + b.y1) / 2 >= from && (b.y0 + b.y1) / 2 < until);
    if (!band.length) return;
    const left = band.filter((b) => b.x1 <= g.x0);
    const right = band.filter((b) => b.x0 >= g.x1);
    if (left.length && right.length && left.length + right.length === band.length) {
      cut(left, c, out);
      cut(right, c, out);
    } else cut(band, c, out);
  };
  // Consecutive crossing boxes (a full-width paragraph) stay together as one region.
  const mid = (b: Box) => (b.y0 + b.y1) / 2;
  for (let i = 0; i < crossing.length; ) {
    let j = i + 1;
    while (j < crossing.length && !rest.some((b) => mid(b) >= mid(crossing[j - 1]) && mid(b) < mid(crossing[j]))) j++;
    emitBand(mid(crossing[i]));
    cut(crossing.slice(i, j), c, out);
    from = mid(crossing[j - 1]);
    i = j;
  }
  emitBand(Infinity);
}

/** Cuts at the widest vertical whitespace between boxes, if it is wider than ordinary line spacing. */
function splitAtWidestGap(boxes: Box[], em: number): [Box[], Box[]] | undefined {
  const sorted = [...boxes].sort((a, b) => a.y0 - b.y0);
  let reach = sorted[0].y1;
  let best = -1;
  let bestGap = 0.45 * em;
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i].y0 - reach;
    if (gap > bestGap) {
      bestGap = gap;
      best = i;
    }
    reach = Math.max(reach, sorted[i].y1);
  }
  return best < 0 ? undefined : [sorted.slice(0, best), sorted.slice(best)];
}

/**
 * A gutter needs two boxes wholly left of it and two wholly right (isGutter: two rows each side). When the
 * second-smallest right edge is at or right of the second-largest left edge, no x-range has that, here or
 * in any part of this region.
 */
function gutterPossible(boxes: Box[]): boolean {
  let right1 = Infinity; // the two smallest right edges
  let right2 = Infinity;
  let left1 = -Infinity; // the two largest left edges
  let left2 = -Infinity;
  for (const b of boxes) {
    if (b.x1 < right1) {
      right2 = right1;
      right1 = b.x1;
    } else if (b.x1 < right2) right2 = b.x1;
    if (b.x0 > left1) {
      left2 = left1;
      left1 = b.x0;
    } else if (b.x0 > left2) left2 = b.x0;
  }
  return right2 < left2;
}

/**
 * What cut() does to a region without gutters, in one pass: splitting at the widest gap and again in each
 * part ends with a cut at every gap wider than ordinary line spacing, read top to bottom.
 */
function cutAtGaps(boxes: Box[], em: number, out: Region[]): void {
  const sorted = [...boxes].sort((a, b) => a.y0 - b.y0);
  let from = 0;
  let reach = sorted[0].y1;
  const emit = (to: number) => out.push({ kind: "lines", lines: groupLinesOfSegments(sorted.slice(from, to).map((b) => b.seg!)) });
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].y0 - reach > 0.45 * em) {
      emit(i);
      from = i;
    }
    reach = Math.max(reach, sorted[i].y1);
  }
  emit(sorted.length);
}
