import type { TableData } from "../../domain/document";

// A numeric cell is only meaningful with its row label and column header. Markdown keeps them in the same
// chunk but far apart in the text (an embedding or a reader sees "| 1,234 |" lines away from "Revenue" and
// "2023"); `row — column: value` lines put the three side by side.

const YEAR = /^(FY\s?)?(19|20)\d\d$/i;
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

/**
 * Financial tables put their column headers in several rows ("" | 2019 | 2018, or "($ in millions)" | 2019),
 * and most sources (PDF, HTML without <thead>, csv) cannot mark them: leading body rows whose cells after
 * the first are only text or years (no amounts) are header rows in a numeric table, as long as a body row is left.
 */
export function promoteHeaderRows(table: TableData): TableData {
  const headerLike = (row: string[]) => row.slice(1).some((c) => c.trim()) && row.slice(1).every((c) => !isNumericCell(c) || YEAR.test(c.trim()));
  if (!isNumericTable(table)) return table; // in a text table every row is "only text"
  let n = 0;
  while (n < Math.min(3, table.rows.length - 1) && headerLike(table.rows[n])) n++;
  if (!n) return table;
  return { ...table, header: [...table.header, ...table.rows.slice(0, n)], rows: table.rows.slice(n) };
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

/**
 * `row — column: value` lines for the numeric cells, one list per body row (so a chunk holding rows i..j
 * takes their lines); null when the table is not numeric. Section context runs over the whole table, so it
 * survives a split.
 */
export function tableFacts(table: TableData): string[][] | null {
  if (!isNumericTable(table)) return null;
  const headers = columnHeaders(table);
  const labels = labelColumns(table);
  const out: string[][] = [];
  // Rows with a label and no values head a section ("Basic earnings per share", wrapped over two rows
  // in a PDF); the rows under it are labelled "section / row", and an unlabelled sum row is its total.
  let section = "";
  let previousWasSection = false;
  for (const row of table.rows) {
    const lines: string[] = [];
    out.push(lines);
    const own = row
      .slice(0, labels)
      .map((c) => c.trim())
      .filter(Boolean)
      .join(" / ");
    const values = row.slice(labels).some((c) => c.trim());
    if (!values) {
      if (own) section = previousWasSection ? `${section} ${own}` : own;
      previousWasSection = Boolean(own);
      continue;
    }
    previousWasSection = false;
    const label = section ? `${section} / ${own || "total"}` : own;
    if (!label) continue;
    for (let c = labels; c < row.length; c++) {
      const value = row[c].trim();
      if (!isNumericCell(value)) continue;
      lines.push(`${label} — ${headers[c] || `column ${c + 1}`}: ${value}`);
    }
  }
  return out;
}
