import type { Line, Segment } from "./lines";
import type { PdfTable } from "./table-types";

// Text tables without numbers ("Name | Role | Office"): three or more lines whose short cells start at the
// same x positions. A line with nothing in the first column continues the cells of the row above (wrapped
// cells). Prose set in columns also lines up, so a grid is refused when its cells read like running text:
// lines that fill their column and continue in lower case on the next line.

const MAX_CELL_WORDS = 8;
const words = (s: string) => (s.match(/\S+/g) ?? []).length;

export function findTextGrids(lines: Line[], used: Set<number>): PdfTable[] {
  const grids: PdfTable[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (used.has(i) || !isGridLine(lines[i])) continue;
    const cols = lines[i].segments.map((s) => s.x0);
    const members = [i];
    for (let k = i + 1; k < lines.length && !used.has(k); k++) {
      const prev = lines[members[members.length - 1]];
      const l = lines[k];
      if (l.y - prev.y > 2.6 * Math.max(l.size, prev.size) || !isGridLine(l, true) || !aligned(l, cols)) break;
      members.push(k);
    }
    const rows = toRows(
      members.map((k) => lines[k]),
      cols,
    );
    if (
      rows.length < 3 ||
      cols.length < 2 ||
      readsLikeProse(
        members.map((k) => lines[k]),
        cols,
      )
    )
      continue;
    for (const k of members) used.add(k);
    const all = members.map((k) => lines[k]);
    grids.push({
      lineIndices: members,
      table: { header: [rows[0]], rows: rows.slice(1) },
      x0: Math.min(...all.map((l) => l.x0)),
      x1: Math.max(...all.map((l) => l.x1)),
      y0: Math.min(...all.map((l) => l.y - l.size)),
      y1: Math.max(...all.map((l) => l.y + l.size * 0.25)),
    });
    i = members[members.length - 1];
  }
  return grids;
}

function isGridLine(l: Line, continuation = false): boolean {
  return (continuation || l.segments.length >= 2) && l.segments.every((s) => words(s.text) <= MAX_CELL_WORDS);
}

/** Every segment starts at one of the columns (within about one character). */
function aligned(l: Line, cols: number[]): boolean {
  return l.segments.every((s) => columnOf(s, cols) >= 0);
}

function columnOf(s: Segment, cols: number[]): number {
  return cols.findIndex((x) => Math.abs(s.x0 - x) <= Math.max(3, 0.6 * s.size));
}

function toRows(lines: Line[], cols: number[]): string[][] {
  const rows: string[][] = [];
  for (const l of lines) {
    const cells = new Array<string>(cols.length).fill("");
    for (const s of l.segments) cells[columnOf(s, cols)] = s.text;
    const prev = rows[rows.length - 1];
    if (prev && !cells[0])
      cells.forEach((c, i) => {
        if (c) prev[i] = prev[i] ? `${prev[i]} ${c}` : c;
      });
    else rows.push(cells);
  }
  return rows;
}

/** Most line breaks inside a column fall mid-sentence, on lines that fill the column: running text. */
function readsLikeProse(lines: Line[], cols: number[]): boolean {
  let breaks = 0;
  let prose = 0;
  for (let c = 0; c < cols.length; c++) {
    const cells = lines.map((l) => l.segments.find((s) => columnOf(s, cols) === c));
    const width = Math.max(0, ...cells.map((s) => (s ? s.x1 - s.x0 : 0)));
    for (let i = 0; i + 1 < cells.length; i++) {
      const a = cells[i];
      const b = cells[i + 1];
      if (!a || !b) continue;
      breaks++;
      if (a.x1 - a.x0 > 0.8 * width && !/[.:;!?]$/.test(a.text) && /^[a-z]/.test(b.text)) prose++;
    }
  }
  return breaks > 0 && prose / breaks > 0.3;
}
