import type { TableData } from "../../domain/document";

// A numeric cell is only meaningful with its row label and column header. Markdown keeps them in the same
// chunk but far apart in the text (an embedding or a reader sees "| 1,234 |" lines away from "Revenue" and
// "2023"); `row — column: value` lines put the three side by side.

const NUMBER = /^[(\-−–]?\s*[$€£¥]?\s*[(\-−–]?\d[\d,.\s]*%?\)?$|^[—–-]$/;

export function isNumericCell(cell: string): boolean {
  const c = cell.trim();
  return c !== "" && NUMBER.test(c) && /\d/.test(c);
}

/** A table is numeric when at least a third of its non-empty body cells outside the first column are numbers. */
export function isNumericTable(table: TableData): boolean {
  let cells = 0;
  let numbers = 0;
  for (const row of table.rows) {
    for (const cell of row.slice(1)) {
      if (!cell.trim()) continue;
      cells++;
      if (isNumericCell(cell)) numbers++;
    }
  }
  return cells > 0 && numbers / cells >= 1 / 3;
}

/** Column headers: the distinct non-empty header cells of each column joined top to bottom ("2023 / Q1"). */
export function columnHeaders(table: TableData): string[] {
  const width = Math.max(0, ...table.header.map((r) => r.length), ...table.rows.map((r) => r.length));
  const out: string[] = [];
  for (let c = 0; c < width; c++) {
    const parts: string[] = [];
    for (const row of table.header) {
      const cell = (row[c] ?? "").trim();
      if (cell && parts[parts.length - 1] !== cell) parts.push(cell);
    }
    out.push(parts.join(" / "));
  }
  return out;
}

/** Leading label columns: those (at most two) where numbers are the minority, e.g. "Region | Metric | 2023". */
export function labelColumns(table: TableData): number {
  let n = 0;
  for (let c = 0; c < 2; c++) {
    const cells = table.rows.map((r) => (r[c] ?? "").trim()).filter(Boolean);
    if (!cells.length || cells.filter(isNumericCell).length >= cells.length / 3) break;
    n++;
  }
  return Math.max(1, n);
}

/** `row — column: value` lines for the numeric cells of `rows` (empty when the table is not numeric). */
export function tableFacts(table: TableData, rows: string[][]): string[] {
  if (!isNumericTable(table)) return [];
  const headers = columnHeaders(table);
  const labels = labelColumns(table);
  const lines: string[] = [];
  for (const row of rows) {
    const label = row.slice(0, labels).map((c) => c.trim()).filter(Boolean).join(" / ");
    if (!label) continue;
    for (let c = labels; c < row.length; c++) {
      const value = row[c].trim();
      if (!isNumericCell(value)) continue;
      const column = headers[c] || `column ${c + 1}`;
      lines.push(`${label} — ${column}: ${value}`);
    }
  }
  return lines;
}
