import type { TableData } from "../../../domain/document";
import { findTextGrids } from "./grids";
import type { Line, Segment } from "./lines";
import type { Column, PdfTable } from "./table-types";

export type { PdfTable };

// Tables drawn with aligned text (no ruling needed): consecutive lines with a label and numbers that line up
// in columns, plus the header lines above them. Financial statements are the case that matters: read across
// the page they become "Net revenue $11,715 $18,353" with no idea which number belongs to which period.

const YEAR = /^(19|20)\d{2}([*†‡]|\([a-z0-9]\))?$/;

/** A cell that holds a number: 1,234 | (1,234) | $5.6 | 12.5% | — | n/a. */
export function isNumericCell(text: string): boolean {
  const t = text
    .replace(/[$€£¥\s*]/g, "")
    .replace(/^\((.*)\)$/, "$1")
    .replace(/[()]/g, "");
  if (/^[-–—]+$/.test(t)) return true;
  if (/^(n\/?a|nm|n\/m)$/i.test(t)) return true;
  return /^[-–—+]?\d[\d,]*(\.\d+)?(%|x|pts?|bps|[bmk])?$/i.test(t);
}

const isYear = (s: Segment) => YEAR.test(s.text.trim());
const words = (s: string) => (s.match(/\S+/g) ?? []).length;

/** Values at the right of a label: at least one non-first segment is a number (years alone are headers). */
function isNumericRow(l: Line): boolean {
  if (l.segments.length < 2) return false;
  const values = l.segments.slice(1);
  return values.every((s) => isNumericCell(s.text) || words(s.text) <= 3) && values.some((s) => isNumericCell(s.text) && !isYear(s));
}

function isYearRow(l: Line): boolean {
  const values = l.segments.filter((s) => !(l.segments.indexOf(s) === 0 && !isYear(s)));
  return values.length >= 2 && values.every(isYear);
}

export function findTables(lines: Line[]): PdfTable[] {
  const tables: PdfTable[] = [];
  const used = new Set<number>();
  for (let i = 0; i < lines.length; i++) {
    if (used.has(i) || !isNumericRow(lines[i])) continue;
    const body = collectBody(lines, i, used);
    if (body.filter((k) => isNumericRow(lines[k])).length < 2) continue;
    const columns = columnsOf(body.map((k) => lines[k]));
    if (!columns.length) continue;
    const { head, labels } = collectHeader(lines, i, columns, used);
    body.unshift(...labels);
    const table = build(lines, head, body, columns);
    for (const k of [...head, ...body]) used.add(k);
    const all = [...head, ...body].map((k) => lines[k]);
    const found: PdfTable = {
      lineIndices: [...head, ...body],
      table,
      x0: Math.min(...all.map((l) => l.x0)),
      x1: Math.max(...all.map((l) => l.x1)),
      y0: Math.min(...all.map((l) => l.y - l.size)),
      y1: Math.max(...all.map((l) => l.y + l.size * 0.25)),
      columns,
    };
    inheritHeader(tables[tables.length - 1], found);
    tables.push(found);
    i = Math.max(...body);
  }
  return [...tables, ...findTextGrids(lines, used)];
}

/**
 * A table without a header that continues an earlier one (same value columns, at the same x positions: the
 * rest of a table cut by a note, or carried over to the next page) takes that table's header.
 */
export function inheritHeader(prev: PdfTable | undefined, t: PdfTable): void {
  if (!prev?.columns || !t.columns || t.table.header.length || !prev.table.header.length) return;
  if (prev.columns.length !== t.columns.length) return;
  const aligned = t.columns.every((c, i) => Math.min(c.x1, prev.columns![i].x1) - Math.max(c.x0, prev.columns![i].x0) > 0);
  if (aligned) t.table = { ...t.table, header: prev.table.header };
}

/**
 * Rows from `start` down: numeric rows, and label-only lines between them: section labels, and labels that
 * wrap over several lines inside the label column (left of the values), as long as a numeric row follows.
 */
function collectBody(lines: Line[], start: number, used: Set<number>): number[] {
  const body = [start];
  const labelX = lines[start].segments[0].x0;
  const valuesX0 = Math.min(...lines[start].segments.slice(1).map((s) => s.x0));
  const close = (a: Line, b: Line) => b.y - a.y <= 3.2 * Math.max(a.size, b.size);
  // Bulleted notes under a row are commentary, not labels: they end the table (a continuation borrows the header).
  const labelOnly = (l: Line) =>
    l.segments.length === 1 &&
    !isNumericRow(l) &&
    !/^[•·▪◦●○■□➢►✓]/.test(l.segments[0].text) &&
    ((l.segments[0].x0 < labelX + 6 * l.size && words(l.segments[0].text) <= 16) || l.segments[0].x1 < valuesX0 - 0.5 * l.size);
  for (let k = start + 1; k < lines.length && !used.has(k); k++) {
    const l = lines[k];
    if (!close(lines[body[body.length - 1]], l)) break;
    if (isNumericRow(l)) {
      body.push(k);
      continue;
    }
    // Label-only lines count only if they lead, line after close line, to another numeric row.
    let n = k;
    while (n < lines.length && n - k < 6 && !used.has(n) && labelOnly(lines[n]) && (n === k || close(lines[n - 1], lines[n]))) n++;
    if (n === k || n >= lines.length || used.has(n) || !isNumericRow(lines[n]) || !close(lines[n - 1], lines[n])) break;
    for (let m = k; m <= n; m++) body.push(m);
    k = n;
  }
  return body;
}

/** Value columns: the x-extents of numeric cells, merged where they overlap (numbers are right-aligned). */
function columnsOf(rows: Line[]): Column[] {
  const spans = rows.flatMap((l) =>
    l.segments
      .slice(1)
      .filter((s) => isNumericCell(s.text))
      .map((s) => ({ x0: s.x0, x1: s.x1 })),
  );
  spans.sort((a, b) => a.x0 - b.x0);
  const cols: Column[] = [];
  for (const s of spans) {
    const last = cols[cols.length - 1];
    // Overlap by more than a sliver (a stray wide cell must not fuse two columns).
    if (last && s.x0 <= last.x1 - Math.min(4, 0.3 * (s.x1 - s.x0))) last.x1 = Math.max(last.x1, s.x1);
    else cols.push({ ...s });
  }
  return cols;
}

/**
 * Header lines just above the first row: their cells sit over the value columns (a label-side caption
 * allowed). Section labels between the header and the first row ("Cash flows from operating activities")
 * are returned as `labels`: they belong to the body, but only when a header was found above them.
 */
function collectHeader(lines: Line[], first: number, cols: Column[], used: Set<number>): { head: number[]; labels: number[] } {
  const head: number[] = [];
  const labels: number[] = [];
  const valuesX0 = cols[0].x0;
  let below = lines[first];
  for (let k = first - 1; k >= 0 && head.length < 4 && !used.has(k); k--) {
    const l = lines[k];
    if (below.y - l.y > 3.2 * Math.max(l.size, below.size)) break;
    const left = l.segments.filter((s) => s.x1 < valuesX0 - l.size * 0.5);
    const over = l.segments.filter((s) => !left.includes(s));
    // Left of the values only (the label column): a section label or a label wrapped over several lines.
    if (!head.length && labels.length < 8 && over.length === 0 && left.length === 1) {
      labels.unshift(k);
      below = l;
      continue;
    }
    const fits =
      over.length > 0 && left.length <= 1 && over.every((s) => words(s.text) <= 8 && s.x0 >= valuesX0 - 8 * l.size) && left.every((s) => words(s.text) <= 14);
    if (!fits || (isNumericRow(l) && !isYearRow(l))) break;
    head.unshift(k);
    below = l;
  }
  return { head, labels: head.length ? labels : [] };
}

function build(lines: Line[], head: number[], body: number[], cols: Column[]): TableData {
  const width = cols.length + 1;
  const overlap = (s: Segment, c: Column) => Math.min(s.x1, c.x1) - Math.max(s.x0, c.x0);
  const place = (l: Line, spanning: boolean): string[] => {
    const cells = new Array<string>(width).fill("");
    const put = (i: number, t: string) => (cells[i] = cells[i] ? `${cells[i]} ${t}` : t);
    for (const s of l.segments) {
      const hits = cols.map((c, i) => ({ i, o: overlap(s, c) })).filter((h) => h.o > 0);
      if (spanning && hits.length > 1) {
        for (const h of hits) put(h.i + 1, s.text);
        continue;
      }
      if (hits.length) {
        put(hits.sort((a, b) => b.o - a.o)[0].i + 1, s.text);
        continue;
      }
      if (s.x1 <= cols[0].x0) {
        put(0, s.text);
        continue;
      }
      // Between columns: the nearest by centre.
      const mid = (s.x0 + s.x1) / 2;
      const near = cols.map((c, i) => ({ i, d: Math.abs((c.x0 + c.x1) / 2 - mid) })).sort((a, b) => a.d - b.d)[0];
      put(near.i + 1, s.text);
    }
    return cells.map((c) => c.replace(/\s*\$$/, "").trim());
  };
  const header = head.map((k) => place(lines[k], true));
  const rows: string[][] = [];
  // The label column's right edge: a label line reaching it was wrapped, a shorter one ended.
  const labelRight = Math.max(
    ...body
      .map((k) => lines[k].segments[0])
      .filter((s) => s.x1 < cols[0].x0)
      .map((s) => s.x1),
    0,
  );
  let prevLine: Line | undefined;
  for (const k of body) {
    const cells = place(lines[k], false);
    const prev = rows[rows.length - 1];
    const prevLabel = prevLine?.segments[0];
    const wrapped = prevLabel !== undefined && (/^[a-z]/.test(cells[0]) || prevLabel.x1 > labelRight - 3 * prevLine!.size);
    // A wrapped label: the previous row had a label and no values, didn't end a phrase, and this line goes on.
    if (prev && cells[0] && prev.slice(1).every((c) => !c) && !/[:.;]$/.test(prev[0]) && wrapped) {
      rows[rows.length - 1] = [`${prev[0]} ${cells[0]}`, ...cells.slice(1)];
    } else rows.push(cells);
    prevLine = lines[k];
  }
  // Year rows inside the body's first lines (no label) are header rows too.
  while (
    rows.length &&
    !rows[0][0] &&
    rows[0]
      .slice(1)
      .filter(Boolean)
      .every((c) => YEAR.test(c))
  )
    header.push(rows.shift()!);
  return { header, rows };
}
